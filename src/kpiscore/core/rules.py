"""The rule registry: each scoring rule's parameters, vectorised formula, words and description.

A rule's formula lives here and only here. The same class that scores a column also writes one
calculation into words (`15 × 88% ÷ 90%`) for `explain` and the Audit sheet, and describes itself
(`得分 = 15 × 实际值 ÷ 90%`) for the template's notes and the Scheme sheet, so the three cannot drift.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
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

from .quantities import OPEN_END, Interval, Number, Points, Value, not_negative, positive
from .say import Say
from .values import PERCENT_MAX, Quantity, fmt_plain, label_key, mean_text, one, snap

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    from .lazy import np, pd


@dataclass(frozen=True)
class Context:
    """What a rule needs to know about the indicator it scores."""

    weight: float
    #: the target, or one per row where targets are personal (`target_column`)
    target: float | np.ndarray | None
    higher: bool
    percent: bool
    unit: str | None = None
    #: the catalog the rule's words come from (`text.Voice`): given by whoever puts the score into words,
    #: never needed to score
    voice: Say | None = None
    #: the rule's input columns (in `inputs` order) where its words show more than its actual: each clause's
    #: count. Given with the voice, to rules that carry inputs (`carried`)
    inputs: pd.DataFrame | None = None

    def target_text(self, a: pd.Series) -> Any:
        """The target as typed, for each A: one text, or a text per row where targets are personal."""
        if not isinstance(self.target, np.ndarray):
            return self.num(self.target)
        return fmt_plain(pd.Series(self.target, index=a.index), self.percent)

    def say(self, code: str, **params: str) -> str:
        """A piece of a rule's description or calculation, from the catalog the context was given."""
        if self.voice is None:
            raise TypeError("a rule is put into words through a context given a voice (Context.voice)")
        return self.voice(code, **params)

    def num(self, value: float | None) -> str:
        """A value in the actual's unit, as typed: 90% for a percent indicator. No value is a target each person
        brings (`target_column` without a scheme target), and is said so."""
        return self.say("target_personal") if value is None else one(value, self.percent)


@dataclass(frozen=True)
class Cell:
    """How one input cell of a rule is typed in the template: its number format, the Excel data validation
    that keeps it valid, and the hint (a catalog code and its parameters) that says how to fill it."""

    kind: str  # percent | count | number | label
    hint: str
    validation: dict[str, Any]
    params: dict[str, str] = field(default_factory=dict)


#: a whole count, 0 or more: a count rule's cell, and each count of a ratio of counts
COUNT_CELL = Cell("count", "hint_count", {"validate": "integer", "criteria": ">=", "value": 0})


@dataclass(frozen=True)
class Problem:
    """A problem of a rule's parameters: a catalog code, its facts, and where below the indicator it is."""

    code: str
    params: dict[str, Any]
    loc: tuple[str | int, ...]


