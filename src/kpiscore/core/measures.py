"""Sources and measures: actuals computed per employee from system exports (one row per call, chat, ticket
or survey answer) instead of by hand with pivot tables.

A measure is data, never an expression: an aggregation (`count`, `sum`, `mean`, `median`, `share`, `ratio`,
`nps`) of one source's column over the rows that meet a structured `where`. This module owns all of it: the
YAML model, its checks, the one polars query per source that streams an export of ten million rows in
bounded memory, the words of the audit and of the Sources sheet, and the SQL a data team runs on its own
warehouse. It knows no files: `io.sources` hands it a frame of text cells and maps rows back to places.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

from ..errors import Finding
from .rules import Problem
from .say import Listed
from .values import NUMBER_LIMIT, fold, mark_key, one, parse_number, usable

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import polars as pl
else:
    from .lazy import np, pd

Agg = Literal["count", "sum", "mean", "median", "share", "ratio", "nps"]
Op = Literal["<=", ">=", "<", ">", "==", "!=", "in"]
Scalar = StrictInt | StrictFloat | StrictStr
Condition = Scalar | list[Scalar] | dict[Op, Scalar | list[Scalar]]

#: how many `of` columns each aggregation reads
OF_COUNT = {"count": 0, "share": 0, "sum": 1, "mean": 1, "median": 1, "nps": 1, "ratio": 2}
#: a date as exports write it: 2024-01-03, 2024/1/3 10:22, 2024年1月3日, 2024-01-03T10:22:00
DATE = r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"
_ORDER = {"<=": "le", ">=": "ge", "<": "lt", ">": "gt"}
_OPS = {**_ORDER, "==": "eq", "!=": "ne"}
#: the frame column that numbers a source's rows, so that a bad cell can be named by its row
ROW = "\x00row"
#: the column of employee ids in what a source gives
ID = "\x00id"
#: how many bad cells of a source are named one by one
SHOWN = 20


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
            ops = cond if isinstance(cond, dict) else {"in" if isinstance(cond, list) else "==": cond}
            for op, value in ops.items():
                if op not in _ORDER and not all(is_number(v) for v in _values(value)):
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
                elif op in _ORDER and not (is_number(value) or _day_of(value) is not None):
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

    def inputs(self, name: str, mask: pl.Expr, rows: pl.Expr) -> list[pl.Expr]:
        """The aggregations of one group that give the measure, named `name` a, b and n (see `value`): over
        the rows that meet `mask` of the group's `rows` in the period, each `of` column read already."""
        import polars as pl

        of = [pl.col(f"\x00# {fold(c)}") for c in self.of_columns]
        none = pl.lit(None, dtype=pl.Float64)
        if self.agg in ("count", "share"):
            a, b, n = mask.sum(), none, rows.sum()
        elif self.agg == "ratio":
            a, b, n = of[0].filter(mask).sum(), of[1].filter(mask).sum(), mask.sum()
        elif self.agg == "nps":
            a, b, n = (mask & (of[0] >= 9)).sum(), (mask & (of[0] <= 6)).sum(), (mask & of[0].is_not_null()).sum()
        else:
            x = of[0].filter(mask)
            a, b, n = (x.median() if self.agg == "median" else x.sum()), none, (mask & of[0].is_not_null()).sum()
        return [e.cast(pl.Float64).alias(f"{name}\x00{p}") for p, e in (("a", a), ("b", b), ("n", n))]

    def value(self, a: np.ndarray, b: np.ndarray, n: np.ndarray) -> np.ndarray:
        """The measure from its inputs: blank where there is nothing to divide by, or no row to sum."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # 1 ÷ 1e-320: inf, refused by the engine
            if self.agg in ("count", "median"):
                return a
            if self.agg == "ratio":
                return np.where(b > 0, a / b, np.nan)
            if self.agg == "nps":
                return np.where(n > 0, (a - b) / n * 100, np.nan)
            return np.where(n > 0, a if self.agg == "sum" else a / n, np.nan)

    def sql(self, name: str, table: str, spec: SourceSpec, period: tuple[date, date] | None) -> str:
        """The measure as SQL over the export in a warehouse: one `GROUP BY` of the id column."""
        mask = " AND ".join(_sql_condition(c, v) for c, v in self.where.items()) or "TRUE"
        of = [_quoted(c) for c in self.of_columns]
        x = of[0] if of else ""
        if self.agg in ("count", "share"):
            value = f"{'SUM' if self.agg == 'count' else 'AVG'}(CASE WHEN {mask} THEN 1.0 ELSE 0.0 END)"
        elif self.agg == "ratio":
            value = (f"SUM(CASE WHEN {mask} THEN {of[0]} END)"
                     f" / NULLIF(SUM(CASE WHEN {mask} THEN {of[1]} END), 0)")
        elif self.agg == "nps":
            value = (f"100.0 * (COUNT(CASE WHEN {mask} AND {x} >= 9 THEN 1 END)"
                     f" - COUNT(CASE WHEN {mask} AND {x} <= 6 THEN 1 END))"
                     f" / NULLIF(COUNT(CASE WHEN {mask} THEN {x} END), 0)")
        else:
            value = f"{'AVG' if self.agg == 'mean' else self.agg.upper()}(CASE WHEN {mask} THEN {x} END)"
        dated = ""
        if spec.date and period:
            first, last = (_sql_day(d) for d in period)
            dated = f"\nWHERE CAST({_quoted(spec.date)} AS DATE) BETWEEN {first} AND {last}"
        key = _quoted(spec.id or spec.group or "")
        return f"SELECT {key}, {value} AS {_quoted(name)}\nFROM {_quoted(table)}{dated}\nGROUP BY {key};"


def _values(cond: Condition) -> list[Any]:
    if isinstance(cond, dict):
        return [x for v in cond.values() for x in (v if isinstance(v, list) else [v])]
    return cond if isinstance(cond, list) else [cond]


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bounded(value: int | float) -> bool:
    """A number a cell can be compared with exactly: finite, and within ±NUMBER_LIMIT."""
    return -NUMBER_LIMIT <= value <= NUMBER_LIMIT  # NaN compares false; a 400-digit int compares exactly


def _day_of(value: Any, whole: bool = True) -> date | None:
    """A date as written (2024-03-31, 2024/3/31, 2024年3月31日) as a date, else None; a cell's (not `whole`)
    may go on with a time."""
    m = re.match(DATE + (r"\s*$" if whole else ""), value) if isinstance(value, str) else None
    if not m:
        return None
    try:
        return date(*(int(g) for g in m.groups()))
    except ValueError:
        return None


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Any) -> str:
    if is_number(value):
        return one(value)
    day = _day_of(value)
    if day is not None:
        return _sql_day(day)
    return "'" + str(value).replace("'", "''") + "'"


def _sql_day(day: date) -> str:
    return f"DATE '{day.isoformat()}'"


def _sql_condition(column: str, cond: Condition) -> str:
    """A `where` entry as SQL, compared as `_where` compares it: numbers as numbers, dates as dates, text
    trimmed."""
    col = _quoted(column)
    ops: dict[Any, Any] = dict(cond) if isinstance(cond, dict) else {"in" if isinstance(cond, list) else "==": cond}
    parts = []
    for op, value in ops.items():
        values = value if isinstance(value, list) else [value]
        cell = col if all(is_number(v) for v in values) else f"CAST({col} AS DATE)" if op in _ORDER else (
            f"TRIM({col})")
        if op == "in":
            parts.append(f"{cell} IN ({', '.join(_literal(v) for v in values)})")
        else:
            parts.append(f"{cell} {'=' if op == '==' else '<>' if op == '!=' else op} {_literal(values[0])}")
    return " AND ".join(parts)


# ---------------------------------------------------------------------------------------------------------
# the query: one polars plan per source, streamed


@dataclass
class Aggregated:
    """What one source gave: each measure's value and inputs by employee id (folded), how many rows each id
    had in the period, the rows read, and the cells no reading could read: (row as a spreadsheet numbers it,
    column, text, "number" or "date"), the first SHOWN of them and how many more."""

    parts: dict[str, pd.DataFrame] = field(default_factory=dict)
    rows: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))
    read: int = 0
    bad: list[tuple[int, str, str, str]] = field(default_factory=list)
    more_bad: int = 0


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
        start, end = (_day_of(d) for d in dates)
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


def aggregate(frame: pl.LazyFrame, spec: SourceSpec, measures: dict[str, Measure], days: tuple[date, date] | None,
              marks: frozenset[str], typed: Callable[[set[str]], pl.LazyFrame] | None = None) -> Aggregated:
    """Every measure of one source, from its text cells (`frame`: folded column names and a `ROW` number),
    streamed in one pass of cheap reads: numbers as polars casts them, dates as the file's first rows write
    them, texts by the spellings those rows hold. Where a cell is none of these the pass says so, the cells
    not read are looked up one distinct text at a time (the number grammar: 88%, 1,234, ９０, a mark; any
    date form; a text folded) and the pass runs again; what the grammar cannot read is `bad`.

    `typed(columns)`, where the reader offers it, is the frame with those columns parsed as numbers by the
    reader itself, which fails on the first cell that is none: a clean export is read so, in three
    quarters of the time, and any other goes the way above."""
    reading = _Reading.sampled(frame, spec, measures)
    numbers = {c for m in measures.values() for c in m.numbers()}
    if typed is not None and numbers:
        clean = _clean_pass(typed(numbers), spec, measures, days, replace(reading, typed=numbers))
        if clean is not None:
            return _collected(clean, measures)
    for _ in range(3):  # a pass; a second once the cells not read are learnt; a third if ids must merge
        table = _query(frame, spec, measures, days, reading)
        table = _named(table)
        named = table.filter(table["\x00folded"] != "")  # rows without an id are no one's: their cells not read
        failing = [c.removeprefix("\x00bad ") for c in named.columns if c.startswith("\x00bad ") and named[c].sum()]
        if failing:
            bad, more = reading.learn(_failing_texts(frame, spec, measures, failing, days, reading), spec, marks)
            if bad:
                return Aggregated(bad=bad, more_bad=more)
            continue
        merged = named["\x00folded"].is_duplicated()
        if merged.any() and any(m.agg == "median" for m in measures.values()) and not reading.keys:
            reading.keys = dict(zip(named.filter(merged)[ID], named.filter(merged)["\x00folded"], strict=True))
            continue  # a median is no sum of parts: the ids that fold to one are grouped as one
        return _collected(table, measures)
    raise AssertionError("the cells were learnt, yet not read")  # pragma: no cover


def _clean_pass(frame: pl.LazyFrame, spec: SourceSpec, measures: dict[str, Measure], days: tuple[date, date] | None,
                reading: _Reading) -> pl.DataFrame | None:
    """The pass over numbers the reader parsed, if every cell read and no two ids fold to one under a median;
    else None (the reader refusing a cell included)."""
    import polars as pl

    try:
        table = _named(_query(frame, spec, measures, days, reading))
    except pl.exceptions.ComputeError:
        return None
    named = table.filter(table["\x00folded"] != "")
    clean = not any(c.startswith("\x00bad ") and named[c].sum() for c in named.columns)
    median = any(m.agg == "median" for m in measures.values())
    return table if clean and not (median and named["\x00folded"].is_duplicated().any()) else None


def _named(table: pl.DataFrame) -> pl.DataFrame:
    """The query's table with each id folded as the actuals fold theirs ("" for rows without one)."""
    folded = table[ID].map_elements(fold, return_dtype=table[ID].dtype, skip_nulls=True).fill_null("")
    return table.with_columns(folded.alias("\x00folded"))


