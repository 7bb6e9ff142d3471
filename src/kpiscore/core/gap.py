"""The way to the next grade: how many points each employee below the top grade is short of the next one, and,
indicator by indicator, the actual that would make them up alone.

Worked by the rules themselves (`_Rule.needed` inverts each rule's own score), so the gap never disagrees
with the scoring: a ratio says `82% → 89.2%`, a mapping names the next label, a threshold its pass value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..text import pattern, words
from .grading import reached_grade
from .values import fill, fmt_plain, round_half_up, snap

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from .rules import Context
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
    effort: pd.DataFrame
    percent: dict[str, bool]

    def options(self, row: Any) -> list[dict[str, Any]]:
        """One employee's ways to the next grade, the smallest improvement first (for JSON)."""
        effort = self.effort.loc[row].dropna().sort_values(kind="stable")
        return [{"indicator": name, "from": _plain(self.actual.at[row, name]), "to": _plain(self.to.at[row, name])}
                for name in effort.index]

    def words(self, lang: str) -> pd.Series:
        """`距"优秀"差 1.8 分：问题一次性解决率 82% → 89.2%（或上门服务到达及时率 75% → 85.2%）`; "" where there is
        no next grade to reach."""
        index = self.grade.index
        has = self.grade.notna()
        head = fill(pattern("gap_head", lang), grade=self.grade.fillna("").astype(str),
                    points=fmt_plain(self.points))
        effort = self.effort.to_numpy(dtype=float)
        ranked = np.argsort(np.where(np.isnan(effort), np.inf, effort), axis=1, kind="stable")
        found = (~np.isnan(effort)).sum(axis=1)
        said = [self._said(ranked[:, k], lang) for k in range(min(2, effort.shape[1]))]
        text = pd.Series(words("gap_none", lang), index=index)
        if said:
            best = said[0]
            text = text.where(found < 1, best)
            if len(said) > 1:
                text = text.where(found < 2, best + fill(pattern("gap_or", lang), option=said[1]))
        return (head + text).where(has, "")

    def _said(self, which: np.ndarray, lang: str) -> pd.Series:
        """`问题一次性解决率 82% → 89.2%` for the indicator `which` names in each row."""
        names = np.array(self.to.columns, dtype=object)[which]
        rows = np.arange(len(which))
        a, to = self.actual.to_numpy(dtype=object)[rows, which], self.to.to_numpy(dtype=object)[rows, which]
        pct = np.array([self.percent[n] for n in self.to.columns])[which]
        shown = [_shown(pd.Series(v, index=self.grade.index), pct) for v in (a, to)]
        return pd.Series(names, index=self.grade.index) + " " + shown[0] + " → " + shown[1]


def _plain(value: Any) -> Any:
    """A number as JSON writes it (a label stays text)."""
    return float(value) if isinstance(value, int | float | np.floating) and not pd.isna(value) else value


def _shown(values: pd.Series, percent: np.ndarray) -> pd.Series:
    """Actuals as typed: 89.2% for a percent indicator, a label as it is."""
    numbers = pd.to_numeric(values, errors="coerce")
    as_pct = fmt_plain(numbers, True)
    plain = fmt_plain(numbers)
    text = as_pct.where(percent, plain)
    return text.where(numbers.notna(), values.astype(str))


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
    for ind in s.indicators:
        a, score, raw = (frames[k][ind.name] for k in ("actuals", "scores", "raw"))
        ctx = contexts[ind.name]
        want = (raw + points / factor).to_numpy(dtype=float)  # 20.5 + 1.8 → 22.3 before rounding
        need = ind.rule.needed(a, want, ctx).where(score.notna() & points.notna())
        kind = "percent" if ind.percent else "count" if ind.rule.value_kind == "count" else "number"
        actual[ind.name], percent[ind.name] = a, ind.percent
        if ind.rule.labels() is not None:  # the next label: as far as a whole step of the scale
            to[ind.name], effort[ind.name] = need, pd.Series(np.where(need.notna(), 1.0, np.nan), index=index)
            continue
        to[ind.name] = need = _rounded(need, STEPS[kind], ind.rule.better_higher(ctx))
        target = np.asarray(ctx.target if ctx.target is not None else np.nan, dtype=float)
        effort[ind.name] = _effort(a, need, target)
    frame = pd.DataFrame
    return Gap(nxt, points, frame(actual, index=index), frame(to, index=index), frame(effort, index=index), percent)


def _rounded(need: pd.Series, step: float, higher: bool) -> pd.Series:
    """A needed actual said to its step, toward enough: 89.18…% → 89.19% for a rate, 2.4 → 2 complaints."""
    scaled = snap(need.to_numpy(dtype=float) / step)  # a search's last 1e-12 is no step of its own
    said = np.ceil(scaled - 1e-6) if higher else np.floor(scaled + 1e-6)
    return pd.Series(said * step, index=need.index).round(10)


def _effort(a: pd.Series, need: pd.Series, target: np.ndarray) -> pd.Series:
    """How far an indicator's actual must move, relative to its target (to the actual where there is none).
    Blank where it cannot close the gap."""
    scale = np.where(np.isfinite(target) & (target != 0), np.abs(target), np.maximum(np.abs(a.to_numpy(float)), 1))
    return (need - a).abs() / scale
