"""What the Groups, Summary and Improvement sheets say, computed from a Result as plain DataFrames.

Kept apart from the workbook layout so that a notebook user gets the same tables, and tests check the
numbers without opening an xlsx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .engine import Result
from .grading import has_quotas

if TYPE_CHECKING:
    import pandas as pd
else:
    from .lazy import pd

#: indicators whose achievement is below this share of their weight go to the improvement plan
IMPROVE_BELOW = 0.8


def grade_distribution(result: Result) -> pd.DataFrame:
    """Per grade, highest first: count and share of everyone scored."""
    counts = result.summary["grade"].value_counts()
    n = len(result.summary)
    grades = [g.grade for g in result.scheme.grades]
    count = [int(counts.get(g, 0)) for g in grades]
    table = pd.DataFrame({"grade": grades, "count": count, "share": [c / n if n else 0.0 for c in count]})
    if has_quotas(result.scheme.grades):  # the quota beside what came of it: ≤ 20%, ≥ 10%
        table["target"] = [" ".join(f"{sign} {q.text}" for sign, q in (("≤", g.max_share), ("≥", g.min_share)) if q)
                           or "—" for g in result.scheme.grades]
    return table


def total_stats(result: Result) -> dict[str, float]:
    total = result.summary["total"]
    return {"mean": float(total.mean()), "median": float(total.median()), "min": float(total.min()),
            "max": float(total.max())}


def achievement(result: Result, by_group: bool = False) -> pd.DataFrame:
    """Mean of score ÷ weight per indicator over the employees it applies to, before skip rescaling, and the
    mean of the scores as shown (rounded, rescaled): the one mean of a score wherever a mean is shown (the
    Groups sheet's is the same).

    One row per indicator (and per group when asked): scope, dimension, indicator, weight, mean score, achievement.
    """
    ach, raw = _one_block(result.achievement()), _one_block(result.scores)
    means = [(EVERYONE, raw.mean(), ach.mean())]
    if by_group and "group" in result.people:
        groups = result.people["group"]
        by_raw, by_ach = raw.groupby(groups).mean(), ach.groupby(groups).mean()
        means += [(str(g), by_raw.loc[g], by_ach.loc[g]) for g in sorted(by_raw.index, key=str)]
    items = [(dim.name, ind) for dim in result.scheme.dimensions for ind in dim.indicators]
    return pd.DataFrame([{"scope": scope, "dimension": dim, "indicator": ind.name, "weight": ind.weight,
                          "mean_score": mean_raw[ind.name], "achievement": mean_ach[ind.name]}
                         for scope, mean_raw, mean_ach in means for dim, ind in items],
                        columns=["scope", "dimension", "indicator", "weight", "mean_score", "achievement"])


def _one_block(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame's numbers as one block of floats. pandas adds a block's columns otherwise than a lone column
    (with compensation, or pairwise), so a mean would depend on how the engine happens to hold the columns
    (`engine.columns_frame`); held as one block, every mean is the one pandas computes most exactly."""
    return pd.DataFrame(frame.to_numpy(dtype=float), index=frame.index, columns=frame.columns)


def weakest(result: Result, n: int = 3) -> pd.DataFrame:
    """The n indicators with the lowest achievement over everyone."""
    table = achievement(result).dropna(subset=["achievement"])
    return table.sort_values("achievement", kind="stable").head(n).reset_index(drop=True)


def improvement(result: Result) -> pd.DataFrame:
    """Indicators below IMPROVE_BELOW achievement, org-wide and per group (售后服务质量改进计划表)."""
    table = achievement(result, by_group=True)
    return table[table["achievement"] < IMPROVE_BELOW].reset_index(drop=True)


def group_table(result: Result) -> pd.DataFrame:
    """Per group (and everyone, last): headcount, mean total and group rank, mean per dimension and
    indicator, and the count of each grade."""
    people = result.people
    everyone = pd.Series(EVERYONE, index=people.index)
    if "group" not in people:
        out = _aggregate(result, everyone)
        out.insert(2, "group_rank", pd.array([1], dtype="Int64"))
        return out.rename_axis("group").reset_index()
    groups = _aggregate(result, people["group"].fillna("—"))
    groups.insert(2, "group_rank", groups["mean_total"].rank(method="min", ascending=False).astype("Int64"))
    total = _aggregate(result, everyone)
    total.insert(2, "group_rank", pd.array([pd.NA], dtype="Int64"))
    return pd.concat([groups, total]).rename_axis("group").reset_index()


#: the scope of a row over everyone (beside each group's): a key, said as "全部" / "All" where it is shown
EVERYONE = "\x00all"

#: the group table's key of a grade's count (`GRADE + grade`): a grade may be named like a dimension
GRADE = "\x00grade "


def _aggregate(result: Result, keys: pd.Series) -> pd.DataFrame:
    """Headcount, mean total, mean per dimension and indicator, and grade counts per key."""
    total = "\x00total"  # a dimension may be called "total"
    frame = _one_block(pd.concat([result.dimensions, result.scores, result.summary["total"].rename(total)], axis=1))
    grouped = frame.groupby(keys, sort=True)
    out = pd.DataFrame({"headcount": grouped.size(), "mean_total": grouped[total].mean()})
    means = grouped[[*result.dimensions.columns, *result.scores.columns]].mean()
    grades = [g.grade for g in result.scheme.grades]
    counts = pd.crosstab(keys, result.summary["grade"]).reindex(columns=grades, fill_value=0)
    return pd.concat([out, means, counts.add_prefix(GRADE)], axis=1)