#: the first rows of a source, from which the way its dates and texts are written is learnt
SAMPLE = 2_000


@dataclass
class _Reading:
    """How one source's cells are read, learnt from the file: the grammar's reading of each text polars
    does not cast (by column), whether dates start `YYYY-MM-DD` (then the first ten characters are the day),
    the dates read otherwise, each spelling of a text column's cells and what it folds to, and ids that
    fold to one another."""

    numbers: dict[str, dict[str, float | None]] = field(default_factory=dict)
    iso: bool = True
    dates: dict[str, date | None] = field(default_factory=dict)
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    #: the number columns the reader parsed already (see `aggregate`)
    typed: set[str] = field(default_factory=set)

    @classmethod
    def sampled(cls, frame: pl.LazyFrame, spec: SourceSpec, measures: dict[str, Measure]) -> _Reading:
        import polars as pl

        columns = {c for m in measures.values() for c in m.texts()}
        dated = [fold(spec.date)] if spec.date else []
        head = frame.select([*columns, *dated]).head(SAMPLE).collect()
        reading = cls(texts={c: {t: fold(t) for t in head[c].drop_nulls().unique()} for c in columns})
        if dated:
            written = head[dated[0]].drop_nulls().str.strip_chars()
            reading.iso = bool(written.str.contains(r"^\d{4}-\d{2}-\d{2}(?:$|[ T])").all())
        del pl
        return reading

    def number(self, column: str) -> pl.Expr:
        """A column's cells as numbers: what polars casts at C speed, and the grammar's reading of the rest."""
        import polars as pl

        if column in self.typed:  # "nan" and "inf" are parsed too: they are counted as cells not read
            return pl.when(_usable(pl.col(column))).then(pl.col(column))
        text = pl.col(column)  # not stripped: " 12" goes to the grammar, rarer than the cost of stripping
        number = text.cast(pl.Float64, strict=False)
        plain = pl.when(_usable(number)).then(number)  # polars reads "nan" and "inf"; the grammar does not
        return _known(text, self.numbers.get(column, {}), plain, pl.Float64)

    def day(self, column: str) -> pl.Expr:
        """The date column's cells as dates (the time left off), null where none."""
        import polars as pl

        text = pl.col(column)
        plain = text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False) if self.iso else _day(column)
        return _known(text, self.dates, plain, pl.Date)

    def text_in(self, column: str, values: list[str]) -> pl.Expr:
        """Whether a text cell folds to one of `values` (already folded): a look-up of its spelling."""
        import polars as pl

        wanted = set(values)
        return pl.col(column).is_in([raw for raw, folded in self.texts.get(column, {}).items() if folded in wanted])

    def unread(self, column: str) -> pl.Expr:
        """A number cell that is not blank, not cast by polars and not read by the grammar yet (its number
        read already into its own column, see `_query`)."""
        import polars as pl

        text = pl.col(column)  # a blank cell is null (and one of spaces is read as blank by the grammar)
        unread = text.is_not_null() & pl.col(f"\x00# {column}").is_null()
        if column in self.typed:
            return unread
        known = list(self.numbers.get(column, {}))
        return unread & ~text.is_in(known) if known else unread

    def unknown(self, column: str) -> pl.Expr:
        """A text cell whose spelling is not learnt yet."""
        import polars as pl

        return pl.col(column).is_not_null() & ~pl.col(column).is_in(list(self.texts.get(column, {})))

    def learn(self, texts: pl.DataFrame, spec: SourceSpec, marks: frozenset[str]
              ) -> tuple[list[tuple[int, str, str, str]], int]:
        """Read the distinct texts not read yet (`_failing_texts`); those that cannot be, up to SHOWN of them
        with their first row, and how many more cells."""
        dated = fold(spec.date) if spec.date else None
        bad: list[tuple[int, str, str, str]] = []
        more = 0
        for column, text, row, count in texts.iter_rows():
            if column in self.texts:
                self.texts[column][text] = fold(text)
                continue
            day = _day_of(fold(text), whole=False) if column == dated else None
            number = _fixed(text, marks) if column != dated else False
            if isinstance(day, date):
                self.dates[text] = day
            elif number is not False:
                self.numbers.setdefault(column, {})[text] = number
            elif len(bad) < SHOWN:
                bad.append((row, column, text, "date" if column == dated else "number"))
            else:
                more += count
        return bad, more


