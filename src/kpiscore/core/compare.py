"""Before and after: two rounds of one department compared ("改进周期结束后…重新评价，对比改进前后得分变化").

Per indicator and per group the mean achievement and score before and after; per person the totals and grades;
the improvement plan's rows followed up (closed at 80% or more, else open, overdue past the deadline); the
people in one round only; and, where the scheme changed between the rounds, the change in words. Pure
arithmetic over two Results; the readers bring the plan's rows, the writers show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from .analysis import EVERYONE, IMPROVE_BELOW, achievement
from .engine import Result
from .scheme import Indicator
from .values import fold, round_half_up

if TYPE_CHECKING:
    import pandas as pd
else:
    from .lazy import pd


#: what became of a planned improvement (`Comparison.improvements`' status), said as `status_<code>`
STATUSES = ("closed", "open", "overdue")


@dataclass(frozen=True)
class Change:
    """One change of the scheme between the rounds: what changed (added, removed, weight, target, rule), and
    the indicator before and after (None where it is not in that round)."""

    what: str
    before: Indicator | None
    after: Indicator | None


#: the columns of `Comparison.scores`
SCORE_COLUMNS = ["id", "indicator", "actual_before", "actual_after", "score_before", "score_after", "change"]


@dataclass(frozen=True)
class Comparison:
    """Everything `kpiscore compare` shows, table by table."""

    indicators: pd.DataFrame  # scope, dimension, indicator, before/after achievement and score, changes
    grades: pd.DataFrame  # scope, grade, before, after (counts)
    people: pd.DataFrame  # id, name, group, total and grade before and after, change; biggest gains first
    only_before: pd.DataFrame  # id, name, group, total
    only_after: pd.DataFrame
    improvements: pd.DataFrame  # scope, indicator, owner, deadline, before, after, status (STATUSES)
    #: what changed in the scheme between the rounds (`scheme_changes`), said by `words.compare`
    scheme_changes: list[Change]
    lang: str
    #: per person in both rounds and indicator (of either scheme): id, indicator, actual and score before and
    #: after, and the score's change
    scores: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SCORE_COLUMNS))


def compare(before: Result, after: Result, plan: pd.DataFrame | None = None, today: date | None = None
            ) -> Comparison:
    """Compare two rounds. `plan` holds the before round's improvement rows (scope, indicator, owner,
    deadline as dates) whose owner and deadline are filled; `today` decides what is overdue."""
    key = ["scope", "dimension", "indicator"]
    was, now = (achievement(r, by_group=True) for r in (before, after))
    both = was.merge(now, on=key, how="outer", suffixes=("_before", "_after"), sort=False)
    indicators = pd.DataFrame({
        **{k: both[k] for k in key},
        "before": both["achievement_before"], "after": both["achievement_after"],
        "change": both["achievement_after"] - both["achievement_before"],
        "score_before": _rounded(both["mean_score_before"], before.scheme.decimals),
        "score_after": _rounded(both["mean_score_after"], after.scheme.decimals)})
    indicators["score_change"] = _rounded(indicators["score_after"] - indicators["score_before"],
                                          after.scheme.decimals)
    people = _people(before, after)
    ids_before, ids_after = set(before.people["id"]), set(after.people["id"])
    return Comparison(indicators, _grades(before, after), people,
                      _alone(before, ids_before - ids_after), _alone(after, ids_after - ids_before),
                      _followed(plan, now, today or date.today()), scheme_changes(before, after), after.lang,
                      _scores(before, after, people["id"]))


def _scores(before: Result, after: Result, ids: pd.Series) -> pd.DataFrame:
    """Each person's indicators before and after (60% → 10.59, 72% → 12.71, +2.12), in the order of `ids`,
    the indicators of the before scheme first."""
    sides = []
    for r in (before, after):
        names = [i.name for i in r.scheme.indicators]
        frame = pd.concat({"actual": r.actuals[names], "score": r.scores[names]}, axis=1).set_axis(
            r.people["id"].to_numpy())
        sides.append(frame.reindex(ids.to_numpy()).stack(level=1, future_stack=True))
    both = pd.concat(sides, axis=1, keys=["before", "after"])
    names = list(dict.fromkeys([*(i.name for i in before.scheme.indicators),
                                *(i.name for i in after.scheme.indicators)]))
    both = both.reindex(pd.MultiIndex.from_product([ids.to_numpy(), names]))
    out = pd.DataFrame({"id": both.index.get_level_values(0), "indicator": both.index.get_level_values(1),
                        "actual_before": both[("before", "actual")].to_numpy(),
                        "actual_after": both[("after", "actual")].to_numpy(),
                        "score_before": both[("before", "score")].to_numpy(),
                        "score_after": both[("after", "score")].to_numpy()})
    out["change"] = _rounded(out["score_after"] - out["score_before"], after.scheme.decimals)
    return out


def _people(before: Result, after: Result) -> pd.DataFrame:
    """The people in both rounds: totals, change and grades, the biggest gains first, the biggest drops last."""
    cols = ["id", "name", "group"]
    sides = []
    for r in (before, after):
        table = r.people.reindex(columns=cols).assign(total=r.summary["total"], grade=r.summary["grade"])
        sides.append(table)
    both = sides[0].merge(sides[1], on="id", suffixes=("_before", "_after"))
    out = pd.DataFrame({"id": both["id"], "name": both["name_after"], "group": both["group_after"],
                        "total_before": both["total_before"], "total_after": both["total_after"],
                        "change": _rounded(both["total_after"] - both["total_before"], after.scheme.decimals),
                        "grade_before": both["grade_before"], "grade_after": both["grade_after"]})
    return out.sort_values("change", ascending=False, kind="stable").reset_index(drop=True)


def _alone(r: Result, ids: set[str]) -> pd.DataFrame:
    """Who is in one round only, with their total there."""
    rows = r.people["id"].isin(ids)
    return r.people.loc[rows].reindex(columns=["id", "name", "group"]).assign(
        total=r.summary.loc[rows, "total"]).reset_index(drop=True)


def _grades(before: Result, after: Result) -> pd.DataFrame:
    """Per group (and everyone) and grade: how many had it before and after."""
    rows = []
    grades = list(dict.fromkeys([g.grade for g in after.scheme.grades] + [g.grade for g in before.scheme.grades]))
    everyone = EVERYONE
    counts = []
    for r in (before, after):
        group = r.people["group"].fillna("—").astype(str) if "group" in r.people else None
        scopes = {everyone: r.summary["grade"]}
        if group is not None:
            scopes.update({str(g): r.summary["grade"][group == g] for g in sorted(group.unique())})
        counts.append({scope: grade.value_counts() for scope, grade in scopes.items()})
    for scope in dict.fromkeys([*counts[0], *counts[1]]):
        for g in grades:
            rows.append({"scope": scope, "grade": g, "before": int(counts[0].get(scope, pd.Series()).get(g, 0)),
                         "after": int(counts[1].get(scope, pd.Series()).get(g, 0))})
    return pd.DataFrame(rows, columns=["scope", "grade", "before", "after"])


def _followed(plan: pd.DataFrame | None, now: pd.DataFrame, today: date) -> pd.DataFrame:
    """Each planned improvement with the indicator's achievement now: closed at IMPROVE_BELOW or more, open
    below it, overdue when open past its deadline. A plan's scope 全部 is everyone's row (`EVERYONE`)."""
    columns = ["scope", "indicator", "owner", "deadline", "before", "after", "status"]
    if plan is None or not len(plan):
        return pd.DataFrame(columns=columns)
    latest = pd.Series(now["achievement"].to_numpy(), index=pd.MultiIndex.from_arrays(
        [now["scope"].astype(str).map(fold), now["indicator"].astype(str).map(fold)]))
    at = pd.MultiIndex.from_arrays([plan["scope"].astype(str).map(fold), plan["indicator"].astype(str).map(fold)])
    after = pd.Series(latest.reindex(at).to_numpy(dtype=float), index=plan.index)
    closed = after >= IMPROVE_BELOW
    late = pd.to_datetime(plan["deadline"], errors="coerce").dt.date < today
    status = pd.Series("open", index=plan.index).where(~late.fillna(False), "overdue").where(~closed, "closed")
    return pd.DataFrame({"scope": plan["scope"], "indicator": plan["indicator"], "owner": plan["owner"],
                         "deadline": plan["deadline"], "before": plan.get("before"), "after": after,
                         "status": status}, columns=columns)


def scheme_changes(before: Result, after: Result) -> list[Change]:
    """What changed in the scheme between the rounds: indicators added or removed, and weights, targets and
    rules changed, each as the indicator before and after (`words.compare` says them)."""
    old = {i.name: i for i in before.scheme.indicators}
    new = {i.name: i for i in after.scheme.indicators}
    out = [Change("added", None, new[n]) for n in new if n not in old]
    out += [Change("removed", old[n], None) for n in old if n not in new]
    for name in (n for n in new if n in old):
        a, b = old[name], new[name]
        if a.weight != b.weight:
            out.append(Change("weight", a, b))
        if a.target != b.target or a.target_column != b.target_column:
            out.append(Change("target", a, b))
        if a.rule != b.rule:  # a weight or target alone is said above, not again as the rule
            out.append(Change("rule", a, b))
    return out


def _rounded(values: pd.Series, decimals: int) -> pd.Series:
    """Rounded as Excel's ROUND rounds, half away from zero (pandas' `round` rounds half to even)."""
    return pd.Series(round_half_up(values, decimals), index=values.index)
