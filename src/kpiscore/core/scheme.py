"""The scheme: pydantic models of the YAML format, its cross-field checks, and loading with line numbers.

Structure (types, unknown keys, rule parameters) is pydantic's job; the checks that span fields (weights
sum to the total, grades in order, points within the weight) run here on every part that validated, so a
user sees all problems of a scheme at once, each at its YAML line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..errors import Finding
from .document import YamlDoc
from .measures import Measure, SourceSpec, Targets
from .payout import Payout
from .quantities import Number, Value
from .rulebase import COUNT_CELL, Cell, Context
from .rules import AdjustmentRule, Rating, Ratio, WeightedRule
from .say import Say
from .values import NOT_APPLICABLE, as_label, fold, mark_spellings, round_half_up, row_sum

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    from .lazy import np, pd

Missing = Literal["error", "zero", "skip"]


def _rule_shorthand(value: Any) -> Any:
    """`rule: ratio` is short for `rule: {type: ratio}`."""
    return {"type": value} if isinstance(value, str) else value


@dataclass(frozen=True)
class SchemeSource:
    """Where a scheme was read from, for provenance."""

    path: str
    sha256: str


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Columns(Model):
    """Names of the input's identity columns."""

    id: str = "工号"
    name: str = "姓名"
    group: str | None = "部门"
    base: str | None = None


class Participation(Model):
    """Who is not assessed this round (试用期, 停薪留职, 离职): a row whose `column` holds one of `exclude` is
    not scored, ranked or counted in any n, headcount or mean, and is listed with its reason."""

    column: str
    exclude: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)

    def excluded(self, statuses: pd.Series) -> pd.Series:
        """Which statuses (text, blanks NaN) name a reason not to assess: compared NFKC-folded and trimmed,
        so a 试用期 typed with a full-width space after it still matches."""
        reasons = {fold(x) for x in self.exclude}
        return statuses.map(fold, na_action="ignore").isin(reasons)


class Grade(Model):
    """A grade reached from `min` (inclusive), with an optional 绩效系数 and forced-distribution quota."""

    grade: str
    min: Number
    coefficient: Number | None = Field(None, ge=0)
    max_share: Value | None = None
    #: the bottom quota (末位): at least this share of a scope at this grade or below
    min_share: Value | None = None


class Quota(Model):
    """How the grades' shares become places: `floor(2 × 20%) = 0` leaves a team of two without 优秀, so the
    rounding is the scheme's; quotas count everyone or each group (2-7-1 per unit), scopes smaller than
    `min_size` are left as they are, and a bottom quota is enforced or only warned of."""

    rounding: Literal["floor", "round", "ceil"] = "floor"
    scope: Literal["all", "group"] = "all"
    min_size: Annotated[int, Field(ge=0)] = 0
    min_mode: Literal["enforce", "warn"] = "enforce"


class CountsRatio(Model):
    """`actual: {ratio: [准时提交次数, 应提交次数]}`: the actual is one count over another, a percent (报告提交次数 /
    应当提交报告总次数 × 100%), read from two count columns instead of typed by hand."""

    ratio: tuple[str, str]

    def of(self, counts: pd.DataFrame) -> pd.Series:
        """first ÷ second, blank where either is blank or the second is 0: then the indicator does not apply
        to that person, and the missing policy decides."""
        first, second = counts.iloc[:, 0], counts.iloc[:, 1]
        return (first / second.where(second > 0)).astype(float)


class _Item(Model):
    """What weighted indicators and adjustments share: a name, an input column, a unit."""

    name: str
    column: str | None = None
    actual: CountsRatio | None = None
    #: a column of personal targets, in the indicator's unit; a blank one falls back to `target`
    target_column: str | None = None
    target: Value | None = None
    direction: Literal["higher", "lower"] = "higher"
    unit: str | None = None
    description: str | None = None
    missing: Missing | None = None
    if TYPE_CHECKING:  # each subclass declares its own kind of rule
        rule: Any

    @property
    def percent(self) -> bool:
        """A percent indicator: `unit: "%"`, or no unit and a target/parameter written with `%`.
        Labels and ratings are never percents, whatever their target says."""
        if self.rule.value_kind in ("label", "rating"):
            return False
        if self.unit is not None:
            return fold(self.unit) == "%"
        return self.actual is not None or bool(self.target and self.target.percent) or self.rule.percent_hint()

    @property
    def inputs(self) -> list[str]:
        return list(self.actual.ratio) if self.actual else self.rule.inputs(self.column or self.name)

    def target_text(self, say: Say) -> str:
        """The target as a table of the scheme shows it: 95%, with the column of personal targets where there
        is one."""
        if not self.target_column:
            return self.target.text if self.target else ""
        personal = say("personal_column", column=self.target_column)
        return self.target.text + say("aside", text=personal) if self.target else personal

    def value(self, inputs: pd.DataFrame) -> pd.Series:
        """The actual A from the item's typed input columns: its counts' ratio, or as its rule reads them."""
        return self.actual.of(inputs) if self.actual else self.rule.actual(inputs, self.context())

    def cell(self, column: str | None = None) -> Cell:
        """How the item's input cells (or its `column`'s) are typed in the template: a count of a ratio, or as
        its rule asks."""
        if self.actual:
            return COUNT_CELL
        return self.rule.cell_of(column, self.context()) if column else self.rule.cell(self.context())

    def context(self, voice: Say | None = None) -> Context:
        """What the rule needs to score the item, and with a `voice` to put it into words."""
        weight = getattr(self, "weight", 0.0)
        target = self.target.value if self.target else None
        return Context(weight, target, self.direction == "higher", self.percent, self.unit, voice)


