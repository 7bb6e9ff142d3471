"""What the Groups, Summary and Improvement sheets say, computed from a Result as plain DataFrames.

Kept apart from the workbook layout so that a notebook user gets the same tables, and tests check the
numbers without opening an xlsx.
"""

from __future__ import annotations

import pandas as pd

from .engine import Result
from .i18n import label

#: indicators whose achievement is below this share of their weight go to the improvement plan
IMPROVE_BELOW = 0.8


def grade_distribution(result: Result) -> pd.DataFrame:
    """Per grade, highest first: count and share of everyone scored."""
    counts = result.summary["grade"].value_counts()
    n = len(result.summary)
    grades = [g.grade for g in result.scheme.grades]
    count = [int(counts.get(g, 0)) for g in grades]
    return pd.DataFrame({"grade": grades, "count": count, "share": [c / n if n else 0.0 for c in count]})


def total_stats(result: Result) -> dict[str, float]:
    total = result.summary["total"]
    return {"mean": float(total.mean()), "median": float(total.median()), "min": float(total.min()),
            "max": float(total.max())}


def achievement(result: Result, by_group: bool = False) -> pd.DataFrame:
    """Mean of score ÷ weight per indicator over the employees it applies to, before skip rescaling.

    One row per indicator (and per group when asked): scope, dimension, indicator, weight, mean score, achievement.
    """
    ach = result.achievement()
    raw = result.raw
    scopes: list[tuple[str, pd.Index]] = [(label("all", result.lang), ach.index)]
    if by_group and "group" in result.people:
        groups = result.people["group"]
        scopes += [(str(g), groups.index[groups == g]) for g in sorted(groups.dropna().unique(), key=str)]
    rows = []
    for scope, index in scopes:
        for dim in result.scheme.dimensions:
            for ind in dim.indicators:
                rows.append({"scope": scope, "dimension": dim.name, "indicator": ind.name, "weight": ind.weight,
                             "mean_score": raw.loc[index, ind.name].mean(),
                             "achievement": ach.loc[index, ind.name].mean()})
    return pd.DataFrame(rows)


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
    people, summary = result.people, result.summary
    frame = pd.concat([result.dimensions, result.scores, summary[["total", "grade"]]], axis=1)
    everyone = label("all", result.lang)
    keys = people["group"].fillna("—") if "group" in people else pd.Series(everyone, index=people.index)
    grouped = frame.groupby(keys, sort=True)
    out = pd.DataFrame({"headcount": grouped.size(), "mean_total": grouped["total"].mean()})
    out["group_rank"] = out["mean_total"].rank(method="min", ascending=False).astype("Int64")
    means = grouped[[*result.dimensions.columns, *result.scores.columns]].mean()
    grades = [g.grade for g in result.scheme.grades]
    counts = pd.crosstab(keys, summary["grade"]).reindex(columns=grades, fill_value=0)
    out = pd.concat([out, means, counts], axis=1)
    if "group" in people:
        total_row = pd.DataFrame({"headcount": len(frame), "mean_total": frame["total"].mean(),
                                  "group_rank": pd.NA, **frame[means.columns].mean().to_dict(),
                                  **{g: int((summary["grade"] == g).sum()) for g in grades}}, index=[everyone])
        out = pd.concat([out, total_row]).astype({"group_rank": "Int64", "headcount": int})
    out.index.name = "group"
    return out.reset_index()
