"""What every rule is made of: the context it scores in (`Context`), how its input cell is typed (`Cell`), a
problem of its parameters (`Problem`), and the two bases — `Rule`, and `Scaled` for the rules a table writes in
its own points (满分10分) and may cut off below a cliff (低于60分不得分).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

from .quantities import Number
from .say import Say
from .values import PERCENT_MAX, Quantity, fmt_plain, one

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


class Rule(BaseModel):
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
        """The input columns the rule reads; one, except for `rating` (its raters), `clauses` and `checklist`."""
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
                yield over_weight(top, weight, extra, ("rule",))

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

    def cell_of(self, column: str, ctx: Context) -> Cell:
        """How one of the rule's input columns is typed, where they differ (a clause of days beside counts)."""
        return self.cell(ctx)

    def whole_input(self, column: str) -> bool:
        """Whether one of the rule's input columns holds whole counts, so that 2.5 is an error."""
        return self.whole

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


class Scaled(Rule):
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
        said = self.own_words(a, own)
        text = "(" + said + f") × {one(ctx.weight)} ÷ {one(self.out_of)}" if self.out_of else said
        if self.zero_below is None:
            return text
        below = self._below(self.own_score(a, own))
        return text.where(~below, said + f" < {one(self.zero_below)}: 0")

    def describe(self, ctx: Context) -> str:
        text = self.own_describe(self.own(ctx))
        if self.zero_below is not None:
            text += ctx.say("zero_below", n=one(self.zero_below))
        return text if not self.out_of else text + ctx.say("out_of", n=one(self.out_of), w=one(ctx.weight))


def written(a: pd.Series, ctx: Context) -> pd.Series:
    """The actuals as the indicator types them: 88% for a percent indicator."""
    return fmt_plain(a, ctx.percent)


def floor_over(floor: float, full: float | None) -> Iterator[Problem]:
    """A floor above the full marks (the weight, or the table's own `out_of`) leaves no score to lose."""
    if full is not None and floor > full:
        yield Problem("floor_over_weight", {"floor": one(floor), "weight": one(full)}, ("rule", "floor"))


def over_weight(points: float, weight: float, extra: float, loc: tuple[str, ...]) -> Problem:
    """More points than the weight holds, and than the extra the indicator may give beyond it."""
    said = {"points": one(points), "weight": one(weight), "extra": one(extra)}
    return Problem("points_over_extra" if extra else "points_over_weight", said, loc)


def within_rate(needed: pd.Series, ctx: Context) -> pd.Series:
    """A needed actual of a rate where higher is better goes no further than 100% (blank beyond it)."""
    return needed.where(needed <= 1.0 + 1e-12) if ctx.percent and ctx.higher else needed
