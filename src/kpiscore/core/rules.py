"""The rule registry: each scoring rule's parameters, vectorised formula, words and description.

A rule's formula lives here and only here (the items made of clauses, in `clauses`). The same class that scores a
column also writes one calculation into words (`15 × 88% ÷ 90%`) for `explain` and the Audit sheet, and describes
itself (`得分 = 15 × 实际值 ÷ 90%`) for the template's notes and the Scheme sheet, so the three cannot drift.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .clauses import Checklist, Clauses
from .quantities import OPEN_END, Interval, Number, Points, Value, not_negative, positive
from .rulebase import Cell, Context, Problem, Rule, Scaled, floor_over, over_weight, within_rate, written
from .values import Quantity, fmt_plain, label_key, mean_text, one, snap

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    from .lazy import np, pd


class Ratio(Scaled):
    """比率法: weight × actual ÷ target (lower is better: target ÷ actual), optionally capped."""

    type: Literal["ratio"] = "ratio"
    cap: Value | None = None
    needs_target: ClassVar[bool] = True

    def own_max(self, weight: float) -> float:
        return weight * self.cap.value if self.cap else math.inf

    def problems(self, weight: float | None, target: Quantity | None, higher: bool, extra: float = 0.0
                 ) -> Iterator[Problem]:
        """A ratio may go past its weight (that is what a cap allows), but never divide by a target of 0,
        and lower-is-better needs a cap: T ÷ A grows without end as A goes to 0."""
        if target is None:
            yield Problem("target_missing", {"type": self.type}, ("target",))
        elif target.value <= 0:
            yield Problem("target_positive", {}, ("target",))
        if not higher and self.cap is None:
            yield Problem("ratio_cap", {}, ("rule",))
        yield from self._cliff(weight)

    def _ratio(self, a: pd.Series, ctx: Context) -> pd.Series:
        t = np.asarray(ctx.target, dtype=float)
        if ctx.higher:
            return a / t
        cap = self.cap.value if self.cap else math.inf
        with np.errstate(divide="ignore", over="ignore"):  # a tiny A: T ÷ A is inf, then capped
            return pd.Series(np.where(a == 0, cap, t / a.to_numpy(dtype=float)), index=a.index)

    def own_score(self, a: pd.Series, ctx: Context) -> pd.Series:
        ratio = self._ratio(a, ctx)
        if self.cap:
            ratio = ratio.clip(upper=self.cap.value)
        return (ctx.weight * ratio).clip(lower=0)

    def own_needed(self, a: pd.Series, want: np.ndarray, ctx: Context) -> pd.Series:
        """W × A ÷ T = want → A = want × T ÷ W (lower is better: A = W × T ÷ want), within the cap."""
        t = np.asarray(ctx.target, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = want * t / ctx.weight if ctx.higher else ctx.weight * t / want
        reach = want <= self.max_points(ctx.weight) + 1e-9
        return within_rate(pd.Series(np.where(reach & np.isfinite(x), x, np.nan), index=a.index), ctx)

    def own_words(self, a: pd.Series, ctx: Context) -> pd.Series:
        w, t = one(ctx.weight), ctx.target_text(a)
        base = f"{w} × " + (written(a, ctx) + " ÷ " + t if ctx.higher else t + " ÷ " + written(a, ctx))
        if not self.cap:
            return base
        capped = self._ratio(a, ctx) >= self.cap.value
        return base.where(~capped, f"{w} × {self.cap.text}")

    def own_describe(self, ctx: Context) -> str:
        w, t = one(ctx.weight), ctx.num(ctx.target)  # type: ignore[arg-type]
        formula = ctx.say("ratio_higher" if ctx.higher else "ratio_lower", w=w, t=t)
        return formula + ctx.say("ratio_cap", cap=self.cap.text) if self.cap else formula


def _steps(amount: np.ndarray, per: float, partial: str) -> np.ndarray:
    """`amount` (an array of the caller's, worked in place) in steps of `per`, floored or ceiled as asked; an
    amount too large for its steps is inf, as pandas gave it, without a warning."""
    with np.errstate(over="ignore", invalid="ignore"):
        amount /= per
        snap(amount, out=amount)
    if partial == "floor":
        np.floor(amount, out=amount)
    elif partial == "ceil":
        np.ceil(amount, out=amount)
    return amount


class Deduct(Scaled):
    """扣分法: points off per step of shortfall from the target (a share of the weight where written with %:
    扣2%), at most `max_off` in all (最高扣5分), down to `floor` (最低扣至-10分); optionally points added per
    step beyond it."""

    type: Literal["deduct"] = "deduct"
    per: Annotated[Value | None, AfterValidator(positive)] = None
    points: Annotated[Value, AfterValidator(not_negative)] = Quantity(1.0, False, "1")
    partial: Literal["prorate", "floor", "ceil"] = "prorate"
    add: Number | None = Field(None, ge=0)
    max: Number | None = None
    max_off: Number | None = Field(None, ge=0)
    floor: Number = 0
    needs_target: ClassVar[bool] = True

    def own_max(self, weight: float) -> float:
        return self.max if self.add is not None and self.max is not None else weight

    def problems(self, weight: float | None, target: Quantity | None, higher: bool, extra: float = 0.0
                 ) -> Iterator[Problem]:
        """Points added past the target may exceed the weight, up to `max`; a `max` below it is a slip, and so
        is a floor above it."""
        if target is None:
            yield Problem("target_missing", {"type": self.type}, ("target",))
        own = self.out_of or weight  # the table's own full marks, where it writes its points out of them
        if own is not None and self.max is not None and self.max < own:
            yield Problem("max_below_weight", {"max": one(self.max), "weight": one(own)}, ("rule", "max"))
        yield from floor_over(self.floor, own)
        yield from self._cliff(weight)

    def in_unit(self) -> Iterator[tuple[tuple[str, ...], Quantity]]:
        if self.per is not None:
            yield ("rule", "per"), self.per

    def percent_hint(self) -> bool:
        return bool(self.per and self.per.percent)

    def _per(self, ctx: Context) -> float:
        return self.per.value if self.per else (0.01 if ctx.percent else 1.0)

    def _points(self, ctx: Context) -> float:
        """The points of a step: as written, or that share of the weight (扣2%: 0.12 of a weight of 6)."""
        return ctx.weight * self.points.value if self.points.percent else self.points.value

    def _gaps(self, a: pd.Series, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
        """(shortfall steps, excess steps), each counted in `per` units and floored/ceiled as asked."""
        diff = a.to_numpy(dtype=float) - np.asarray(ctx.target, dtype=float)
        if not ctx.higher:
            np.negative(diff, out=diff)
        short = np.maximum(np.negative(diff), 0.0)  # a blank stays blank
        per = self._per(ctx)
        return _steps(short, per, self.partial), _steps(np.maximum(diff, 0.0, out=diff), per, self.partial)

    def _off(self, short: np.ndarray, ctx: Context) -> np.ndarray:
        off = self._points(ctx) * short
        return np.minimum(off, self.max_off) if self.max_off is not None else off

    def own_score(self, a: pd.Series, ctx: Context) -> pd.Series:
        short, excess = self._gaps(a, ctx)
        s = ctx.weight - self._off(short, ctx)
        if self.add is not None:
            top = self.max if self.max is not None else ctx.weight
            s = np.where(excess > 0, np.minimum(ctx.weight + self.add * excess, top), s)
        return pd.Series(s, index=a.index).clip(lower=self.floor).where(a.notna())

    def own_needed(self, a: pd.Series, want: np.ndarray, ctx: Context) -> pd.Series:
        """W − P × steps short = want → steps = (W − want) ÷ P short of the target (whole steps where
        steps are floored or ceiled); past the weight, steps beyond the target at `add` each, up to `max`."""
        per, t, points = self._per(ctx), np.asarray(ctx.target, dtype=float), self._points(ctx)
        with np.errstate(divide="ignore", invalid="ignore"):
            short = (ctx.weight - want) / points if points else np.full(len(a), np.inf)
            beyond = (want - ctx.weight) / self.add if self.add else np.full(len(a), np.inf)
        if self.partial != "prorate":  # whole steps: as many short as still allowed, as few beyond as enough
            short, beyond = np.floor(snap(short)), np.ceil(snap(beyond))
        steps = np.where(want <= ctx.weight + 1e-9, -np.minimum(short, 1e300), beyond)
        sign = 1.0 if ctx.higher else -1.0
        x = t + sign * steps * per
        reach = want <= self.max_points(ctx.weight) + 1e-9
        return within_rate(pd.Series(np.where(reach & np.isfinite(x), x, np.nan), index=a.index), ctx)

    def own_words(self, a: pd.Series, ctx: Context) -> pd.Series:
        short, excess = self._gaps(a, ctx)
        w, points = one(ctx.weight), self._points(ctx)
        taken = f"{one(points)} × " + fmt_plain(pd.Series(short, index=a.index))
        if self.max_off is not None:
            taken = taken.where(points * short <= self.max_off, "min(" + taken + f", {one(self.max_off)})")
        minus = f"{w} − " + taken
        text = minus.where(ctx.weight - self._off(short, ctx) >= self.floor, f"max({one(self.floor)}, " + minus + ")")
        if self.add is not None:
            plus = f"{w} + {one(self.add)} × " + fmt_plain(pd.Series(excess, index=a.index))
            top = self.max if self.max is not None else ctx.weight
            plus = plus.where(ctx.weight + self.add * excess <= top, "min(" + plus + f", {one(top)})")
            text = text.where(excess <= 0, plus)
        return text

    def own_describe(self, ctx: Context) -> str:
        per, t = ctx.num(self._per(ctx)), ctx.num(ctx.target)  # type: ignore[arg-type]
        text = ctx.say("deduct_below" if ctx.higher else "deduct_above", t=t, per=per, pts=one(self._points(ctx)))
        if self.points.percent:
            text += ctx.say("of_weight", share=self.points.text)
        if self.partial != "prorate":
            text += ctx.say("deduct_" + self.partial, per=per)
        if self.max_off is not None:
            text += ctx.say("max_off", max=one(self.max_off))
        if self.add is not None:
            top = one(self.max if self.max is not None else ctx.weight)
            text += ctx.say("deduct_add", per=per, add=one(self.add), top=top)
        return text + ctx.say("floor_at", floor=one(self.floor)) if self.floor else text


class Count(Scaled):
    """扣分制: points off for each occurrence beyond the allowed count (a blank count is 0)."""

    type: Literal["count"] = "count"
    allow: Number = Field(0, ge=0)
    points: Number = Field(1, ge=0)
    value_kind: ClassVar[str] = "count"
    whole: ClassVar[bool] = True

    def example(self, ctx: Context) -> Any:
        return self.allow + 2

    def own_needed(self, a: pd.Series, want: np.ndarray, ctx: Context) -> pd.Series:
        """W − P × (A − allow) = want → A = allow + (W − want) ÷ P, a whole count, no fewer than none."""
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.floor(snap(self.allow + (ctx.weight - want) / self.points)) if self.points else np.full(
                len(a), np.inf)
        return pd.Series(np.where((want <= ctx.weight + 1e-9), np.maximum(x, 0), np.nan), index=a.index)

    def own_score(self, a: pd.Series, ctx: Context) -> pd.Series:
        return (ctx.weight - self.points * (a - self.allow).clip(lower=0)).clip(lower=0)

    def own_words(self, a: pd.Series, ctx: Context) -> pd.Series:
        text = f"{one(ctx.weight)} − {one(self.points)} × max(0, " + written(a, ctx) + f" − {one(self.allow)})"
        floored = ctx.weight - self.points * (a - self.allow).clip(lower=0) < 0
        return text.where(~floored, "max(0, " + text + ")")

    def own_describe(self, ctx: Context) -> str:
        pts, allow = one(self.points), one(self.allow)
        return ctx.say("count_beyond" if self.allow else "count_each", pts=pts, allow=allow)


#: comparisons a band's `when` may start with, longest first so that ">=" is not read as ">"
class Band(BaseModel):
    """One band: when A lies in `when`, score a fixed number or a linear [s1, s2] across the interval."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    when: Annotated[Interval, PlainValidator(Interval.parse), PlainSerializer(lambda i: i.text, return_type=str)]
    score: Points | tuple[Points, Points]

    @model_validator(mode="after")
    def _linear_needs_ends(self) -> Band:
        if isinstance(self.score, tuple) and not self.when.bounded:
            raise PydanticCustomError(
                "band_open", "a [s1, s2] score needs an interval with two ends; {when} is open-ended",
                {"when": self.when.text})
        if isinstance(self.score, tuple) and self.when.lo == self.when.hi:
            raise PydanticCustomError(
                "band_point", "a [s1, s2] score needs an interval of some width; {when} is a single value",
                {"when": self.when.text})
        return self

    @property
    def top(self) -> float:
        return max(self.score) if isinstance(self.score, tuple) else self.score

    def value(self, a: pd.Series) -> pd.Series:
        if not isinstance(self.score, tuple):
            return pd.Series(float(self.score), index=a.index)
        s1, s2 = self.score
        return s1 + (s2 - s1) * (a - self.when.lo) / (self.when.hi - self.when.lo)

    def words(self, a: pd.Series, ctx: Context) -> pd.Series:
        head = written(a, ctx) + (f" ∈ {self.when.text}: " if self.when.bounded else f" {self.when.text}: ")
        if not isinstance(self.score, tuple):
            return head + one(self.score)
        s1, s2 = (one(x) for x in self.score)
        lo, hi = ctx.num(self.when.lo), ctx.num(self.when.hi)
        return head + f"{s1} + ({s2} − {s1}) × (" + written(a, ctx) + f" − {lo}) ÷ ({hi} − {lo})"

    def describe(self) -> str:
        score = "–".join(one(x) for x in self.score) if isinstance(self.score, tuple) else one(self.score)
        return f"{self.when.text}: {score}"


class Bands(Scaled):
    """区间法: the first band whose interval holds A gives the points; none gives `otherwise`."""

    type: Literal["bands"] = "bands"
    bands: list[Band] = Field(min_length=1)
    otherwise: Points = 0

    @model_validator(mode="after")
    def _no_overlap(self) -> Bands:
        for i, first in enumerate(self.bands):
            for second in self.bands[i + 1:]:
                if first.when.overlaps(second.when):
                    raise PydanticCustomError("band_overlap", "bands {a} and {b} overlap",
                                              {"a": first.when.text, "b": second.when.text})
        return self

    def own_max(self, weight: float) -> float:
        return max([b.top for b in self.bands] + [self.otherwise])

    def example(self, ctx: Context) -> Any:
        """The middle of the first closed band (else the finite end of the first band)."""
        band = next((b for b in self.bands if b.when.bounded), self.bands[0])
        lo, hi = band.when.lo, band.when.hi
        return round((lo + hi) / 2, 4) if band.when.bounded else (lo if lo > -math.inf else hi)

    def percent_hint(self) -> bool:
        return any(b.when.percent for b in self.bands)

    def _which(self, a: pd.Series) -> np.ndarray:
        """Index of the first band holding each A, or -1."""
        which = np.full(len(a), -1)
        for i, band in reversed(list(enumerate(self.bands))):
            which = np.where(band.when.contains(a).to_numpy(), i, which)
        return which

    def own_score(self, a: pd.Series, ctx: Context) -> pd.Series:
        which = self._which(a)
        s = pd.Series(float(self.otherwise), index=a.index)
        for i, band in enumerate(self.bands):
            s = s.where(which != i, band.value(a))
        return s.where(a.notna())

    def own_needed(self, a: pd.Series, want: np.ndarray, ctx: Context) -> pd.Series:
        """In each band, the actuals whose points reach `want` (past the cut of a linear band, or the whole of
        a band worth enough); of those, the nearest to A in the better direction."""
        x, up = a.to_numpy(dtype=float), self.better_higher(ctx)
        best = np.full(len(x), np.nan)
        for band in self.bands:
            w = band.when
            lo = w.lo if w.lo_closed else w.lo + OPEN_END  # an open end is not in the band: just inside it
            hi = w.hi if w.hi_closed else w.hi - OPEN_END
            first, last = np.full(len(x), lo), np.full(len(x), hi)
            if isinstance(band.score, tuple) and band.score[0] != band.score[1]:
                s1, s2 = band.score
                with np.errstate(invalid="ignore"):
                    cut = w.lo + (want - s1) / (s2 - s1) * (w.hi - w.lo)
                if s2 > s1:
                    first = np.maximum(first, cut)
                else:
                    last = np.minimum(last, cut)
            else:
                enough = band.top >= want - 1e-9
                first, last = np.where(enough, first, np.nan), np.where(enough, last, np.nan)
            near = np.maximum(x, first) if up else np.minimum(x, last)
            near = np.where((near >= first - 1e-12) & (near <= last + 1e-12), near, np.nan)
            best = np.fmin(best, near) if up else np.fmax(best, near)
        return within_rate(pd.Series(best, index=a.index), ctx)

    def own_words(self, a: pd.Series, ctx: Context) -> pd.Series:
        which = self._which(a)
        text = written(a, ctx) + ctx.say("bands_none", otherwise=one(self.otherwise))
        for i, band in enumerate(self.bands):
            text = text.where(which != i, band.words(a, ctx))
        return text

    def own_describe(self, ctx: Context) -> str:
        parts = [b.describe() for b in self.bands]
        parts.append(ctx.say("bands_otherwise", otherwise=one(self.otherwise)))
        return ctx.say("list_sep").join(parts)


class Threshold(Rule):
    """非此即彼法: full weight when A meets the target, else `fail`."""

    type: Literal["threshold"] = "threshold"
    fail: Points = 0
    needs_target: ClassVar[bool] = True

    def problems(self, weight: float | None, target: Quantity | None, higher: bool, extra: float = 0.0
                 ) -> Iterator[Problem]:
        yield from super().problems(weight, target, higher, extra)
        if weight is not None and self.fail > weight + extra:
            yield over_weight(self.fail, weight, extra, ("rule", "fail"))

    def _meets(self, a: pd.Series, ctx: Context) -> pd.Series:
        t = np.asarray(ctx.target, dtype=float)
        return a >= t if ctx.higher else a <= t

    def score(self, a: pd.Series, ctx: Context) -> pd.Series:
        return pd.Series(np.where(self._meets(a, ctx), ctx.weight, self.fail), index=a.index).where(a.notna())

    def needed(self, a: pd.Series, want: np.ndarray, ctx: Context) -> pd.Series:
        """Nothing between fail and pass: the pass value, where passing is enough."""
        t = np.broadcast_to(np.asarray(ctx.target, dtype=float), len(a))
        return pd.Series(np.where(want <= ctx.weight + 1e-9, t, np.nan), index=a.index)

    def words(self, a: pd.Series, ctx: Context) -> pd.Series:
        t, meets = ctx.target_text(a), self._meets(a, ctx)
        ok, bad = ("≥", "<") if ctx.higher else ("≤", ">")
        good = written(a, ctx) + f" {ok} " + t + f": {one(ctx.weight)}"
        return good.where(meets, written(a, ctx) + f" {bad} " + t + f": {one(self.fail)}")

    def describe(self, ctx: Context) -> str:
        t, w, f = ctx.num(ctx.target), one(ctx.weight), one(self.fail)  # type: ignore[arg-type]
        cmp = "≥" if ctx.higher else "≤"
        return ctx.say("threshold", cmp=cmp, t=t, w=w, f=f)


class Mapping(Rule):
    """评级法: a rating label (很满意, 较满意 …) gives its points, optionally scaled to the weight."""

    type: Literal["mapping"] = "mapping"
    map: dict[str, Points]
    scale: bool = False
    value_kind: ClassVar[str] = "label"

    @model_validator(mode="after")
    def _labels(self) -> Mapping:
        if not self.map:
            raise PydanticCustomError("mapping_empty", "a mapping needs at least one label")
        if self.scale and max(self.map.values()) <= 0:
            raise PydanticCustomError("mapping_scale_zero", "scale: true needs a label worth more than 0 points")
        folded = [label_key(str(k)) for k in self.map]
        if len(set(folded)) < len(folded):
            raise PydanticCustomError("mapping_duplicate", "two labels are the same after trimming and folding")
        return self

    @property
    def folded(self) -> dict[str, float]:
        """The labels as cells are matched to them (`label_key`), with their points."""
        return {label_key(str(k)): v for k, v in self.map.items()}

    def labels(self) -> dict[str, float] | None:
        return self.folded

    def max_points(self, weight: float) -> float:
        return weight if self.scale else max(self.map.values(), default=0)

    def needed(self, a: pd.Series, want: np.ndarray, ctx: Context) -> pd.Series:
        """The label of fewest points that is enough: the next label up, or further."""
        top = max(self.map.values())
        labels = sorted(self.map.items(), key=lambda kv: kv[1])  # a handful of labels, fewest points first
        out = pd.Series(None, index=a.index, dtype=object)
        for label, points in reversed(labels):  # the last written is the least that is enough
            worth = ctx.weight * points / top if self.scale else points
            out = out.where(~(worth >= want - 1e-9), label)
        return out

    def cell(self, ctx: Context) -> Cell:
        labels = list(self.map)
        return Cell("label", "hint_label", {"validate": "list", "source": labels}, {"labels": " / ".join(labels)})

    def example(self, ctx: Context) -> Any:
        """The second label (the first is usually the best, which shows less)."""
        labels = list(self.map)
        return labels[1] if len(labels) > 1 else labels[0]

    def score(self, a: pd.Series, ctx: Context) -> pd.Series:
        points = a.map(self.folded).astype(float)
        top = max(self.map.values())
        return ctx.weight * points / top if self.scale else points

    def words(self, a: pd.Series, ctx: Context) -> pd.Series:
        points = fmt_plain(a.map(self.folded).astype(float))
        if not self.scale:
            return a.astype(str) + ": " + points
        return a.astype(str) + f": {one(ctx.weight)} × " + points + f" ÷ {one(max(self.map.values()))}"

    def describe(self, ctx: Context) -> str:
        text = ctx.say("comma").join(f"{k} {one(v)}" for k, v in self.map.items())
        if self.scale:
            text += ctx.say("mapping_scale", w=one(ctx.weight), top=one(max(self.map.values())))
        return text


class Rating(Rule):
    """评审打分 / 360度: raters score 0..scale; the (weighted or trimmed) mean, as a share of the scale.

    The ratings are a column per rater (`raters`), or come one per row from a source, as survey tools export
    them (`source`, with the columns of the `rater`, the `role` and the `score`): then they are averaged within
    each role (trimmed within a role), and the role means weighted by `roles`, renormalised over the roles
    present; without `roles` every rating counts alike. A self-rating (role 自评, or the rater rating
    themselves) is shown but counts only where `roles` weights it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: Literal["rating"] = "rating"
    raters: list[str] | dict[str, Annotated[Number, Field(gt=0)]] | None = Field(None, min_length=1)
    scale: Number = Field(5, gt=0)
    trim: bool = False
    source: str | None = None
    rater: str | None = None
    role_column: str | None = Field(None, alias="role")
    score_column: str | None = Field(None, alias="score")
    roles: dict[str, Annotated[Number, Field(gt=0)]] | None = Field(None, min_length=1)
    min_raters: int = Field(1, ge=1)
    value_kind: ClassVar[str] = "rating"

    @model_validator(mode="after")
    def _trim_or_weights(self) -> Rating:
        if self.trim and isinstance(self.raters, dict):
            raise PydanticCustomError("rating_trim", "trim cannot be used together with rater weights")
        if (self.raters is None) == (self.source is None):
            raise PydanticCustomError("rating_raters_or_source", "give raters or a source")
        if self.source is not None and not (self.rater and self.score_column):
            raise PydanticCustomError("rating_source_columns", "a source needs rater and score")
        if self.roles is not None and not self.role_column:
            raise PydanticCustomError("rating_roles_column", "roles need a role column")
        return self

    def inputs(self, column: str) -> list[str]:
        """The raters' columns, or the one column the source's ratings are put into (the indicator's)."""
        return list(self.raters) if self.raters is not None else [column]

    def actual(self, values: pd.DataFrame, ctx: Context) -> pd.Series:
        if self.raters is None:  # combined from the source's rows already (`rated`)
            return values.iloc[:, 0]
        if isinstance(self.raters, dict):
            w = pd.Series(self.raters).reindex(values.columns).to_numpy()
            present = values.notna().to_numpy()
            total_w = (present * w).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = (values.fillna(0).to_numpy() * w).sum(axis=1) / total_w
            return pd.Series(np.where(total_w > 0, mean, np.nan), index=values.index)
        count = values.count(axis=1)
        total = values.sum(axis=1, min_count=1)
        if self.trim:
            trimmed = (total - values.max(axis=1) - values.min(axis=1)) / (count - 2)
            return (total / count).where(count < 3, trimmed)
        return total / count

    def carried(self) -> list[str]:
        return list(self.raters) if self.raters is not None else []

    def source_columns(self) -> list[str]:
        """The source's columns a long rating reads, besides its id."""
        return [c for c in (self.rater, self.role_column, self.score_column) if c]

    def cell(self, ctx: Context) -> Cell:
        """Each rater's cell: a rating from 1 to the scale."""
        top = int(self.scale) if float(self.scale).is_integer() else self.scale
        return Cell("number", "hint_rating", {"validate": "decimal", "criteria": "between", "minimum": 1,
                                              "maximum": top}, {"scale": one(self.scale)})

    def example(self, ctx: Context) -> Any:
        return self.scale * 0.8

    def bounds(self) -> tuple[float, float] | None:
        return 0.0, float(self.scale)

    def score(self, a: pd.Series, ctx: Context) -> pd.Series:
        return ctx.weight * a / self.scale

    def needed(self, a: pd.Series, want: np.ndarray, ctx: Context) -> pd.Series:
        """W × mean ÷ scale = want → mean = want × scale ÷ W, at most the scale."""
        x = want * self.scale / ctx.weight if ctx.weight else np.full(len(a), np.nan)
        return pd.Series(np.where(x <= self.scale + 1e-9, x, np.nan), index=a.index)

    def words(self, a: pd.Series, ctx: Context) -> pd.Series:
        mean = fmt_plain(a) if self.raters is not None else mean_text(a, 2)
        return f"{one(ctx.weight)} × " + mean + f" ÷ {one(self.scale)}"

    def describe(self, ctx: Context) -> str:
        sep = ctx.say("enum_sep")
        if isinstance(self.raters, dict):
            total = sum(self.raters.values())
            who = sep.join(f"{r} {one(w / total, True)}" for r, w in self.raters.items())
        elif self.raters is not None:
            who = sep.join(self.raters)
        elif self.roles:
            total = sum(self.roles.values())
            who = f"{self.source}: " + sep.join(f"{r} {one(w / total, True)}" for r, w in self.roles.items())
        else:
            who = f"{self.source}: {self.rater}"
        text = ctx.say("rating", scale=one(self.scale), who=who, w=one(ctx.weight))
        if self.source is not None and self.min_raters > 1:
            text += ctx.say("rating_min_raters", min_raters=str(self.min_raters))
        return text + ctx.say("rating_trim_words") if self.trim else text


class _Adjustment(Rule):
    """Points outside the weights: `min(points × A, max)`; a blank cell is 0."""

    points: Number = Field(1, ge=0)
    max: Number | None = Field(None, ge=0)
    value_kind: ClassVar[str] = "count"

    def max_points(self, weight: float) -> float:
        return self.max if self.max is not None else math.inf

    def score(self, a: pd.Series, ctx: Context) -> pd.Series:
        s = self.points * a
        return s.clip(upper=self.max) if self.max is not None else s

    def words(self, a: pd.Series, ctx: Context) -> pd.Series:
        text = f"{one(self.points)} × " + written(a, ctx)
        return text if self.max is None else "min(" + text + f", {one(self.max)})"

    def describe(self, ctx: Context) -> str:
        text = ctx.say(self.role + "_per_unit", points=one(self.points))
        return text if self.max is None else text + ctx.say("points_max", max=one(self.max))


class Bonus(_Adjustment):
    """加分项: points added to the total."""

    type: Literal["bonus"] = "bonus"
    role: ClassVar[str] = "bonus"


class Penalty(_Adjustment):
    """扣分项: points taken from the total."""

    type: Literal["penalty"] = "penalty"
    role: ClassVar[str] = "penalty"


class Veto(Rule):
    """一票否决: more than `allow` occurrences zero the total, or force a grade."""

    type: Literal["veto"] = "veto"
    allow: Number = Field(0, ge=0)
    effect: Literal["zero", "grade", "ceiling"] = "zero"
    grade: str | None = None
    role: ClassVar[str] = "veto"
    value_kind: ClassVar[str] = "count"
    whole: ClassVar[bool] = True

    def grade_named(self) -> str | None:
        """The grade a veto forces, or the best it allows (None when it zeroes the total)."""
        return self.grade if self.effect != "zero" else None

    @model_validator(mode="after")
    def _grade_given(self) -> Veto:
        if self.effect != "zero" and not self.grade:
            raise PydanticCustomError("veto_grade", "effect: grade needs the grade to force, e.g. grade: 待改进")
        return self

    def max_points(self, weight: float) -> float:
        return 0

    def score(self, a: pd.Series, ctx: Context) -> pd.Series:
        return a > self.allow

    def words(self, a: pd.Series, ctx: Context) -> pd.Series:
        said = ctx.say("capped_at", grade=str(self.grade)) if self.effect == "ceiling" else ctx.say("vetoed")
        vetoed = written(a, ctx) + f" > {one(self.allow)}: " + said
        return vetoed.where(a > self.allow, written(a, ctx) + f" ≤ {one(self.allow)}: " + ctx.say("not_vetoed"))

    def describe(self, ctx: Context) -> str:
        if self.effect == "ceiling":  # no veto of the score: a grade it may not pass (不能评为优秀)
            return ctx.say("veto_ceiling", allow=one(self.allow), grade=str(self.grade))
        effect = ctx.say("veto_" + self.effect, grade=str(self.grade))
        return ctx.say("veto", allow=one(self.allow), effect=effect)


WeightedRule = Annotated[Ratio | Deduct | Count | Clauses | Checklist | Bands | Threshold | Mapping | Rating,
                         Field(discriminator="type")]


AdjustmentRule = Annotated[Bonus | Penalty | Veto, Field(discriminator="type")]


#: every rule type by name, for messages and `kpiscore schemes`.
RULES: dict[str, type[Rule]] = {
    cls.model_fields["type"].default: cls
    for cls in (Ratio, Deduct, Count, Clauses, Checklist, Bands, Threshold, Mapping, Rating, Bonus, Penalty, Veto)
}
