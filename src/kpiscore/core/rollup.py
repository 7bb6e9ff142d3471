"""The roll-up over periods: one row per employee with each period's total and grade, the rolled-up total,
grade, coefficient, payout and ranks. Pure arithmetic over results; batch feeds it, the workbook writes it.

Roll-ups nest (months → quarters → the year): a level rolls up periods or earlier levels alike, each given as
the same per-employee rows (`period_rows` of a period's results, `RollupResult.rows` of a level)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .engine import Result
from .grading import assign_grades, coefficient_of, ranks
from .payout import Payout, pay
from .plan import Plan, Rollup
from .say import Say
from .scheme import Quota, Scheme
from .values import round_half_up

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    from .lazy import np, pd


#: the per-employee rows a level rolls up (of a period, or of an earlier level)
ROW_COLUMNS = ["id", "name", "group", "base", "total", "grade", "role", "scheme", "adjusted"]


@dataclass
class RollupResult:
    """One row per employee over the periods, and what the roll-up workbook needs besides."""

    table: pd.DataFrame  # id, name, group, per-period total/grade, total, grade, coefficient, payout, ranks, …
    periods: list[str]
    grade_lists: list[list[str]]  # the grade names of each pool (roll-up grades, or each scheme's), best first
    lang: str
    decimals: int
    plan: Plan
    period_means: pd.Series  # mean total per period
    group_heading: str  # the schemes' group column, or a neutral word where they differ
    spec: Rollup  # the level this is
    rows: pd.DataFrame  # ROW_COLUMNS: what a level above rolls up from this one


def period_rows(period: str, results: dict[str, Result], notes: dict[str, pd.Series]) -> pd.DataFrame:
    """A period's employees as a level rolls them up: who, the total (after veto) and grade, the scheme, and
    the calibrations said with the period's name (`notes`: each result's, by its row, in words)."""
    frames = []
    for key, result in results.items():
        people, summary = result.people, result.summary
        said = notes[key]
        frames.append(pd.DataFrame({
            "id": people["id"], "name": people["name"], "group": people.get("group"),
            "base": people.get("base", np.nan), "total": summary["total"], "grade": summary["grade"],
            "role": people.get("role"), "scheme": key,
            "adjusted": (f"{period} " + said.reindex(people.index).dropna()).reindex(people.index, fill_value="")},
            columns=ROW_COLUMNS, index=people.index))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ROW_COLUMNS)


def rollup(plan: Plan, spec: Rollup, schemes: dict[str, Scheme], say: Say, lang: str,
           inputs: list[tuple[str, pd.DataFrame]]) -> RollupResult:
    """Roll one level up per employee from its `inputs` (each period's or earlier level's rows, in the order
    the level names them): mean over the periods present, weights renormalised over them, or the last
    present; then grades, forced distribution, payout and ranks. A period in which someone's scheme had no one
    (a manager's annual period beside the staff's quarters) is no absence."""
    periods = [period for period, _ in inputs]
    long = pd.concat([rows.assign(period=period, order=order) for order, (period, rows) in enumerate(inputs)],
                     ignore_index=True).astype({"base": float, "total": float})
    totals = long.pivot(index="id", columns="period", values="total").reindex(columns=periods)
    grades_wide = long.pivot(index="id", columns="period", values="grade").reindex(columns=periods)
    last = long.sort_values("order").groupby("id").last()
    decimals = next(iter(schemes.values())).decimals
    total = pd.Series(round_half_up(_rolled(spec, totals, last).reindex(last.index), decimals), index=last.index)
    grade, coefficient, payout, names = _graded(spec, schemes, total, last)
    rank, group_rank = ranks(total, last["group"] if last["group"].notna().any() else None)
    table = pd.DataFrame({"id": last.index, "name": last["name"], "group": last["group"]}, index=last.index)
    if plan.role_column:
        table["role"] = last["role"]
    for p in periods:
        table[f"total:{p}"] = totals[p]
        table[f"grade:{p}"] = grades_wide[p]
    table["total"], table["grade"] = total, grade
    table["coefficient"], table["payout"] = coefficient, payout
    table["rank"], table["group_rank"] = rank, group_rank
    adjusted = long[long["adjusted"].fillna("") != ""].groupby("id", sort=False)["adjusted"].agg(
        say("list_sep").join)
    if len(adjusted):  # each period's calibrations, carried up every level
        table["adjusted"] = adjusted.reindex(table.index, fill_value="")
    table["present"] = totals.notna().sum(axis=1).astype(int)
    expected = long.groupby("scheme")["period"].nunique()  # the periods each scheme was assessed in
    table["absent"] = table["present"] < last["scheme"].map(expected)
    first_seen = long.groupby("id")["order"].min()
    order = first_seen.sort_values(kind="stable").index
    table = table.loc[order].reset_index(drop=True)
    group_columns = {s.columns.group for s in schemes.values()}
    heading = group_columns.pop() if len(group_columns) == 1 and None not in group_columns else say.label("team")
    rows = last.loc[order].assign(total=total[order], grade=grade[order],
                                  adjusted=adjusted.reindex(order, fill_value="")).reset_index()[ROW_COLUMNS]
    return RollupResult(table, periods, names, lang, decimals, plan, totals.mean(axis=0), str(heading), spec, rows)


def _rolled(spec: Rollup, totals: pd.DataFrame, last: pd.DataFrame) -> pd.Series:
    """The rolled-up total before rounding: mean, renormalised weights or the last period present."""
    if spec.method == "mean":
        return totals.mean(axis=1)
    if spec.method == "last":
        return last["total"]
    w = pd.Series(spec.weights).reindex(totals.columns).fillna(0.0)
    weight_present = totals.notna().mul(w, axis=1).sum(axis=1)
    return totals.fillna(0).mul(w, axis=1).sum(axis=1) / weight_present.where(weight_present > 0)


#: the roll-up pays each employee's last base × the rolled-up coefficient
BASE = Payout(base="base")


def _graded(spec: Rollup, schemes: dict[str, Scheme], total: pd.Series, last: pd.DataFrame
            ) -> tuple[pd.Series, pd.Series, pd.Series, list[list[str]]]:
    """Grade, coefficient and payout per pool (the roll-up's grades, else each scheme's), and each pool's
    grade names."""
    grade = pd.Series(None, index=last.index, dtype=object)
    coefficient = pd.Series(np.nan, index=last.index)
    payout = pd.Series(np.nan, index=last.index)
    pools = [(spec.grades, last.index, Quota())] if spec.grades else [
        (scheme.grades, last.index[last["scheme"] == key], scheme.quota) for key, scheme in schemes.items()]
    for grades, index, quota in pools:
        index = index[total[index].notna().to_numpy()]  # only zero-weight periods: no total, so no grade
        if len(index):
            grade[index] = assign_grades(total[index], grades, None, quota, last.loc[index, "group"]).grade
            coefficient[index] = coefficient_of(grade[index], grades)
            payout[index] = pay(BASE, coefficient[index], last.loc[index], None, None).payout
    return grade, coefficient, payout, [[g.grade for g in grades] for grades, members, _ in pools if len(members)]