def _known(text: pl.Expr, known: dict[str, Any], plain: pl.Expr, dtype: Any) -> pl.Expr:
    """`plain`, except for the texts `known` already, which read as they say."""
    import polars as pl

    if not known:
        return plain
    keys = pl.Series(list(known), dtype=pl.String)
    read = text.replace_strict(keys, pl.Series(list(known.values()), dtype=dtype), default=None)
    return pl.when(text.is_in(keys.implode())).then(read).otherwise(plain)  # a Series alone is deprecated


def _usable(number: pl.Expr) -> pl.Expr:
    """A number every later step can sum and score: finite and within ±NUMBER_LIMIT (`values.usable`);
    1e308 twice is infinite, and an infinite total is no score."""
    return number.is_finite() & (number.abs() <= NUMBER_LIMIT)


def _fixed(text: str, marks: frozenset[str]) -> float | bool | None:
    """A cell polars could not read: a number by the grammar, None for a not-applicable mark, or False."""
    if not text.strip() or mark_key(text) in marks:
        return None
    read = parse_number(text)
    return read[0] if read is not None and usable(read[0]) else False


def _day(column: str) -> pl.Expr:
    """A date cell as a date (its time left off), null where it is none: 2024/1/3 10:22, 2024年1月3日,
    2024.01.03; split and parsed without a regular expression."""
    import polars as pl

    day = pl.col(column).str.strip_chars().str.replace("T", " ", literal=True).str.split_exact(" ", 1)
    text = day.struct.field("field_0").str.replace_all(r"[/.年月日]", "-").str.strip_chars_end("-")
    return text.str.to_date("%Y-%m-%d", strict=False)


