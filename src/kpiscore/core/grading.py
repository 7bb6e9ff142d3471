"""Grades, forced distribution, coefficients, payout and ranks: shared by one period's scoring and the roll-up
of several periods, so both grade by the same arithmetic."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .scheme import Grade
from .values import round_half_up, snap

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    from .lazy import np, pd


def assign_grades(total: pd.Series, grades: list[Grade], forced: pd.Series | None = None) -> pd.Series:
    """The first grade whose `min` the total reaches (None below every min), a `forced` grade where one is
    given (a veto's), then the forced distribution of the grades' `max_share`."""
    reached = [~(total.to_numpy() < g.min) for g in grades]  # the first grade reached wins; None below all
    first = np.select(reached, list(range(len(grades))), len(grades)) if grades else len(grades)
    grade = pd.Series(np.array([g.grade for g in grades] + [None], dtype=object)[first], index=total.index)
    fixed = pd.Series(False, index=total.index)
    if forced is not None:
        fixed = forced.notna()
        grade = grade.where(~fixed, forced)
    return forced_distribution(total, grade, grades, fixed)


def forced_distribution(total: pd.Series, grade: pd.Series, grades: list[Grade], fixed: pd.Series) -> pd.Series:
    """Apply each grade's `max_share`, top grade first: beyond floor(n × share), the lowest totals drop a
    grade, and everyone tied at the cut drops with them. `fixed` rows (a veto's forced grade) never move;
    n counts everyone, fixed rows included."""
    grade = grade.copy()
    n = len(total)
    names = [g.grade for g in grades]
    for i, g in enumerate(grades[:-1]):
        if g.max_share is None:
            continue
        quota = math.floor(float(snap(np.array([n * g.max_share.value]))[0]))
        members = (grade == g.grade) & ~fixed
        if members.sum() <= quota:
            continue
        ranked = total[members].sort_values(ascending=False)
        cut = ranked.iloc[quota]
        drop = members & (total <= cut)
        grade[drop] = names[i + 1]
    return grade


def coefficients(grade: pd.Series, grades: list[Grade], base: pd.Series | None) -> tuple[pd.Series, pd.Series]:
    """Each grade's 绩效系数, and the payout base × coefficient to 2 places where there is a base."""
    coefficient = grade.map({g.grade: g.coefficient for g in grades}).astype(float)
    if base is None:
        return coefficient, pd.Series(np.nan, index=grade.index)
    return coefficient, pd.Series(round_half_up(base * coefficient, 2), index=grade.index)


def ranks(total: pd.Series, group: pd.Series | None) -> tuple[pd.Series, pd.Series]:
    """Competition ranks ("1, 2, 2, 4") by total, highest first: overall, and within each group."""
    rank = total.rank(method="min", ascending=False).astype("Int64")
    if group is None:
        return rank, pd.Series(pd.NA, index=total.index, dtype="Int64")
    return rank, total.groupby(group, dropna=True).rank(method="min", ascending=False).astype("Int64")
