"""Sources and measures: actuals computed per employee from system exports (one row per call, chat, ticket
or survey answer) instead of by hand with pivot tables.

A measure is data, never an expression: an aggregation (`count`, `sum`, `mean`, `median`, `share`, `ratio`,
`nps`) of one source's column over the rows that meet a structured `where`. This module is the model: the
YAML, its checks, the period a source's dates keep, and what the sources gave a run (`Feeds`). How the rows
are aggregated is `query` (one streamed polars plan per source); the same measure as a warehouse's SQL is
`sql`; the words are `words.measures`. None knows files: `io.sources` hands the query a frame of text cells
and maps rows back to places.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

from ..errors import Finding
from .rulebase import Problem
from .say import Listed
from .values import NUMBER_LIMIT, fold

if TYPE_CHECKING:
    import pandas as pd
else:
    from .lazy import pd

Agg = Literal["count", "sum", "mean", "median", "share", "ratio", "nps"]
Op = Literal["<=", ">=", "<", ">", "==", "!=", "in"]
Scalar = StrictInt | StrictFloat | StrictStr
Condition = Scalar | list[Scalar] | dict[Op, Scalar | list[Scalar]]

#: the comparisons that order (numbers or days), by the polars method that does each
ORDER = {"<=": "le", ">=": "ge", "<": "lt", ">": "gt"}
#: how many `of` columns each aggregation reads
OF_COUNT = {"count": 0, "share": 0, "sum": 1, "mean": 1, "median": 1, "nps": 1, "ratio": 2}
#: a date as exports write it: 2024-01-03, 2024/1/3 10:22, 2024年1月3日, 2024-01-03T10:22:00
DATE = r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSpec(Model):
    """What a source holds: rows keyed by an employee `id` (or one row per `group`), and the `date` column
    that keeps the period's rows only."""

    id: str | None = None
    group: str | None = None
    date: str | None = None

    @property
    def key(self) -> str:
        """The column that names whose row it is, folded."""
        return fold(self.id or self.group or "")

    def problems(self) -> Iterator[Problem]:
        if (self.id is None) == (self.group is None):
            yield Problem("source_key", {}, ())


class Targets(Model):
    """`targets: {source: goals}`: a source whose column named after an indicator holds personal targets."""

    source: str


class Measure(Model):
    """One actual per employee, aggregated from a source's rows."""

    source: str
    agg: Agg
    of: str | list[str] | None = None
    where: dict[str, Condition] = Field(default_factory=dict)

    @property
    def percent(self) -> bool:
        """`share` and `ratio` are percents, held as fractions like every percent."""
        return self.agg in ("share", "ratio")

    @property
    def of_columns(self) -> list[str]:
        return [self.of] if isinstance(self.of, str) else list(self.of or [])

    def numbers(self) -> set[str]:
        """The columns read as numbers: `of`, and where-columns compared with a number."""
        out = {fold(c) for c in self.of_columns}
        for column, cond in self.where.items():
            if any(is_number(v) for v in _values(cond)):
                out.add(fold(column))
        return out

    def texts(self) -> set[str]:
        """The where-columns compared with text (folded), not with numbers or dates."""
        out = set()
        for column, cond in self.where.items():
            for op, value in operators(cond).items():
                if op not in ORDER and not all(is_number(v) for v in _values(value)):
                    out.add(fold(column))
        return out

    def columns(self) -> list[str]:
        """Every column of the source the measure reads, as written."""
        return [*self.of_columns, *self.where]

    def problems(self) -> Iterator[Problem]:
        """What is wrong with the measure by itself, below its own place in the scheme."""
        wanted, given = OF_COUNT[self.agg], len(self.of_columns)
        if given != wanted:
            yield Problem(f"measure_of_{wanted}", {"agg": self.agg}, ("of",))
        if self.agg == "share" and not self.where:
            yield Problem("measure_share_where", {}, ("agg",))
        for column, cond in self.where.items():
            ops = cond if isinstance(cond, dict) else {}
            if (isinstance(cond, dict | list) and not cond) or any(v == [] for v in ops.values()):
                yield Problem("where_empty", {"column": column}, ("where", column))
            if any(is_number(v) and not _bounded(v) for v in _values(cond)):
                said = {"column": column, "limit": f"{NUMBER_LIMIT:,.0f}"}
                yield Problem("where_number_range", said, ("where", column))
            for op, value in ops.items():
                if (op == "in") != isinstance(value, list):
                    yield Problem("where_in_list" if op == "in" else "where_one_value", {"op": op},
                                  ("where", column, op))
                elif op in ORDER and not (is_number(value) or day_of(value) is not None):
                    yield Problem("where_order_text", {"op": op, "value": value}, ("where", column, op))
            kinds = {is_number(v) for v in _values(cond)}
            if len(kinds) > 1:
                yield Problem("where_mixed", {"column": column}, ("where", column))

    def role_problems(self, spec: SourceSpec) -> Iterator[Problem]:
        """A column has one role: the source's id and date are not what is summed, nor compared as text."""
        keys = {fold(c): c for c in (spec.id, spec.group, spec.date) if c}
        for column in self.of_columns:
            if fold(column) in keys:
                yield Problem("measure_of_key", {"column": column}, ("of",))
        for column in self.where:
            if fold(column) == fold(spec.date or "\x00") and fold(column) in self.texts():
                yield Problem("where_date_text", {"column": column}, ("where", column))


