"""Scheme traps that pass validation: warnings, never errors, each at its YAML line with the likely fix.

A scheme can be valid and still score everyone wrongly: `target: 90` without `%` over actuals typed as
88% makes 15 × 0.88 ÷ 90 = 0.15. `lint_scheme` looks at the scheme alone; `lint_result` checks it against
the data of a run, where the data is there.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from ..errors import Finding
from .quantities import Interval
from .rules import Bands, Deduct
from .scheme import Indicator, Scheme
from .values import PERCENT_MAX, one, round_half_up

if TYPE_CHECKING:
    from .engine import Result

#: a name that says its actuals are rates or shares, so a bare target of 90 is most likely 90%
_RATE_NAME = re.compile(r"率|比例|占比|比率|满意度|%|rate|ratio|percent|share", re.I)
#: fewer people than this make "everyone is equal" a coincidence rather than a sign
MIN_PEOPLE = 3


def _at(scheme: Scheme, item: Indicator, code: str, params: Mapping[str, object], loc: tuple[str | int, ...]
        ) -> Finding:
    """A warning about an indicator, placed at its YAML line and named by the indicator (客服响应及时率 ›
    target), not by a path into the document (dimensions[0].indicators[0].target)."""
    found = scheme.finding(code, dict(params), loc)
    rest = ".".join(str(k) for k in loc[4:])
    return replace(found, field=f"{item.name} › {rest}" if rest else item.name)


def lint_scheme(scheme: Scheme) -> list[Finding]:
    """Warnings about the scheme on its own."""
    found = []
    for loc, item in scheme.locations():
        if not isinstance(item, Indicator):
            continue
        top = item.rule.max_points(item.weight)
        if top < item.weight - 1e-9:  # the best band of every indicator of a real table totalled 46.75
            params = {"points": one(top), "weight": one(item.weight)}
            found.append(_at(scheme, item, "lint_below_weight", params, (*loc, "rule")))
        target = item.target
        if _bare_target(item) and _RATE_NAME.search(item.name) and target is not None:
            example = f"{one(item.weight)} × 0.88 ÷ {target.text} = {_score(item.weight * 0.88 / target.value)}"
            params = {"target": target.text, "example": example}
            found.append(_at(scheme, item, "lint_target_bare", params, (*loc, "target")))
        rule = item.rule
        if isinstance(rule, Deduct) and item.percent and rule.per is not None and not rule.per.percent \
                and rule.per.value >= 0.1:
            found.append(_at(scheme, item, "lint_per_whole", {"per": rule.per.text,
                                                              "points": one(rule.per.value * 100)},
                             (*loc, "rule", "per")))
        if isinstance(rule, Bands):
            for gap, after in band_gaps(rule):
                params = {"gap": _gap_text(gap, item.percent), "otherwise": one(rule.otherwise)}
                found.append(_at(scheme, item, "lint_band_gap", params, (*loc, "rule", "bands", after)))
    return found


def lint_result(result: Result) -> list[Finding]:
    """Warnings that need the data: a bare target over fractions, actuals in a band gap, an indicator on
    which everyone is equal or everyone has full marks."""
    scheme = result.scheme
    found = []
    for loc, item in scheme.locations():
        if not isinstance(item, Indicator):
            continue
        actual = result.actuals[item.name]
        present = actual.dropna()
        if not len(present):
            continue
        rule = item.rule
        if _bare_target(item) and item.target is not None and rule.value_kind == "number" \
                and bool(((present >= 0) & (present <= PERCENT_MAX)).all()):
            sample = float(present.iloc[0])
            example = (f"{one(item.weight)} × {one(sample)} ÷ {item.target.text} = "
                       f"{_score(item.weight * sample / item.target.value)}")
            params = {"target": item.target.text, "example": example}
            found.append(_at(scheme, item, "lint_target_fraction", params, (*loc, "target")))
        if isinstance(rule, Bands):
            for gap, after in band_gaps(rule):
                inside = int(gap.contains(present).sum())
                if inside:
                    gap_facts: dict[str, object] = {"count": inside, "gap": _gap_text(gap, item.percent),
                                                    "otherwise": one(rule.otherwise)}
                    found.append(_at(scheme, item, "lint_band_gap_data", gap_facts, (*loc, "rule", "bands", after)))
        if rule.value_kind == "count" or len(present) < MIN_PEOPLE:
            continue  # no complaints for anyone is the normal state of a count, not a sign of an error
        raw = result.raw[item.name].dropna()
        if len(raw) >= MIN_PEOPLE and bool((raw >= item.weight - 1e-9).all()) and item.weight > 0:
            found.append(_at(scheme, item, "lint_all_full", {"count": len(raw), "weight": one(item.weight)}, loc))
        elif (present.min() == present.max()) if rule.value_kind != "label" else present.nunique() == 1:
            value = one(float(present.iloc[0]), item.percent) if rule.value_kind != "label" else present.iloc[0]
            found.append(_at(scheme, item, "lint_all_equal", {"count": len(present), "value": value}, loc))
    return found


def _bare_target(item: Indicator) -> bool:
    """A target written without `%` on an indicator with no unit, large enough to be meant as a percent."""
    target = item.target
    return (item.rule.needs_target and target is not None and not target.percent and item.unit is None
            and not item.percent and PERCENT_MAX < target.value <= 100)


def _score(value: float) -> str:
    return f"{float(round_half_up(value, 2)):.2f}"


def band_gaps(rule: Bands) -> Iterator[tuple[Interval, int]]:
    """The stretches between the lowest and the highest band that no band covers, each with the index of
    the band that starts after it."""
    order = sorted(range(len(rule.bands)), key=lambda k: (rule.bands[k].when.lo, not rule.bands[k].when.lo_closed))
    first = rule.bands[order[0]].when
    reach, closed = first.hi, first.hi_closed
    for k in order[1:]:
        band = rule.bands[k].when
        if band.lo > reach or (band.lo == reach and not closed and not band.lo_closed):
            yield Interval(reach, band.lo, not closed, not band.lo_closed, band.percent, ""), k
        if band.hi > reach or (band.hi == reach and band.hi_closed):
            reach, closed = band.hi, band.hi_closed


def _gap_text(gap: Interval, percent: bool) -> str:
    lo, hi = one(gap.lo, percent), one(gap.hi, percent)
    if math.isclose(gap.lo, gap.hi):
        return f"= {lo}"
    return f"{'[' if gap.lo_closed else '('}{lo}, {hi}{']' if gap.hi_closed else ')'}"