def _in_period(spec: SourceSpec, days: tuple[date, date] | None) -> pl.Expr:
    """Whether a row is of the period (its day read already, see `_query`)."""
    import polars as pl

    if not (spec.date and days):
        return pl.col(ID).is_not_null()  # every row (ID is never null): a literal would be summed once a group
    return pl.col("\x00day").is_between(*days).fill_null(False)


def _where(cond: Condition, column: str, reading: _Reading) -> pl.Expr:
    """One `where` entry as a polars condition: numbers compared as numbers (the column read already, see
    `_query`), dates as days, text by its folded spellings."""
    import polars as pl

    ops: dict[Any, Any] = dict(cond) if isinstance(cond, dict) else {"in" if isinstance(cond, list) else "==": cond}
    out = pl.lit(True)
    for op, value in ops.items():
        values = value if isinstance(value, list) else [value]
        if all(is_number(v) for v in values):
            cell = pl.col(f"\x00# {column}")
            floats = [float(v) for v in values]
            test = cell.is_in(floats) if op == "in" else getattr(cell, _OPS[op])(floats[0])
        elif op in _ORDER:
            test = getattr(_day(column), _ORDER[op])(_day_of(values[0]))
        else:
            test = reading.text_in(column, [fold(str(v)) for v in values])
            test = ~test & pl.col(column).is_not_null() if op == "!=" else test
        out = out & test.fill_null(False)
    return out