class Indicator(_Item):
    """A weighted indicator of a dimension."""

    weight: Number = Field(ge=0)
    rule: Annotated[WeightedRule, BeforeValidator(_rule_shorthand)] = Field(default_factory=Ratio)
    #: the most points the indicator may give beyond its weight, where the table grants them (超出满分加分)
    extra: Number | None = Field(None, gt=0)


class Ranked(Model):
    """`rank: {first: 3}`, `rank: {of: 销售额, within: group, last: 1}`: an adjustment counted 1 for those ranked
    among the first (or the last) N, by an indicator's score or, without `of`, by the total of the weighted
    scores (考核排名: before bonus and penalty), in the round or within each group; ties rank alike (1, 2, 2, 4),
    so two tied at the cut are both in."""

    of: str | None = None
    within: Literal["all", "group"] = "all"
    first: int | None = Field(None, ge=1)
    last: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _first_or_last(self) -> Ranked:
        if (self.first is None) == (self.last is None):
            raise PydanticCustomError("rank_first_or_last", "give first or last: how many of the top or bottom")
        return self

    def hit(self, by: pd.Series, group: pd.Series | None) -> pd.Series:
        """1 for the rows ranked among the first or last N of `by` (in each group, where `within: group`)."""
        ascending = self.last is not None  # the last are ranked from the bottom: the lowest is 1
        keys = group if self.within == "group" and group is not None else None
        rank = by.groupby(keys, dropna=True).rank(method="min", ascending=ascending) if keys is not None else (
            by.rank(method="min", ascending=ascending))
        return (rank <= (self.last if self.last is not None else self.first)).astype(float)


class Adjustment(_Item):
    """A bonus, penalty or veto item: no weight, and a blank cell counts as 0."""

    rule: Annotated[AdjustmentRule, BeforeValidator(_rule_shorthand)]
    #: counted from a rank among peers instead of read from a column (排名最后扣5分)
    rank: Ranked | None = None

    @property
    def inputs(self) -> list[str]:
        return [] if self.rank is not None else super().inputs


class Dimension(Model):
    name: str
    #: the dimension's weight where its table weights dimensions (能力指标 85%): its indicators' weights are
    #: then their shares of it, and are read as their part of the total (see `checks.within_dimensions`)
    weight: Value | None = None
    #: 最高扣至该维度0分: the subtotal goes no lower, however far its indicators' deductions go
    floor: Number | None = None
    indicators: list[Indicator] = Field(min_length=1)

    def subtotal(self, scores: pd.DataFrame, decimals: int) -> pd.Series:
        """The sum of its indicators' rounded scores (as Excel's SUM adds them), rounded; blank where none
        applies."""
        names = [i.name for i in self.indicators]
        return pd.Series(round_half_up(row_sum(scores, names, blank=np.nan), decimals), index=scores.index)

    def lift(self, subtotal: pd.Series) -> pd.Series:
        """What the floor adds to a subtotal below it (0 elsewhere, and without a floor)."""
        if self.floor is None:
            return pd.Series(0.0, index=subtotal.index)
        return (self.floor - subtotal).clip(lower=0).fillna(0.0)


#: the prefix of a personal target's column in the typed frame when it comes from the targets source
TARGETS = "\x00target "


