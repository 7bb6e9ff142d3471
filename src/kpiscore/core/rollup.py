"""The roll-up over periods: one row per employee with each period's total and grade, the rolled-up total,
grade, coefficient, payout and ranks. Pure arithmetic over results; batch feeds it, the workbook writes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..text import label, words
from . import calibration
from .engine import Result
from .grading import assign_grades, coefficient_of, ranks
from .payout import Payout, pay
from .plan import Plan
from .scheme import Quota, Scheme
from .values import round_half_up

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    from .lazy import np, pd


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


def rollup(plan: Plan, schemes: dict[str, Scheme], lang: str, outcomes: list[tuple[str, dict[str, Result]]]
           ) -> RollupResult:
    """Roll the periods' totals (after veto) up per employee: mean over the periods present, weights
    renormalised over them, or the last present; then grades, forced distribution, payout and ranks.
    `outcomes` are each period's results by scheme key, in the plan's order."""
    periods = [period for period, _ in outcomes]
    long = _long(outcomes)
    totals = long.pivot(index="id", columns="period", values="total").reindex(columns=periods)
    grades_wide = long.pivot(index="id", columns="period", values="grade").reindex(columns=periods)
    last = long.sort_values("order").groupby("id").last()
    decimals = next(iter(schemes.values())).decimals
    total = pd.Series(round_half_up(_rolled(plan, totals, last).reindex(last.index), decimals), index=last.index)
    grade, coefficient, payout, names = _graded(plan, schemes, total, last)
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
    adjusted = long[long["adjusted"] != ""].groupby("id", sort=False)["adjusted"].agg(
        words("list_sep", lang).join)
    if len(adjusted):  # each period's calibrations, carried to the year
        table["adjusted"] = adjusted.reindex(table.index, fill_value="")
    table["present"] = totals.notna().sum(axis=1).astype(int)
    table["absent"] = ~totals.notna().all(axis=1)
    first_seen = long.groupby("id")["order"].min()
    table = table.loc[first_seen.sort_values(kind="stable").index].reset_index(drop=True)
    group_columns = {s.columns.group for s in schemes.values()}
    heading = group_columns.pop() if len(group_columns) == 1 and None not in group_columns else label("team",
                                                                                                      lang)
    return RollupResult(table, periods, names, lang, decimals, plan, totals.mean(axis=0), str(heading))


def _long(outcomes: list[tuple[str, dict[str, Result]]]) -> pd.DataFrame:
    """One row per employee and period: who, the period's total (after veto) and grade, and where from."""
    columns: dict[str, list[Any]] = {k: [] for k in ("id", "name", "group", "base", "total", "grade", "role",
                                                        "scheme", "period", "order", "adjusted")}
    for order, (period, results) in enumerate(outcomes):
        for key, result in results.items():
            people, summary, n = result.people, result.summary, len(result.people)
            columns["id"] += people["id"].tolist()
            columns["name"] += people["name"].tolist()
            columns["group"] += people["group"].tolist() if "group" in people else [None] * n
            columns["base"] += people["base"].tolist() if "base" in people else [np.nan] * n
            columns["total"] += summary["total"].tolist()
            columns["grade"] += summary["grade"].tolist()
            columns["role"] += people["role"].tolist() if "role" in people else [None] * n
            columns["scheme"] += [key] * n
            columns["period"] += [period] * n
            columns["order"] += [order] * n
            decided = calibration.said(result.calibration, result.lang, result.scheme.decimals)
            said = decided.groupby(level=0, sort=False).agg(words("list_sep", result.lang).join)
            columns["adjusted"] += (f"{period} " + said.reindex(people.index).dropna()).reindex(people.index,
                                                                                               fill_value="").tolist()
    return pd.DataFrame(columns).astype({"base": float, "total": float})


def _rolled(plan: Plan, totals: pd.DataFrame, last: pd.DataFrame) -> pd.Series:
    """The rolled-up total before rounding: mean, renormalised weights or the last period present."""
    spec = plan.rollup
    if spec.method == "mean":
        return totals.mean(axis=1)
    if spec.method == "last":
        return last["total"]
    w = pd.Series(spec.weights).reindex(totals.columns).fillna(0.0)
    weight_present = totals.notna().mul(w, axis=1).sum(axis=1)
    return totals.fillna(0).mul(w, axis=1).sum(axis=1) / weight_present.where(weight_present > 0)


#: the roll-up pays each employee's last base × the rolled-up coefficient
BASE = Payout(base="base")


def _graded(plan: Plan, schemes: dict[str, Scheme], total: pd.Series, last: pd.DataFrame
            ) -> tuple[pd.Series, pd.Series, pd.Series, list[list[str]]]:
    """Grade, coefficient and payout per pool (the roll-up's grades, else each scheme's), and each pool's
    grade names."""
    grade = pd.Series(None, index=last.index, dtype=object)
    coefficient = pd.Series(np.nan, index=last.index)
    payout = pd.Series(np.nan, index=last.index)
    pools = [(plan.rollup.grades, last.index, Quota())] if plan.rollup.grades else [
        (scheme.grades, last.index[last["scheme"] == key], scheme.quota) for key, scheme in schemes.items()]
    for grades, index, quota in pools:
        if len(index):
            grade[index] = assign_grades(total[index], grades, None, quota, last.loc[index, "group"]).grade
            coefficient[index] = coefficient_of(grade[index], grades)
            payout[index] = pay(BASE, coefficient[index], last.loc[index], None, None, "").payout
    return grade, coefficient, payout, [[g.grade for g in grades] for grades, index, _ in pools if len(index)]
