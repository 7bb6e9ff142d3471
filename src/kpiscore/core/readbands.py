"""Bands as a table writes them (90%以上20分, 85%-94%:得8分, 60-90分之间线性, 1次投诉:得8分), each interval
settled the way the table means it, or the place it leaves unsaid named.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from .phrases import LINEAR_EXAMPLE, Statement, number
from .readbase import Target, Understood, caps_said
from .rulebase import Problem
from .say import Listed, Term
from .values import one
from .wording import fold_text


@dataclass
class _Band:
    """A band as read: its interval, its points (a number, [s1, s2], or "linear" between its neighbours'), and
    how firmly each end is written: 3 for 及以上 / ≥ / 以内, 2 for a range's end (85%-94%), 1 for 以上 alone."""

    lo: float
    hi: float
    lo_closed: bool
    hi_closed: bool
    score: Any
    firm: int = 2
    #: the digits of a range's right end, for how far it reaches (85%-94% up to 95%)
    hi_text: str = ""
    extra: bool = False


def _cond(said: dict[str, str], percent: list[bool]) -> _Band | None:
    """The interval of a band statement; `percent` collects whether its numbers are percents."""
    inf = math.inf

    def val(key: str, unit_key: str) -> float:
        pct = said.get(unit_key) == "%"
        percent.append(pct)
        return number(said[key] + ("%" if pct else ""))

    if "lo" in said:
        if said.get("lu") == "%" and not said.get("hu"):
            said = {**said, "hu": "%"}
        return _Band(val("lo", "lu"), val("hi", "hu"), True, True, None, 2, said["hi"])
    if "op" in said:
        v, op = val("n", "u"), said["op"]
        if op in ("≥", ">=", "不低于", "不少于", "达到"):
            return _Band(v, inf, True, False, None, 3)
        if op in (">", "超过", "高于", "大于"):
            return _Band(v, inf, False, False, None, 3)
        if op in ("≤", "<="):
            return _Band(-inf, v, False, True, None, 3)
        return _Band(-inf, v, False, False, None, 3)
    if "m" in said:
        v, suffix = val("m", "mu"), said["suffix"]
        firm = 3 if suffix[0] in "及或含" or "内" in suffix else 1
        if "上" in suffix:
            return _Band(v, inf, True, False, None, firm)
        return _Band(-inf, v, False, True, None, firm)
    if "at" in said:  # 完成85%: that value alone
        v = val("at", "au")
        return _Band(v, v, True, True, None, 3)
    if "k" in said:  # a count: 1次投诉 is [1, 2), 3次及以上 is [3, ∞)
        percent.append(False)
        k = float(said["k"])
        return _Band(k, inf if said.get("more") else k + 1, True, False, None, 3)
    return None


def _band_score(said: dict[str, str], weight: float) -> Any:
    if "s1" in said:
        return (number(said["s1"]), number(said["s2"]))
    if "zero" in said:
        return 0.0
    if "fullm" in said:
        return weight
    if "linear" in said:
        return "linear"
    if "prorata" in said:
        return "prorata"
    return number(said["s"])


def read_bands(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """90%以上20分, 85%-94%:得8分, 低于80分0分, 1次投诉:得8分, 60-90分之间线性: a `bands` rule, each band's
    interval settled the way the table means it (see `_settle`), in the table's own points (`out_of`)."""
    if weight is None:
        out.problems.append(Problem("import_weight_needed", {}, ()))
        return
    bands: list[_Band] = []
    percent: list[bool] = []
    perfect: float | None = None
    for s in statements:
        if s.kind == "all":
            perfect = number(s.said["s"])
            continue
        if s.kind == "label":
            if not s.said["label"].startswith(("无", "没有", "不")):
                out.problems.append(Problem("import_mixed", {"kinds": Listed(("band", "label"))}, ()))
                return
            band = _Band(-math.inf, 1.0, False, False, None, 3)
            percent.append(False)
        elif s.kind == "cap":
            continue
        else:
            got = _cond(s.said, percent)
            if got is None:
                out.problems.append(Problem("import_unread", {"text": s.text}, ()))
                return
            band = got
        band.score = _band_score(s.said, weight)
        band.extra = bool(s.said.get("extra"))
        if band.extra:
            band.score = weight + band.score
        bands.append(band)
    if len(set(percent)) > 1:
        out.problems.append(Problem("import_band_units", {}, ()))
        return
    pct = bool(percent and percent[0])
    higher = _higher(bands)
    for b in bands:  # 8-10分 over 1%-2%, lower being better: 10 at 1%, 8 at 2%
        if isinstance(b.score, tuple) and b.score != "prorata":
            b.score = tuple(sorted(b.score, reverse=not higher))
    if any(b.score == "prorata" for b in bands) and not _prorata(bands, caps_said(statements), pct, out):
        return
    if perfect is not None:
        if higher and not pct:
            out.problems.append(Problem("import_perfect", {}, ()))
            return
        bands.append(_Band(1.0, math.inf, True, False, perfect, 3) if higher else
                     _Band(-math.inf, 0.0, False, True, perfect, 3))
    if not _settle(bands, higher, pct, weight, target, out):
        return
    extra = max((b.score - weight for b in bands if b.extra), default=0.0)
    top = max(max(b.score) if isinstance(b.score, tuple) else b.score for b in bands)
    if top <= 0:
        out.problems.append(Problem("import_no_points", {}, ()))
        return
    shown = bands[::-1] if higher else bands  # the best band first, as tables write them
    rule: dict[str, Any] = {"type": "bands", "bands": [
        {"when": _when(b, pct), "score": list(b.score) if isinstance(b.score, tuple) else b.score} for b in shown]}
    if extra:
        out.fields["extra"] = extra
    elif top != weight:
        rule["out_of"] = top
    if not higher:
        out.fields["direction"] = "lower"
    out.fields["rule"] = rule


def _prorata(bands: list[_Band], caps: dict[str, float], pct: bool, out: Understood) -> bool:
    """完成比例>85%按同比例核算分值, 最高得100分, with the worked example that says what the proportion is
    ((85.22%-85%)*(100-60)分/(100%-85%)+60分): linear from 85% at 60 to 100% at 100, then 100. Without the
    example, or where it disagrees with the text, the proportion is not said."""
    band = next(b for b in bands if b.score == "prorata")
    m = next((m for r in out.remarks if (m := LINEAR_EXAMPLE.search(fold_text(r)))), None)
    if m is None:
        out.problems.append(Problem("import_undefined", {"text": "按同比例核算分值"}, ()))
        return False
    scale = 0.01 if pct else 1.0
    lo, hi = number(m["lo"]) * scale, number(m["hi"]) * scale
    s1, s2 = number(m["s1"]), number(m["s2"])
    at = [b for b in bands if b.lo == b.hi == lo]
    if abs(band.lo - lo) > 1e-12 or caps.get("top", s2) != s2 or any(b.score != s1 for b in at) or hi <= lo:
        out.problems.append(Problem("import_example_differs", {"text": m.group()}, ()))
        return False
    band.hi, band.lo_closed, band.score = hi, bool(not at), (s1, s2)
    bands.append(_Band(hi, math.inf, True, False, s2, 3))
    return True


def _higher(bands: list[_Band]) -> bool:
    """Higher is better where the band furthest up scores more than the one furthest down."""
    def mid(b: _Band) -> float:
        return b.lo if math.isfinite(b.lo) else b.hi - 1e9

    def points(b: _Band) -> float:
        return (max(b.score) if isinstance(b.score, tuple) else b.score) if b.score != "linear" else math.nan

    ordered = sorted(bands, key=mid)
    return not (len(ordered) > 1 and points(ordered[-1]) < points(ordered[0]))


def _settle(bands: list[_Band], higher: bool, pct: bool, weight: float, target: Target | None,
            out: Understood) -> bool:
    """Each band's interval as the table means it: 90%以上 … 85%以上 stops each at the one above it, 以内 bands
    start where the one below ends; a range ends where the next begins one written step on (85%-94% then
    95%); a point two bands both claim goes to the firmer (4个及以上 beats 3-4个); a linear band runs between
    its neighbours' points; a gap inside the target (每月不超过3次) is full marks, any other gap is said."""
    ups = sorted((b for b in bands if math.isinf(b.hi) and math.isfinite(b.lo)), key=lambda b: -b.lo)
    for above, below in pairwise(ups):
        below.hi, below.hi_closed = above.lo, not above.lo_closed
    downs = sorted((b for b in bands if math.isinf(b.lo) and math.isfinite(b.hi)), key=lambda b: b.hi)
    for under, over in pairwise(downs):
        over.lo, over.lo_closed = under.hi, not under.hi_closed
    bands.sort(key=lambda b: (b.lo, not b.lo_closed))
    filler: list[_Band] = []
    for left, right in pairwise(bands):
        if left.hi_text and left.hi < right.lo and _one_step(left.hi_text, pct, right.lo - left.hi):
            end = left.score[1] if isinstance(left.score, tuple) else left.score
            if isinstance(left.score, tuple):
                filler.append(_Band(left.hi, right.lo, False, not right.lo_closed, end, 2))
            else:
                left.hi, left.hi_closed = right.lo, not right.lo_closed
        elif left.hi == right.lo and left.hi_closed and right.lo_closed:
            _share_point(left, right, pct, out)
        elif left.hi > right.lo:
            out.problems.append(Problem("import_band_overlap", {"at": one(right.lo, pct)}, ()))
            return False
    bands.extend(filler)
    bands.sort(key=lambda b: (b.lo, not b.lo_closed))
    if not _linear(bands, out):
        return False
    _gaps(bands, pct, weight, target, out)
    if higher and pct and bands[-1].hi == 1.0 and bands[-1].hi_closed:  # 90%-100%: a rate past 100% is as good
        bands[-1].hi, bands[-1].hi_closed = math.inf, False
    return _ends(bands, pct, out)


def _ends(bands: list[_Band], pct: bool, out: Understood) -> bool:
    """Beyond the last band a table writes, nothing is said: where that band gives points, what lies beyond is
    the table's to say (a count or a rate below 0 is none; a band of 0 points goes on at 0, as the rule's
    `otherwise` does)."""
    low, high = bands[0], bands[-1]
    if math.isfinite(low.lo) and low.lo > 0 and _at(low, low.lo) > 0:
        said = "< " if low.lo_closed else "<= "
        out.problems.append(Problem("import_bands_open", {"when": said + one(low.lo, pct),
                                                          "side": Term("band_lowest")}, ()))
        return False
    if math.isfinite(high.hi) and _at(high, high.hi) > 0:
        said = "> " if high.hi_closed else ">= "
        out.problems.append(Problem("import_bands_open", {"when": said + one(high.hi, pct),
                                                          "side": Term("band_highest")}, ()))
        return False
    return True


def _at(b: _Band, x: float) -> Any:
    """A band's points at one of its ends."""
    return b.score if not isinstance(b.score, tuple) else b.score[0] if x == b.lo else b.score[1]


def _share_point(left: _Band, right: _Band, pct: bool, out: Understood) -> None:
    """A value two bands both hold (90%-95% and 80%-90% share 90%): the firmer one's (4个及以上 beats 3-4个);
    where they agree on its points, either; else the better band's, as reaching a line enters the band above
    it, and said."""
    here_left, here_right = _at(left, left.hi), _at(right, right.lo)
    if left.firm != right.firm:
        if left.firm > right.firm:
            right.lo_closed = False
        else:
            left.hi_closed = False
    elif here_left == here_right or "linear" in (here_left, here_right):
        left.hi_closed = False
    elif here_left > here_right:
        right.lo_closed = False
        out.notes.append(Problem("import_shared_point", {"at": one(left.hi, pct)}, ()))
    else:
        left.hi_closed = False
        out.notes.append(Problem("import_shared_point", {"at": one(left.hi, pct)}, ()))


def _one_step(digits: str, pct: bool, gap: float) -> bool:
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    step = 10.0 ** -decimals / (100 if pct else 1)
    return abs(gap - step) < step * 1e-6


def _linear(bands: list[_Band], out: Understood) -> bool:
    for i, b in enumerate(bands):
        if b.score != "linear":
            continue
        left = bands[i - 1].score if i else None
        right = bands[i + 1].score if i + 1 < len(bands) else None
        if left is None or right is None or "linear" in (left, right):
            out.problems.append(Problem("import_linear_ends", {}, ()))
            return False
        b.score = (left[1] if isinstance(left, tuple) else left, right[0] if isinstance(right, tuple) else right)
        b.hi_closed = False
    return True


def _gaps(bands: list[_Band], pct: bool, weight: float, target: Target | None, out: Understood) -> None:
    """A stretch between two bands: full marks where the target's words cover it, else a note that it scores 0."""
    for left, right in list(pairwise(bands)):
        if left.hi == right.lo and (left.hi_closed or right.lo_closed):
            continue
        gap = _Band(left.hi, right.lo, not left.hi_closed, not right.lo_closed, weight, 2)
        t = target.value if target else None
        if t is not None and target is not None and target.higher is False and gap.lo < t <= gap.hi + 1e-12:
            gap.hi, gap.hi_closed = t, True
            bands.append(gap)
            out.notes.append(Problem("import_gap_target", {"when": _when(gap, pct), "target": target.text}, ()))
        else:
            out.notes.append(Problem("import_gap", {"when": _when(gap, pct)}, ()))
    bands.sort(key=lambda b: (b.lo, not b.lo_closed))


def _when(b: _Band, pct: bool) -> str:
    lo, hi = one(b.lo, pct) if math.isfinite(b.lo) else "", one(b.hi, pct) if math.isfinite(b.hi) else ""
    if not lo:
        return ("<= " if b.hi_closed else "< ") + hi
    if not hi:
        return (">= " if b.lo_closed else "> ") + lo
    return ("[" if b.lo_closed else "(") + f"{lo}, {hi}" + ("]" if b.hi_closed else ")")

