"""The query: every measure of one source in one streamed polars pass over the export's text cells, in
bounded memory for ten million rows. The cheap reads come first (numbers as polars casts them, dates as the
file's first rows write them); what they do not read is looked up in the number grammar one distinct text at
a time, and only what the grammar cannot read is a bad cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from .measures import ORDER, Condition, Measure, SourceSpec, day_of, is_number, operators
from .values import NUMBER_LIMIT, fold, fold_source, mark_key, parse_number, usable

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import polars as pl
else:
    from .lazy import np, pd

#: the frame column that numbers a source's rows, so that a bad cell can be named by its row
ROW = "\x00row"
#: the column of employee ids in what a source gives
ID = "\x00id"
#: how many bad cells of a source are named one by one
SHOWN = 20
#: the comparisons of a `where` by the polars method that does each
_OPS = {**ORDER, "==": "eq", "!=": "ne"}


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
    """The query's table with each id folded as the measures' SQL folds it (`values.fold_source`; "" for rows
    without one)."""
    folded = table[ID].map_elements(fold_source, return_dtype=table[ID].dtype, skip_nulls=True).fill_null("")
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
        reading = cls(texts={c: {t: fold_source(t) for t in head[c].drop_nulls().unique()} for c in columns})
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
                self.texts[column][text] = fold_source(text)
                continue
            day = day_of(fold(text), whole=False) if column == dated else None
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

    ops = operators(cond)
    out = pl.lit(True)
    for op, value in ops.items():
        values = value if isinstance(value, list) else [value]
        if all(is_number(v) for v in values):
            cell = pl.col(f"\x00# {column}")
            floats = [float(v) for v in values]
            test = cell.is_in(floats) if op == "in" else getattr(cell, _OPS[op])(floats[0])
        elif op in ORDER:
            test = getattr(_day(column), ORDER[op])(day_of(values[0]))
        else:
            test = reading.text_in(column, [fold_source(str(v)) for v in values])
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
        aggs += _inputs(m, name, pl.col(f"\x00? {name}"), in_period)
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
        out.parts[name] = pd.DataFrame({"a": a, "b": b, "n": n, "value": _value(m, a, b, n)}, index=frame.index)
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


def _inputs(measure: Measure, name: str, mask: pl.Expr, rows: pl.Expr) -> list[pl.Expr]:
    """The aggregations of one group that give the measure, named `name` a, b and n (see `value`): over
    the rows that meet `mask` of the group's `rows` in the period, each `of` column read already."""
    import polars as pl

    of = [pl.col(f"\x00# {fold(c)}") for c in measure.of_columns]
    none = pl.lit(None, dtype=pl.Float64)
    if measure.agg in ("count", "share"):
        a, b, n = mask.sum(), none, rows.sum()
    elif measure.agg == "ratio":
        a, b, n = of[0].filter(mask).sum(), of[1].filter(mask).sum(), mask.sum()
    elif measure.agg == "nps":
        a, b, n = (mask & (of[0] >= 9)).sum(), (mask & (of[0] <= 6)).sum(), (mask & of[0].is_not_null()).sum()
    else:
        x = of[0].filter(mask)
        a, b, n = (x.median() if measure.agg == "median" else x.sum()), none, (mask & of[0].is_not_null()).sum()
    return [e.cast(pl.Float64).alias(f"{name}\x00{p}") for p, e in (("a", a), ("b", b), ("n", n))]


def _value(measure: Measure, a: np.ndarray, b: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The measure from its inputs: blank where there is nothing to divide by, or no row to sum."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # 1 ÷ 1e-320: inf, refused by the engine
        if measure.agg in ("count", "median"):
            return a
        if measure.agg == "ratio":
            return np.where(b > 0, a / b, np.nan)
        if measure.agg == "nps":
            return np.where(n > 0, (a - b) / n * 100, np.nan)
        return np.where(n > 0, a if measure.agg == "sum" else a / n, np.nan)
