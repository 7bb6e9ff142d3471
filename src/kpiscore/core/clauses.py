"""Items made of several requirements: `clauses` (分项扣分: each kind of incident its own count and points, all
taken from the item) and `checklist` (清单: named requirements met or not). Each owns its parameters, checks,
score, inverse, words, description and template cell, as every rule does.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .quantities import Interval, Number
from .rulebase import Cell, Context, Problem, Scaled, floor_over
from .values import Quantity, fmt_plain, label_key, one, snap

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    from .lazy import np, pd


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


class Clauses(Scaled):
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
        yield from floor_over(self.floor, self.out_of or weight)

    def inputs(self, column: str) -> list[str]:
        return [c.heading for c in self.clauses]

    def carried(self) -> list[str]:
        return self.inputs("")

    def actual_suffix(self) -> str | None:
        return "points_off_suffix"

    def _clause(self, column: str) -> Clause | None:
        return next((c for c in self.clauses if c.heading == column), None)

    def cell_of(self, column: str, ctx: Context) -> Cell:
        """A clause counted once `when` its value lies in an interval reads a number (1.5 days of leave)."""
        clause = self._clause(column)
        if clause is not None and clause.when is not None:
            return Cell("number", "hint_number", {"validate": "decimal", "criteria": ">=", "value": 0}, {"unit": ""})
        return self.cell(ctx)

    def whole_input(self, column: str) -> bool:
        clause = self._clause(column)
        return clause is None or clause.when is None

    def _counts(self, values: pd.DataFrame) -> list[pd.Series]:
        """Each clause's count, in clause order (a blank is none)."""
        return [values.iloc[:, i].fillna(0) for i in range(len(self.clauses))]

    def _taken(self, counts: list[pd.Series]) -> pd.Series:
        """The points the clauses take, each within its own cap, before the item's."""
        return sum((c.off(n) for c, n in zip(self.clauses, counts, strict=True)), pd.Series(0.0, index=counts[0].index))

    def actual(self, values: pd.DataFrame, ctx: Context) -> pd.Series:
        """The points taken off: each clause's, at most `max_off` in all; a forfeit clause that happened
        takes at least the whole item."""
        counts = self._counts(values)
        off = self._taken(counts)
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
        counts = self._counts(ctx.inputs)
        terms = pd.Series("", index=a.index)
        for c, n in zip(self.clauses, counts, strict=True):
            if not c.forfeit:
                sep = terms.where(terms == "", terms + " + ")
                terms = (sep + c.words(n)).where(c.off(n) > 0, terms)
        several = terms.str.contains(" + ", regex=False)
        if self.max_off is not None:
            capped = self._taken(counts) > self.max_off
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


class Checklist(Scaled):
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