class _Rule(BaseModel):
    """Common behaviour; a subclass declares its parameters and overrides `score`, `words`, `describe`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    if TYPE_CHECKING:  # each rule declares its own literal `type`, the tag a scheme names it by
        type: str

    #: "weighted" rules sit in a dimension; the others are adjustments outside the weights.
    role: ClassVar[str] = "weighted"
    #: how input cells are read: "number", "count" (blank is 0, never negative), "label", "rating".
    value_kind: ClassVar[str] = "number"
    #: whether the actual counts occurrences, so that 2.5 is an error rather than a number
    whole: ClassVar[bool] = False
    needs_target: ClassVar[bool] = False

    def inputs(self, column: str) -> list[str]:
        """The input columns the rule reads; one, except for `rating`."""
        return [column]

    def actual(self, values: pd.DataFrame, ctx: Context) -> pd.Series:
        """The actual value A from the rule's input columns."""
        return values.iloc[:, 0]

    def carried(self) -> list[str]:
        """The input columns the actual does not show, carried to the Scores table and to the words: each
        rater's rating, each clause's count."""
        return []

    def actual_suffix(self) -> str | None:
        """Where the actual is no input's value but the rule's tally, the label its heading adds (扣分)."""
        return None

    def max_points(self, weight: float) -> float:
        """The most this rule can give before skip rescaling (an upper bound; ratio: `inf` without cap)."""
        return weight

    def percent_hint(self) -> bool:
        """Whether a parameter was written with `%`, which makes the indicator a percent indicator."""
        return False

    def problems(self, weight: float | None, target: Quantity | None, higher: bool, extra: float = 0.0
                 ) -> Iterator[Problem]:
        """What is wrong with the rule on its indicator (`weight` None for an adjustment): a missing target,
        and more points than the weight (and the `extra` points the indicator may give beyond it) can hold."""
        if self.needs_target and target is None:
            yield Problem("target_missing", {"type": self.type}, ("target",))
        if weight is not None:
            top = self.max_points(weight)
            if top > weight + extra and math.isfinite(top):
                yield _over(top, weight, extra, ("rule",))

    def in_unit(self) -> Iterator[tuple[tuple[str, ...], Quantity]]:
        """Parameters written in the actual's unit (a deduct's step), checked like the target for a bare 90."""
        return iter(())

    def grade_named(self) -> str | None:
        """A grade the rule names (a veto's), which must be one of the scheme's grades."""
        return None

    def labels(self) -> dict[str, float] | None:
        """The labels a cell may hold, folded, with their points: None where cells hold numbers."""
        return None

    def shown_labels(self) -> list[str]:
        """The labels a message names when a cell holds none of them."""
        return list(self.labels() or {})

    def bounds(self) -> tuple[float, float] | None:
        """The range a cell's number must lie in (counts are never negative), or None for any number."""
        return (0.0, math.inf) if self.value_kind == "count" else None

    @property
    def blank_is_zero(self) -> bool:
        """Counts (complaints, bonus units, veto events): a blank cell means nothing happened, so it is 0."""
        return self.value_kind == "count"

    def cell(self, ctx: Context) -> Cell:
        """How the rule's input cell is typed: a whole count, a percent or a number, never negative."""
        if self.value_kind == "count":
            return COUNT_CELL
        if ctx.percent:
            return Cell("percent", "hint_percent",
                        {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": PERCENT_MAX})
        unit = ctx.say("unit", unit=ctx.unit) if ctx.unit else ""
        return Cell("number", "hint_number", {"validate": "decimal", "criteria": ">=", "value": 0}, {"unit": unit})

    def example(self, ctx: Context) -> Any:
        """A plausible actual for the template's example: a little short of the target (or 1 of a count)."""
        if self.value_kind == "count":
            return 1
        target = self.example_target(ctx)
        if ctx.percent:
            return round(min(PERCENT_MAX, max(0.0, target - 0.02 if ctx.higher else target + 0.02)), 4)
        return round(target * 0.9 if ctx.higher else target * 1.25, 2)

    def example_target(self, ctx: Context) -> float:
        """The target of the template's example: the scheme's, else a plausible one (a person's own)."""
        if ctx.target is not None and not isinstance(ctx.target, np.ndarray):
            return ctx.target
        return 0.9 if ctx.percent else 10.0

    def score(self, a: pd.Series, ctx: Context) -> pd.Series:
        raise NotImplementedError

    def needed(self, a: pd.Series, want: np.ndarray, ctx: Context) -> pd.Series:
        """The actual each row would need for its score (before rounding and rescaling) to reach `want`,
        nearest to `a` in the better direction; blank where no actual in the rule's range does. Each rule
        inverts its own score."""
        raise NotImplementedError

    def gap_kind(self) -> str:
        """How the way to the next grade says the actual: the next label, or a number to its step (a count
        whole)."""
        return "label" if self.labels() is not None else "count" if self.value_kind == "count" else "number"

    def better_higher(self, ctx: Context) -> bool:
        """Whether a higher actual scores more: a count of complaints scores more the fewer there are."""
        return ctx.higher and self.value_kind != "count"

    def words(self, a: pd.Series, ctx: Context) -> pd.Series:
        """The calculation for each A, without its result: `15 × 88% ÷ 90%`."""
        raise NotImplementedError

    def describe(self, ctx: Context) -> str:
        raise NotImplementedError


class _Scaled(_Rule):
    """A rule a table writes in its own points (满分10分, on an item weighted 4.25): worked out of `out_of`,
    then scaled to the weight. A subclass works in `own_*` methods, on a context whose weight is its own."""

    out_of: Number | None = Field(default=None, gt=0)
    #: 低于60分不得分: a score below this, in the rule's own points, is 0
    zero_below: Number | None = Field(default=None, gt=0)

    def own(self, ctx: Context) -> Context:
        """The context in the table's own points: its full marks the weight."""
        return replace(ctx, weight=float(self.out_of)) if self.out_of else ctx

    def _factor(self, weight: float) -> float:
        return weight / self.out_of if self.out_of else 1.0

    def own_max(self, weight: float) -> float:
        return weight

    def max_points(self, weight: float) -> float:
        return self.own_max(self.out_of or weight) * self._factor(weight)

    def problems(self, weight: float | None, target: Quantity | None, higher: bool, extra: float = 0.0
                 ) -> Iterator[Problem]:
        yield from super().problems(weight, target, higher, extra)
        yield from self._cliff(weight)

    def _cliff(self, weight: float | None) -> Iterator[Problem]:
        """A cliff no score stays above (低于120分不得分 of 100) gives every score 0."""
        full = self.out_of or weight
        if self.zero_below is not None and full is not None and self.zero_below > self.own_max(full):
            said = {"below": one(self.zero_below), "full": one(self.own_max(full))}
            yield Problem("zero_below_over", said, ("rule", "zero_below"))

    def own_score(self, a: pd.Series, ctx: Context) -> pd.Series:
        raise NotImplementedError

    def own_needed(self, a: pd.Series, want: np.ndarray, ctx: Context) -> pd.Series:
        raise NotImplementedError

    def own_words(self, a: pd.Series, ctx: Context) -> pd.Series:
        raise NotImplementedError

    def own_describe(self, ctx: Context) -> str:
        raise NotImplementedError

    def _below(self, own: pd.Series) -> pd.Series:
        """Where the own score is below `zero_below` (低于60分不得分), and so 0."""
        return own < self.zero_below if self.zero_below is not None else pd.Series(False, index=own.index)

    def score(self, a: pd.Series, ctx: Context) -> pd.Series:
        own = self.own_score(a, self.own(ctx))  # as it is where nothing is scaled: a million rows, no copy
        if self.zero_below is not None:
            own = own.where(~self._below(own), 0.0)
        return own * self._factor(ctx.weight) if self.out_of else own

    def needed(self, a: pd.Series, want: np.ndarray, ctx: Context) -> pd.Series:
        """The actual the own points need for `want` of the weight's points (no fewer than `zero_below`,
        below which there are none)."""
        factor = self._factor(ctx.weight)
        if not factor:
            return pd.Series(np.nan, index=a.index)
        want = np.asarray(want, dtype=float) / factor
        if self.zero_below is not None:
            want = np.where(want > 1e-9, np.maximum(want, self.zero_below), want)
        return self.own_needed(a, want, self.own(ctx))

    def words(self, a: pd.Series, ctx: Context) -> pd.Series:
        own = self.own(ctx)
        text = self.own_words(a, own)
        if self.out_of:
            text = "(" + text + f") × {one(ctx.weight)} ÷ {one(self.out_of)}"
        if self.zero_below is None:
            return text
        below = self._below(self.own_score(a, own))
        return text.where(~below, self.own_words(a, own) + f" < {one(self.zero_below)}: 0")

    def describe(self, ctx: Context) -> str:
        text = self.own_describe(self.own(ctx))
        if self.zero_below is not None:
            text += ctx.say("zero_below", n=one(self.zero_below))
        return text if not self.out_of else text + ctx.say("out_of", n=one(self.out_of), w=one(ctx.weight))


def _a(a: pd.Series, ctx: Context) -> pd.Series:
    return fmt_plain(a, ctx.percent)


def _over(points: float, weight: float, extra: float, loc: tuple[str, ...]) -> Problem:
    """More points than the weight holds, and than the extra the indicator may give beyond it."""
    said = {"points": one(points), "weight": one(weight), "extra": one(extra)}
    return Problem("points_over_extra" if extra else "points_over_weight", said, loc)


def _within_rate(needed: pd.Series, ctx: Context) -> pd.Series:
    """A needed actual of a rate where higher is better goes no further than 100% (blank beyond it)."""
    return needed.where(needed <= 1.0 + 1e-12) if ctx.percent and ctx.higher else needed


class Ratio(_Scaled):
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
        return _within_rate(pd.Series(np.where(reach & np.isfinite(x), x, np.nan), index=a.index), ctx)

    def own_words(self, a: pd.Series, ctx: Context) -> pd.Series:
        w, t = one(ctx.weight), ctx.target_text(a)
        base = f"{w} × " + (_a(a, ctx) + " ÷ " + t if ctx.higher else t + " ÷ " + _a(a, ctx))
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


class Deduct(_Scaled):
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
        if own is not None and self.floor > own:
            yield Problem("floor_over_weight", {"floor": one(self.floor), "weight": one(own)}, ("rule", "floor"))
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
        return _within_rate(pd.Series(np.where(reach & np.isfinite(x), x, np.nan), index=a.index), ctx)

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


class Count(_Scaled):
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
        text = f"{one(ctx.weight)} − {one(self.points)} × max(0, " + _a(a, ctx) + f" − {one(self.allow)})"
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
        head = _a(a, ctx) + f" ∈ {self.when.text}: " if self.when.bounded else _a(a, ctx) + f" {self.when.text}: "
        if not isinstance(self.score, tuple):
            return head + one(self.score)
        s1, s2 = (one(x) for x in self.score)
        lo, hi = ctx.num(self.when.lo), ctx.num(self.when.hi)
        return head + f"{s1} + ({s2} − {s1}) × (" + _a(a, ctx) + f" − {lo}) ÷ ({hi} − {lo})"

    def describe(self) -> str:
        score = "–".join(one(x) for x in self.score) if isinstance(self.score, tuple) else one(self.score)
        return f"{self.when.text}: {score}"


class Bands(_Scaled):
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
        return _within_rate(pd.Series(best, index=a.index), ctx)

    def own_words(self, a: pd.Series, ctx: Context) -> pd.Series:
        which = self._which(a)
        text = _a(a, ctx) + ctx.say("bands_none", otherwise=one(self.otherwise))
        for i, band in enumerate(self.bands):
            text = text.where(which != i, band.words(a, ctx))
        return text

    def own_describe(self, ctx: Context) -> str:
        parts = [b.describe() for b in self.bands]
        parts.append(ctx.say("bands_otherwise", otherwise=one(self.otherwise)))
        return ctx.say("list_sep").join(parts)


class Clause(BaseModel):
    """One clause of an item made of clauses: its own count column (its name, unless `column`) and its points
    off: each occurrence beyond `allow` (每次扣2分), each one short of `short_of` (少一次扣2分), once where the
    count lies in `when` (请假2天(含)以上扣10分), at most `max_off` (最高扣3分); or `forfeit`: one occurrence
    takes the whole item (发生一起全扣)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    column: str | None = None
    points: Number | None = Field(None, ge=0)
    allow: Number = Field(0, ge=0)
    short_of: Number | None = Field(None, gt=0)
    when: Annotated[Interval | None, PlainValidator(Interval.parse), PlainSerializer(
        lambda i: i.text if i else None, return_type=str | None)] = None
    max_off: Number | None = Field(None, ge=0)
    forfeit: bool = False

    @model_validator(mode="after")
    def _one_way(self) -> Clause:
        ways = [self.allow > 0, self.short_of is not None, self.when is not None]
        if self.forfeit and (self.points is not None or any(ways) or self.max_off is not None):
            raise PydanticCustomError("clause_forfeit", "a forfeit clause takes the whole item: give it no points, "
                                      "allow, short_of, when or max_off")
        if not self.forfeit and self.points is None:
            raise PydanticCustomError("clause_points", "clause {name} needs its points (or forfeit: true)",
                                      {"name": self.name})
        if sum(ways) > 1:
            raise PydanticCustomError("clause_ways", "clause {name} counts one way: allow, short_of or when",
                                      {"name": self.name})
        return self

    @property
    def heading(self) -> str:
        return self.column or self.name

    def steps(self, n: pd.Series) -> pd.Series:
        """How many times the clause's points are taken: occurrences beyond `allow`, ones short of `short_of`,
        once where `when` holds."""
        if self.when is not None:
            return self.when.contains(n).astype(float)
        if self.short_of is not None:
            return (self.short_of - n).clip(lower=0)
        return (n - self.allow).clip(lower=0)

    def off(self, n: pd.Series) -> pd.Series:
        """The points the clause takes off (a forfeit clause: none of its own, see `Clauses.actual`)."""
        if self.forfeit:
            return pd.Series(0.0, index=n.index)
        taken = float(self.points or 0) * self.steps(n)
        return taken.clip(upper=self.max_off) if self.max_off is not None else taken

    def example(self, met: bool) -> float:
        """A count that meets the clause once (`met`), or not at all."""
        if self.when is not None:
            inside = self.when.lo if self.when.lo_closed else math.floor(self.when.lo) + 1
            return float(inside) if met and math.isfinite(inside) and inside >= 0 else 0.0
        if self.short_of is not None:
            return float(max(math.ceil(self.short_of) - met, 0))
        return self.allow + met

    def words(self, n: pd.Series) -> pd.Series:
        """This clause's part of the calculation: `5 × 1`, `2 × (15 − 12)`, `min(1 × 5, 3)`, `10`."""
        pts = one(float(self.points or 0))
        if self.when is not None:
            text = pd.Series(pts, index=n.index)
        elif self.short_of is not None:
            text = f"{pts} × ({one(self.short_of)} − " + fmt_plain(n) + ")"
        elif self.allow:
            text = f"{pts} × (" + fmt_plain(n) + f" − {one(self.allow)})"
        else:
            text = f"{pts} × " + fmt_plain(n)
        text = self.name + " " + text
        if self.max_off is not None:
            capped = float(self.points or 0) * self.steps(n) > self.max_off
            text = text.where(~capped, "min(" + text + f", {one(self.max_off)})")
        return text

    def describe(self, ctx: Context) -> str:
        pts, name = one(float(self.points or 0)), self.name
        if self.forfeit:
            return ctx.say("clause_forfeits", name=name)
        if self.when is not None:
            text = ctx.say("clause_when", name=name, when=self.when.text, pts=pts)
        elif self.short_of is not None:
            text = ctx.say("clause_short", name=name, of=one(self.short_of), pts=pts)
        elif self.allow:
            text = ctx.say("clause_beyond", name=name, allow=one(self.allow), pts=pts)
        else:
            text = ctx.say("clause_each", name=name, pts=pts)
        return text + ctx.say("max_off", max=one(self.max_off)) if self.max_off is not None else text


class Clauses(_Scaled):
    """分项扣分: an item whose cell lists several kinds of incident, each with its own count and points, all
    taken from the item's points: at most `max_off` in all (最高扣10分), down to `floor` (扣完为止: 0; 最低扣至
    -10分: -10). The actual is the points taken off; the words show each clause."""

    type: Literal["clauses"] = "clauses"
    clauses: list[Clause] = Field(min_length=1)
    max_off: Number | None = Field(None, ge=0)
    floor: Number = 0
    value_kind: ClassVar[str] = "count"
    whole: ClassVar[bool] = True

    @model_validator(mode="after")
    def _distinct(self) -> Clauses:
        headings = [label_key(c.heading) for c in self.clauses]
        if len(set(headings)) < len(headings):
            raise PydanticCustomError("clause_duplicate", "two clauses read the same column")
        return self

    def problems(self, weight: float | None, target: Quantity | None, higher: bool, extra: float = 0.0
                 ) -> Iterator[Problem]:
        yield from super().problems(weight, target, higher, extra)
        own = self.out_of or weight
        if own is not None and self.floor > own:
            yield Problem("floor_over_weight", {"floor": one(self.floor), "weight": one(own)}, ("rule", "floor"))

    def inputs(self, column: str) -> list[str]:
        return [c.heading for c in self.clauses]

    def carried(self) -> list[str]:
        return self.inputs("")

    def actual_suffix(self) -> str | None:
        return "points_off_suffix"

    def actual(self, values: pd.DataFrame, ctx: Context) -> pd.Series:
        """The points taken off: each clause's, at most `max_off` in all; a forfeit clause that happened
        takes at least the whole item."""
        counts = [values.iloc[:, i].fillna(0) for i in range(len(self.clauses))]
        off = sum((c.off(n) for c, n in zip(self.clauses, counts, strict=True)), pd.Series(0.0, index=values.index))
        if self.max_off is not None:
            off = off.clip(upper=self.max_off)
        for c, n in zip(self.clauses, counts, strict=True):
            if c.forfeit:
                off = off.where(~(n > 0), np.maximum(off, self.own(ctx).weight))
        return off

    def example(self, ctx: Context) -> Any:
        """The first clause met once, the others not at all."""
        return {c.heading: c.example(i == 0) for i, c in enumerate(self.clauses)}

    def own_score(self, a: pd.Series, ctx: Context) -> pd.Series:
        return (ctx.weight - a).clip(lower=self.floor)

    def own_needed(self, a: pd.Series, want: np.ndarray, ctx: Context) -> pd.Series:
        """W − off = want → off = W − want: the most points the clauses may take, none fewer than none."""
        x = ctx.weight - want
        return pd.Series(np.where(x >= -1e-9, np.maximum(x, 0), np.nan), index=a.index)

    def own_words(self, a: pd.Series, ctx: Context) -> pd.Series:
        if ctx.inputs is None:
            raise TypeError("a clauses rule is put into words with its clauses' counts (Context.inputs)")
        w = one(ctx.weight)
        counts = [ctx.inputs.iloc[:, i].fillna(0) for i in range(len(self.clauses))]
        terms = pd.Series("", index=a.index)
        for c, n in zip(self.clauses, counts, strict=True):
            if not c.forfeit:
                sep = terms.where(terms == "", terms + " + ")
                terms = (sep + c.words(n)).where(c.off(n) > 0, terms)
        several = terms.str.contains(" + ", regex=False)
        if self.max_off is not None:
            capped = sum((c.off(n) for c, n in zip(self.clauses, counts, strict=True)), 0.0) > self.max_off
            text = f"{w} − min(" + terms + f", {one(self.max_off)})"
            text = text.where(capped, f"{w} − (" + terms + ")").where(capped | several, f"{w} − " + terms)
        else:
            text = (f"{w} − " + terms).where(~several, f"{w} − (" + terms + ")")
        text = text.where(terms != "", w)
        floored = ctx.weight - a < self.floor
        text = text.where(~floored, f"max({one(self.floor)}, " + text + ")")
        for c, n in zip(self.clauses, counts, strict=True):
            if c.forfeit:
                text = text.where(~(n > 0), c.name + " " + fmt_plain(n) + ": " + ctx.say("forfeited"))
        return text

    def own_describe(self, ctx: Context) -> str:
        text = ctx.say("list_sep").join(c.describe(ctx) for c in self.clauses)
        if self.max_off is not None:
            text += ctx.say("clauses_max", max=one(self.max_off))
        return text + (ctx.say("clauses_to_zero") if self.floor == 0 else ctx.say("floor_at", floor=one(self.floor)))


def _cased(words: tuple[str, ...]) -> tuple[str, ...]:
    """Words as cells write them, folded (`label_key`) but for case: yes, Yes and YES."""
    return tuple(dict.fromkeys(v for w in words for v in (w, w.upper(), w.title())))


#: what a checklist's cell says of its requirement: met, or not met
MET = _cased(("是", "满足", "符合", "达到", "达标", "合格", "完成", "通过", "✓", "√", "☑", "y", "yes", "true", "1"))
UNMET = _cased(("否", "未满足", "不满足", "不符合", "未达到", "未达标", "不合格", "未完成", "不通过", "✗", "×", "☒",
                "x", "n", "no", "false", "0"))


class Checklist(_Scaled):
    """清单: named requirements, each a column saying met or not (是/否, ✓/✗), and `points` off for each one
    not met (任一项没有满足扣10分), down to 0. The actual is how many are not met."""

    type: Literal["checklist"] = "checklist"
    items: list[str] = Field(min_length=1)
    points: Number = Field(ge=0)
    value_kind: ClassVar[str] = "label"

    @model_validator(mode="after")
    def _distinct(self) -> Checklist:
        keys = [label_key(i) for i in self.items]
        if len(set(keys)) < len(keys):
            raise PydanticCustomError("checklist_duplicate", "a requirement is listed twice")
        return self

    def inputs(self, column: str) -> list[str]:
        return list(self.items)

    def carried(self) -> list[str]:
        return list(self.items)

    def actual_suffix(self) -> str | None:
        return "unmet_suffix"

    def labels(self) -> dict[str, float] | None:
        return {**dict.fromkeys(MET, 1.0), **dict.fromkeys(UNMET, 0.0)}

    def shown_labels(self) -> list[str]:
        return ["✓", "✗", "是", "否"]

    def gap_kind(self) -> str:
        return "count"

    def better_higher(self, ctx: Context) -> bool:
        return False

    def actual(self, values: pd.DataFrame, ctx: Context) -> pd.Series:
        """How many requirements are not met; blank where one of them is blank."""
        unmet = values.isin(UNMET).sum(axis=1).astype(float)
        return unmet.where(values.notna().all(axis=1))

    def cell(self, ctx: Context) -> Cell:
        return Cell("label", "hint_check", {"validate": "list", "source": ["✓", "✗"]})

    def example(self, ctx: Context) -> Any:
        """The first requirement not met, the others met."""
        return {item: "✗" if i == 0 else "✓" for i, item in enumerate(self.items)}

    def own_score(self, a: pd.Series, ctx: Context) -> pd.Series:
        return (ctx.weight - self.points * a).clip(lower=0)

    def own_needed(self, a: pd.Series, want: np.ndarray, ctx: Context) -> pd.Series:
        """W − P × unmet = want → at most (W − want) ÷ P requirements not met, a whole number."""
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.floor(snap((ctx.weight - want) / self.points)) if self.points else np.full(len(a), np.inf)
        return pd.Series(np.where(want <= ctx.weight + 1e-9, np.maximum(x, 0), np.nan), index=a.index)

    def own_words(self, a: pd.Series, ctx: Context) -> pd.Series:
        """`30 − 10 × 1（未满足：3个工作日内解决）`."""
        if ctx.inputs is None:
            raise TypeError("a checklist is put into words with its requirements' cells (Context.inputs)")
        unmet = ctx.inputs.isin(UNMET).to_numpy()
        names = pd.Series("", index=a.index)
        for i, item in enumerate(self.items):
            sep = names.where(names == "", names + ctx.say("enum_sep"))
            names = names.where(~unmet[:, i], sep + item)
        text = f"{one(ctx.weight)} − {one(self.points)} × " + fmt_plain(a)
        text = text.where(ctx.weight - self.points * a >= 0, "max(0, " + text + ")")
        said = names.map(lambda n: ctx.say("aside", text=ctx.say("checklist_unmet", items=n)) if n else "")
        return text + said

    def own_describe(self, ctx: Context) -> str:
        return ctx.say("checklist", items=ctx.say("enum_sep").join(self.items), pts=one(self.points))


class Threshold(_Rule):
    """非此即彼法: full weight when A meets the target, else `fail`."""

    type: Literal["threshold"] = "threshold"
    fail: Points = 0
    needs_target: ClassVar[bool] = True

    def problems(self, weight: float | None, target: Quantity | None, higher: bool, extra: float = 0.0
                 ) -> Iterator[Problem]:
        yield from super().problems(weight, target, higher, extra)
        if weight is not None and self.fail > weight + extra:
            yield _over(self.fail, weight, extra, ("rule", "fail"))

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
        good = _a(a, ctx) + f" {ok} " + t + f": {one(ctx.weight)}"
        return good.where(meets, _a(a, ctx) + f" {bad} " + t + f": {one(self.fail)}")

    def describe(self, ctx: Context) -> str:
        t, w, f = ctx.num(ctx.target), one(ctx.weight), one(self.fail)  # type: ignore[arg-type]
        cmp = "≥" if ctx.higher else "≤"
        return ctx.say("threshold", cmp=cmp, t=t, w=w, f=f)


class Mapping(_Rule):
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


class Rating(_Rule):
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


class _Adjustment(_Rule):
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
        text = f"{one(self.points)} × " + _a(a, ctx)
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


class Veto(_Rule):
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
        vetoed = _a(a, ctx) + f" > {one(self.allow)}: " + said
        return vetoed.where(a > self.allow, _a(a, ctx) + f" ≤ {one(self.allow)}: " + ctx.say("not_vetoed"))

    def describe(self, ctx: Context) -> str:
        if self.effect == "ceiling":  # no veto of the score: a grade it may not pass (不能评为优秀)
            return ctx.say("veto_ceiling", allow=one(self.allow), grade=str(self.grade))
        effect = ctx.say("veto_" + self.effect, grade=str(self.grade))
        return ctx.say("veto", allow=one(self.allow), effect=effect)


WeightedRule = Annotated[Ratio | Deduct | Count | Clauses | Checklist | Bands | Threshold | Mapping | Rating,
                         Field(discriminator="type")]
AdjustmentRule = Annotated[Bonus | Penalty | Veto, Field(discriminator="type")]

#: every rule type by name, for messages and `kpiscore schemes`.
RULES: dict[str, type[_Rule]] = {
    cls.model_fields["type"].default: cls
    for cls in (Ratio, Deduct, Count, Clauses, Checklist, Bands, Threshold, Mapping, Rating, Bonus, Penalty, Veto)
}