def _query(frame: pl.LazyFrame, spec: SourceSpec, measures: dict[str, Measure], days: tuple[date, date] | None,
           reading: _Reading) -> pl.DataFrame:
    """One streamed pass: per id as written ("" for rows without one), in the order first seen, its rows,
    its rows in the period, each measure's inputs, and each column's count of cells not read yet. Every cell
    is read once, into a column of its own, before the aggregation: an expression repeated inside `agg` is
    computed again for each use (68 s instead of 2 s for ten million rows)."""
    import polars as pl

    key = pl.col(spec.key)
    if reading.keys:
        key = key.replace(reading.keys)
    numbers = sorted({c for m in measures.values() for c in m.numbers()})
    texts = sorted({c for m in measures.values() for c in m.texts()})
    read = {f"\x00# {c}": reading.number(c) for c in numbers}
    if spec.date:
        read["\x00day"] = reading.day(fold(spec.date))
    frame = frame.with_columns(key.fill_null("").alias(ID), **read)
    in_period = _in_period(spec, days)
    frame = frame.with_columns(in_period.alias("\x00in"))
    in_period = pl.col("\x00in")
    masks = {}
    for name, m in measures.items():
        mask = in_period
        for column, cond in m.where.items():
            mask = mask & _where(cond, fold(column), reading)
        masks[f"\x00? {name}"] = mask
    frame = frame.with_columns(**masks)
    aggs: list[pl.Expr] = [pl.len().alias("\x00read"), in_period.sum().alias("\x00rows")]
    for column in numbers:
        aggs.append((reading.unread(column) & in_period).sum().alias(f"\x00bad {column}"))
    aggs += [(reading.unknown(c) & in_period).sum().alias(f"\x00bad {c}") for c in texts]
    if spec.date:
        aggs.append(pl.col("\x00day").is_null().sum().alias(f"\x00bad {fold(spec.date)}"))
    for name, m in measures.items():
        aggs += m.inputs(name, pl.col(f"\x00? {name}"), in_period)
    aggs.append(pl.col(ROW).min().alias("\x00first"))  # groups come in any order: put back as first seen
    return frame.group_by(ID).agg(aggs).collect(engine="streaming").sort("\x00first").drop("\x00first")