class Scheme(Model):
    """An indicator scheme; build one with :func:`load_scheme`, which also runs the cross-field checks."""

    name: str
    period: str | None = None
    language: Literal["zh", "en"] = "zh"
    total: Number = Field(100, gt=0)
    decimals: int = Field(2, ge=0, le=10)
    columns: Columns = Field(default_factory=Columns)
    missing: Missing = "error"
    #: more marks that mean "does not apply" in a cell, besides / — - 无 不适用 N/A
    not_applicable: list[str] = Field(default_factory=list)
    grades: list[Grade] = Field(min_length=1)
    dimensions: list[Dimension] = Field(min_length=1)
    adjustments: list[Adjustment] = Field(default_factory=list)
    participation: Participation | None = None
    quota: Quota = Field(default_factory=Quota)
    #: the extra files a round reads (system exports, personal targets), each given at run time
    sources: dict[str, SourceSpec] = Field(default_factory=dict)
    #: the inclusive range of days a source's `date` keeps (else the period label's)
    period_dates: tuple[str, str] | None = None
    #: input columns computed from a source's rows, by the column name indicators read them as
    measures: dict[str, Measure] = Field(default_factory=dict)
    targets: Targets | None = None
    #: how the coefficients become money (`columns.base` alone is short for `payout: {mode: base}`)
    payout: Payout | None = None

    _source: SchemeSource | None = PrivateAttr(default=None)
    _doc: YamlDoc | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        """A number period (2024) is the label "2024"."""
        if isinstance(data, dict):
            data = dict(data)
            if isinstance(data.get("period"), int | float) and not isinstance(data.get("period"), bool):
                data["period"] = as_label(data["period"])
        return data

    @property
    def indicators(self) -> list[Indicator]:
        return [ind for dim in self.dimensions for ind in dim.indicators]

    @property
    def items(self) -> list[Indicator | Adjustment]:
        return [*self.indicators, *self.adjustments]

    def item(self, name: str) -> Indicator | Adjustment:
        """The indicator or adjustment called `name` (names are unique)."""
        return next(i for i in self.items if i.name == name)

    @property
    def source(self) -> SchemeSource | None:
        """Where the scheme was read from, with the SHA-256 of its bytes (provenance)."""
        return self._source

    @property
    def content_hash(self) -> str:
        """SHA-256 of the scheme as applied (not of its file: comments and layout do not change it)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @property
    def pay(self) -> Payout | None:
        """The payout rule in effect: `payout:`, its base falling back to `columns.base`, or a base column
        alone."""
        if self.payout is None:
            return Payout(base=self.columns.base) if self.columns.base else None
        if self.payout.mode == "base" and self.payout.base is None and self.columns.base:
            return self.payout.model_copy(update={"base": self.columns.base})
        return self.payout

    def measure(self, column: str) -> Measure | None:
        """The measure an input column is computed by, if it is one."""
        key = fold(column)
        return next((m for name, m in self.measures.items() if fold(name) == key), None)

    def long_ratings(self, source: str | None = None) -> list[tuple[Indicator, Rating]]:
        """The ratings read one per row from a source (that `source`, or any), with their rules."""
        return [(i, i.rule) for i in self.indicators if isinstance(i.rule, Rating) and i.rule.source is not None
                and source in (None, i.rule.source)]

    def rating_from(self, column: str) -> tuple[Indicator, Rating] | None:
        """The long rating whose ratings a column holds, combined from its source's rows."""
        return next(((i, r) for i, r in self.long_ratings() if fold(i.inputs[0]) == fold(column)), None)

    def from_source(self, column: str) -> str | None:
        """The source an input column's values come from (a measure's, a long rating's), not typed by hand."""
        measure, rating = self.measure(column), self.rating_from(column)
        return measure.source if measure else rating[1].source if rating else None

    def target_key(self, item: Indicator | Adjustment) -> str | None:
        """The typed frame's column of the item's personal targets: its `target_column`, or its column of the
        scheme's targets source (`targets: {source: goals}`)."""
        if item.target_column:
            return fold(item.target_column)
        if self.targets is not None and item.rule.needs_target:
            return TARGETS + item.name
        return None

    def missing_policy(self, item: Indicator | Adjustment) -> Missing:
        return item.missing or self.missing

    def finding(self, code: str, params: dict[str, Any], loc: tuple[str | int, ...]) -> Finding:
        """A finding about a part of the scheme, at its YAML line where the scheme came from a file."""
        if self._doc is None:
            return Finding(code, params, field=".".join(map(str, loc)))
        return self._doc.finding(code, params, loc, tags=False)

    def locations(self) -> Iterator[tuple[tuple[str | int, ...], Indicator | Adjustment]]:
        """Every indicator and adjustment with its place in the scheme (`dimensions[0].indicators[1]`)."""
        for i, dim in enumerate(self.dimensions):
            for j, ind in enumerate(dim.indicators):
                yield ("dimensions", i, "indicators", j), ind
        for k, adj in enumerate(self.adjustments):
            yield ("adjustments", k), adj

    @property
    def not_applicable_marks(self) -> frozenset[str]:
        """Every spelling of a mark that counts as a blank cell (see `values.mark_spellings`)."""
        return mark_spellings([*NOT_APPLICABLE, *self.not_applicable])


# ---------------------------------------------------------------------------------------------------------
# cross-field checks, run on every part that validated on its own