def operators(cond: Condition) -> dict[Any, Any]:
    """A `where` entry by its operators: a value alone is `==`, a list `in`."""
    return dict(cond) if isinstance(cond, dict) else {"in" if isinstance(cond, list) else "==": cond}


def _values(cond: Condition) -> list[Any]:
    if isinstance(cond, dict):
        return [x for v in cond.values() for x in (v if isinstance(v, list) else [v])]
    return cond if isinstance(cond, list) else [cond]


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bounded(value: int | float) -> bool:
    """A number a cell can be compared with exactly: finite, and within ±NUMBER_LIMIT."""
    return -NUMBER_LIMIT <= value <= NUMBER_LIMIT  # NaN compares false; a 400-digit int compares exactly


def day_of(value: Any, whole: bool = True) -> date | None:
    """A date as written (2024-03-31, 2024/3/31, 2024年3月31日) as a date, else None; a cell's (not `whole`)
    may go on with a time."""
    m = re.match(DATE + (r"\s*$" if whole else ""), value) if isinstance(value, str) else None
    if not m:
        return None
    try:
        return date(*(int(g) for g in m.groups()))
    except ValueError:
        return None


@dataclass
class SourceFile:
    """One source of a run, for provenance: its name in the scheme, its file and SHA-256, the rows read,
    and the rows used (in the period, with an id of someone in the round)."""

    name: str
    file: str
    sha256: str
    read: int
    used: int = 0


@dataclass
class Feeds:
    """What a run's sources gave: each file's provenance, each measure's value and inputs by employee id
    (folded), the personal targets by row of their file, the rows each source had per id, and where each
    source was read from."""

    files: list[SourceFile] = field(default_factory=list)
    parts: dict[str, pd.DataFrame] = field(default_factory=dict)
    targets: pd.DataFrame | None = None
    rows: dict[str, pd.Series] = field(default_factory=dict)
    #: where each source was read from (`readers.Source`), to name its cells
    places: dict[str, Any] = field(default_factory=dict)
    #: a payout's figures per team (pool or unit counts), by source name: numbers by folded column, indexed
    #: by folded group
    teams: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: each long rating by indicator name (`Rating.rated`: value, n, words), indexed by folded id
    ratings: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: the rows of each ratings source by the folded id they rate, to name a ratee nobody in the round is
    ratees: dict[str, pd.Series] = field(default_factory=dict)
    #: what reading the files noticed (a file whose kind is not its suffix's), said with the run's warnings
    notices: list[Finding] = field(default_factory=list)

    def ids(self) -> list[str]:
        """Every id found in the measures' sources, in the order first seen."""
        return list(dict.fromkeys(i for rows in self.rows.values() for i in rows.index))

    def matched(self, ids: pd.Series) -> list[Finding]:
        """Count each source's rows used by the round's people (`ids`, folded), and say how many ids of a
        source match nobody, with examples."""
        known = set(ids)
        notices = []
        for f in self.files:
            rows = self.rows.get(f.name)
            if rows is None:
                continue
            hit = rows.index.isin(list(known))
            f.used = int(rows[hit].sum())
            strangers = rows.index[~hit & (rows > 0)]
            if len(strangers):
                examples = Listed(tuple(map(str, strangers[:5])))
                notices.append(Finding("source_ids_unmatched", {"source": f.name, "count": len(strangers),
                                                                "rows": int(rows[~hit].sum()),
                                                                "examples": examples}, file=f.file))
        return notices

    def unrated(self, ids: pd.Series) -> list[Finding]:
        """A ratings source's rows that rate someone not in the round (`ids`, folded, those not assessed
        included), each at its first row."""
        known = set(ids)
        out = []
        for name, rated in self.ratees.items():
            src = self.places[name]
            strangers = rated[~rated.index.isin(list(known)) & rated.index.notna()]
            first = strangers[~strangers.index.duplicated()]
            out += [src.at("rating_ratee_unknown", {"id": person, "source": name}, row, rated.name)
                    for person, row in first.items()]
        return out


def period_days(period: str | None, dates: list[str] | None) -> tuple[date, date] | None:
    """The inclusive range of days that a source's `date` keeps: the scheme's `period_dates`, else the period
    label read as a year, half, quarter or month (2024, 2024H1, 2024Q1, 2024年第1季度, 2024-03, 2024年3月)."""
    if dates:
        start, end = (day_of(d) for d in dates)
        return (start, end) if start and end else None
    text = fold(period or "").upper().replace(" ", "")
    forms = ((r"(\d{4})年?()", 1, 12), (r"(\d{4})[-_]?Q([1-4])", 3, 3), (r"(\d{4})年?第?([1-4一二三四])季度?", 3, 3),
             (r"(\d{4})[-_]?H([12])", 6, 6), (r"(\d{4})[-/._年]?(\d{1,2})月?", 1, 1))
    for pattern, step, span in forms:
        m = re.fullmatch(pattern, text)
        if m:
            year, part = int(m.group(1)), m.group(2)
            n = int(part) if part.isdigit() else "一二三四".index(part) + 1 if part else 1
            first = (n - 1) * step + 1
            last = first + span - 1
            if 1 <= first <= last <= 12 and year >= 1:  # there is no year 0000
                return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])
            return None
    return None
