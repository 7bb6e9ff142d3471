"""Grades, forced distribution, coefficients, payout and ranks: shared by one period's scoring and the roll-up
of several periods, so both grade by the same arithmetic."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import Finding
from .scheme import Grade, Quota
from .values import Quantity, round_half_up, snap

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    from .lazy import np, pd


@dataclass(frozen=True)
class Graded:
    """Grades after the quotas; each grade change a quota made (`moves`, one row per change, in the order
    made: row, from, to, kind max|min, the quota, n, share, rounding, scope and the person's place); and the
    quotas that were not applied or not met (`notices`)."""

    grade: pd.Series
    moves: pd.DataFrame
    notices: list[Finding] = field(default_factory=list)


MOVE_COLUMNS = ["row", "from", "to", "kind", "quota", "n", "share", "rounding", "scope", "place", "held"]


def no_moves() -> pd.DataFrame:
    """The moves of a run in which no quota moved anyone."""
    return pd.DataFrame(columns=MOVE_COLUMNS)


def has_quotas(grades: list[Grade]) -> bool:
    """Whether any grade has a share, so that a quota may move someone."""
    return any(g.max_share or g.min_share for g in grades)


def assign_grades(total: pd.Series, grades: list[Grade], forced: pd.Series | None = None,
                  quota: Quota | None = None, scope: pd.Series | None = None) -> Graded:
    """The first grade whose `min` the total reaches (None below every min), a `forced` grade where one is
    given (a veto's or a calibration's: it never moves), then the quotas of the grades' shares, counted in
    each `scope` (a group per row) when `quota.scope` is group."""
    grade = reached_grade(total, grades, forced)
    fixed = forced.notna() if forced is not None else pd.Series(False, index=total.index)
    return forced_distribution(total, grade, grades, fixed, quota or Quota(), scope)


def reached_grade(total: pd.Series, grades: list[Grade], forced: pd.Series | None = None) -> pd.Series:
    """The grade each total reaches before any quota, or the `forced` one where one is given."""
    reached = [~(total.to_numpy() < g.min) for g in grades]  # the first grade reached wins; None below all
    first = np.select(reached, list(range(len(grades))), len(grades)) if grades else len(grades)
    grade = pd.Series(np.array([g.grade for g in grades] + [None], dtype=object)[first], index=total.index)
    return grade if forced is None else grade.where(forced.isna(), forced)


def forced_distribution(total: pd.Series, grade: pd.Series, grades: list[Grade], fixed: pd.Series, quota: Quota,
                        scope: pd.Series | None = None) -> Graded:
    """Each scope's quotas: first every `min_share` from the bottom grade up (the lowest totals above a grade
    move down into it until enough are at it or below), then every `max_share` from the top down (beyond the
    quota the lowest totals drop a grade; those who dropped count toward the next grade's quota). Everyone
    tied at a cut moves together; `fixed` rows never move but count in n. A move down never lowers how many
    are at or below a grade, so the max quotas cannot undo a min quota, and no grade ends above its max
    unless its fixed rows alone are."""
    grade = grade.copy()
    moves: list[pd.DataFrame] = []
    notices: list[Finding] = []
    if not has_quotas(grades):
        return Graded(grade, no_moves())
    for name, index in _scopes(total.index, scope if quota.scope == "group" else None):
        if len(index) < quota.min_size:
            notices.append(Finding("quota_small_scope", {"scope": _said(name), "n": len(index),
                                                         "min_size": quota.min_size}))
            continue
        step = _Scope(total[index], grade, grades, fixed[index], quota, name, moves, notices)
        for i in range(len(grades) - 1, 0, -1):
            step.at_least(i)
        for i in range(len(grades) - 1):
            step.at_most(i)
    return Graded(grade, pd.concat(moves, ignore_index=True) if moves else no_moves(), notices)


def _scopes(index: pd.Index, scope: pd.Series | None) -> list[tuple[str | None, pd.Index]]:
    """Where quotas are counted: everyone, or each group (people without a group together)."""
    if scope is None:
        return [(None, index)]
    keys = scope.astype(object).where(scope.notna(), "")
    return [(str(key), index[at]) for key, at in keys.groupby(keys.to_numpy(), sort=False).indices.items()]


def _said(scope: str | None) -> str:
    """A scope as a notice names it: nothing for everyone, `[售后一组] ` for a group."""
    return "" if scope is None else f"[{scope or '—'}] "


def quota_count(n: int, share: float, rounding: str) -> int:
    """How many places a share of n gives: floor(2 × 20%) = 0, ceil(2 × 20%) = 1, on the decimal value."""
    exact = float(snap(np.array([n * share]))[0])
    if rounding == "round":
        return int(round_half_up(np.array([exact]), 0)[0])
    return int(math.ceil(exact) if rounding == "ceil" else math.floor(exact))


@dataclass
class _Scope:
    """One scope's quotas, working on the shared `grade` and adding to the shared `moves` and `notices`."""

    total: pd.Series
    grade: pd.Series
    grades: list[Grade]
    fixed: pd.Series
    quota: Quota
    name: str | None
    moves: list[pd.DataFrame]
    notices: list[Finding]

    def at_most(self, i: int) -> None:
        g = self.grades[i]
        if g.max_share is None:
            return
        places = quota_count(len(self.total), g.max_share.value, self.quota.rounding)
        at_grade = self.grade[self.total.index] == g.grade
        held = int((at_grade & self.fixed).sum())  # a fixed grade (a veto's, a calibration's) takes its place
        members = at_grade & ~self.fixed
        if members.sum() <= places - held:
            return
        ranked = self.total[members].sort_values(ascending=False)
        drop = members & (self.total <= ranked.iloc[max(places - held, 0)])
        places_of = self.total[members].rank(method="min", ascending=False) + held
        self._move(drop, places_of, i + 1, "max", places, g.max_share, held)

    def at_least(self, i: int) -> None:
        g = self.grades[i]
        if g.min_share is None:
            return
        need = quota_count(len(self.total), g.min_share.value, self.quota.rounding)
        now = self.grade[self.total.index]
        at_or_below = now.isin([x.grade for x in self.grades[i:]]) | now.isna()
        count = int(at_or_below.sum())
        above = ~at_or_below & ~self.fixed
        if count < need and self.quota.min_mode == "enforce" and above.any():
            ranked = self.total[above].sort_values()
            cut = ranked.iloc[min(need - count, len(ranked)) - 1]
            moved = above & (self.total <= cut)
            self._move(moved, self.total[above].rank(method="min"), i, "min", need, g.min_share)
            count += int(moved.sum())
        if count < need:
            self.notices.append(Finding("quota_min_short", {"scope": _said(self.name), "grade": g.grade,
                                                            "count": count, "need": need}))

    def _move(self, who: pd.Series, place: pd.Series, to: int, kind: str, places: int, share: Quantity,
              held: int = 0) -> None:
        rows = who.index[who.to_numpy()]
        self.moves.append(pd.DataFrame({
            "row": rows, "from": self.grade[rows].to_numpy(), "to": self.grades[to].grade, "kind": kind,
            "quota": places, "n": len(self.total), "share": share.text, "rounding": self.quota.rounding,
            "scope": self.name, "place": place[rows].to_numpy(dtype=int), "held": held}, columns=MOVE_COLUMNS))
        self.grade[rows] = self.grades[to].grade


def coefficient_of(grade: pd.Series, grades: list[Grade]) -> pd.Series:
    """Each grade's 绩效系数 (blank for no grade, or a grade without one)."""
    return grade.map({g.grade: g.coefficient for g in grades}).astype(float)


def ranks(total: pd.Series, group: pd.Series | None) -> tuple[pd.Series, pd.Series]:
    """Competition ranks ("1, 2, 2, 4") by total, highest first: overall, and within each group."""
    rank = total.rank(method="min", ascending=False).astype("Int64")
    if group is None:
        return rank, pd.Series(pd.NA, index=total.index, dtype="Int64")
    return rank, total.groupby(group, dropna=True).rank(method="min", ascending=False).astype("Int64")
