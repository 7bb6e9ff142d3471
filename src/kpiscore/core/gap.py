"""The way to the next grade: how many points each employee below the top grade is short of the next one, and,
indicator by indicator, the actual that would make them up alone.

Worked by the rules themselves (`_Rule.needed` inverts each rule's own score), so the gap never disagrees
with the scoring: a ratio says `82% → 89.2%`, a mapping names the next label, a threshold its pass value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .grading import reached_grade
from .values import columns_frame, round_half_up, snap

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from .rulebase import Context
    from .scheme import Scheme
else:
    from .lazy import np, pd

#: how finely a needed actual is said, rounded toward enough: 0.01% of a rate, a whole count, 0.01 else
STEPS = {"percent": 1e-4, "count": 1.0, "number": 1e-2}


@dataclass(frozen=True)
class Gap:
    """Per employee (indexed like the result): the next grade (None at the top, after a veto or a calibrated
    grade, or where a quota, not the total, holds them back) and the points short of its minimum; per
    indicator, the actual needed (`to`, blank where that indicator alone cannot close the gap) and how far
    that is relative to the target (`effort`, the smallest first)."""

    grade: pd.Series
    points: pd.Series
    actual: pd.DataFrame
    to: pd.DataFrame
    effort: np.ndarray  # rows × indicators, in the scheme's order
    percent: dict[str, bool]
    #: the indicators whose actuals are labels (a mapping's)
    labels: list[str]
    #: the indicators whose actual is a tally, by the label its name takes (出勤扣分 52 → 6: `Rule.actual_suffix`)
    tallies: dict[str, str] = field(default_factory=dict)

    def options(self, row: Any) -> list[dict[str, Any]]:
        """One employee's ways to the next grade, the smallest improvement first (for JSON)."""
        effort = pd.Series(self.effort[self.grade.index.get_loc(row)], index=self.to.columns)
        return [{"indicator": name, "from": _plain(self.actual.at[row, name]), "to": _plain(self.to.at[row, name])}
                for name in effort.dropna().sort_values(kind="stable").index]


def _plain(value: Any) -> Any:
    """A number as JSON writes it (a label stays text)."""
    return float(value) if isinstance(value, int | float | np.floating) and not pd.isna(value) else value


def gap(scheme: Scheme, summary: pd.DataFrame, frames: dict[str, pd.DataFrame], factor: pd.Series,
        contexts: dict[str, Context]) -> Gap:
    """Each employee's way to the next grade above theirs, from a result's `summary`, its `frames` (actuals,
    raw and rounded scores by indicator name), skip `factor` and each indicator's context."""
    s = scheme
    index = summary.index
    names = [g.grade for g in s.grades]
    where = summary["grade"].map({g: i for i, g in enumerate(names)})
    where = where.where(summary["grade"].notna(), len(names))  # below every grade: the lowest is next
    up = where - 1
    fixed = summary["veto"] | summary.get("adjusted", pd.Series(False, index=index))
    points = pd.Series(np.nan, index=index)
    nxt = pd.Series(None, index=index, dtype=object)
    held = reached_grade(summary["total"], s.grades) != summary["grade"]  # a quota holds them, not the total
    open_ = (up >= 0) & ~fixed & ~held
    mins = np.array([g.min for g in s.grades] + [np.nan])
    grades = np.array([*names, None], dtype=object)
    at = up.where(open_, len(names)).astype(int).to_numpy()
    short = round_half_up(mins[at] - summary["total"].to_numpy(dtype=float), s.decimals)
    points[:] = np.where(open_, short, np.nan)
    nxt[:] = np.where(open_, grades[at], None)
    actual: dict[str, pd.Series] = {}
    to: dict[str, pd.Series] = {}
    effort: dict[str, pd.Series] = {}
    percent: dict[str, bool] = {}
    labels: list[str] = []
    lift: dict[str, pd.Series] = {}  # below a dimension's floor, what its indicators must first make up
    for dim in (d for d in s.dimensions if d.floor is not None):
        below = dim.lift(dim.subtotal(frames["scores"], s.decimals))
        lift.update(dict.fromkeys((i.name for i in dim.indicators), below))
    for ind in s.indicators:
        a, score, raw = (frames[k][ind.name] for k in ("actuals", "scores", "raw"))
        ctx = contexts[ind.name]
        # 20.5 + 1.8 → 22.3 before rounding; below a dimension's floor, first up to it (最高扣至该维度0分)
        want = (raw + (points + lift.get(ind.name, 0.0)) / factor).to_numpy(dtype=float)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # a tiny step: beyond reach
            need = ind.rule.needed(a, want, ctx).where(score.notna() & points.notna())
        kind = "percent" if ind.percent else ind.rule.gap_kind()
        actual[ind.name], percent[ind.name] = a, ind.percent
        if kind == "label":  # the next label: as far as a whole step of the scale
            to[ind.name], effort[ind.name] = need, pd.Series(np.where(need.notna(), 1.0, np.nan), index=index)
            labels.append(ind.name)
            continue
        need = need.where(np.isfinite(need.to_numpy(dtype=float)))  # an actual no cell can hold is no way
        to[ind.name] = need = _rounded(need, STEPS[kind], ind.rule.better_higher(ctx))
        target = np.asarray(ctx.target if ctx.target is not None else np.nan, dtype=float)
        effort[ind.name] = _effort(a, need, target)
    columns = list(to)
    steps = np.column_stack([e.to_numpy(dtype=float) for e in effort.values()]) if effort else np.empty((len(index), 0))
    tallies = {i.name: suffix for i in s.indicators if i.actual is None and (suffix := i.rule.actual_suffix())}
    return Gap(nxt, points, columns_frame(list(actual.values()), columns, index),
               columns_frame(list(to.values()), columns, index), steps, percent, labels, tallies)


def _rounded(need: pd.Series, step: float, higher: bool) -> pd.Series:
    """A needed actual said to its step, toward enough: 89.18…% → 89.19% for a rate, 2.4 → 2 complaints."""
    scaled = snap(need.to_numpy(dtype=float) / step)  # float noise (0.892 ÷ 0.0001) is no step of its own:
    # a millionth of a step is taken as none, while an open band end's 1e-9 (a hundred thousandth) is one
    said = np.ceil(scaled - 1e-6) if higher else np.floor(scaled + 1e-6)
    return pd.Series(said * step, index=need.index).round(10)


def _effort(a: pd.Series, need: pd.Series, target: np.ndarray) -> pd.Series:
    """How far an indicator's actual must move, relative to its target (to the actual where there is none).
    Blank where it cannot close the gap."""
    scale = np.where(np.isfinite(target) & (target != 0), np.abs(target), np.maximum(np.abs(a.to_numpy(float)), 1))
    return (need - a).abs() / scale