def _collected(table: pl.DataFrame, measures: dict[str, Measure]) -> Aggregated:
    """The query's table as pandas by folded id, each measure's value from its inputs; ids written two ways
    (E01 and Ｅ01) are one, their parts added; rows without an id are read and used nowhere."""
    read = int(table["\x00read"].sum())
    named = table.filter(table["\x00folded"] != "")
    frame = as_pandas(named.drop(ID)).groupby("\x00folded", sort=False).sum(min_count=1)
    frame.index.name = None
    out = Aggregated(rows=frame["\x00rows"].astype("int64"), read=read)
    for name, m in measures.items():
        a, b, n = (frame[f"{name}\x00{p}"].to_numpy(dtype=float) for p in "abn")
        out.parts[name] = pd.DataFrame({"a": a, "b": b, "n": n, "value": m.value(a, b, n)}, index=frame.index)
    return out


def as_pandas(table: pl.DataFrame) -> pd.DataFrame:
    """A polars frame as pandas, column by column: polars' own `to_pandas` needs pyarrow."""
    return pd.DataFrame({c: table[c].to_numpy() for c in table.columns})


def _failing_texts(frame: pl.LazyFrame, spec: SourceSpec, measures: dict[str, Measure], failing: list[str],
                   days: tuple[date, date] | None, reading: _Reading) -> pl.DataFrame:
    """The distinct texts of the failing columns not read yet, each with its first row and how often it
    occurs: a column of a million "N/A" is one look-up of the grammar, not a million."""
    import polars as pl

    dated = fold(spec.date) if spec.date else None
    read = {f"\x00# {c}": reading.number(c) for c in failing if c != dated and c not in reading.texts}
    if spec.date:
        read["\x00day"] = reading.day(dated or "")
    kept = frame.with_columns(pl.col(spec.key).fill_null("").alias(ID), **read).filter(
        pl.col(spec.key).str.strip_chars() != "")
    in_period = _in_period(spec, days)
    parts = []
    for column in failing:
        text = pl.col(column)
        if column == dated:
            bad = pl.col("\x00day").is_null()
        elif column in reading.texts:
            bad = reading.unknown(column) & in_period
        else:
            bad = reading.unread(column) & in_period
        parts.append(kept.filter(bad).group_by(text.fill_null("").alias("text"))
                     .agg(pl.col(ROW).min().alias("row"), pl.len().alias("count"))
                     .select(pl.lit(column).alias("column"), "text", "row", "count"))
    return pl.concat(parts).sort("row").collect(engine="streaming")
