"""A measure as the SQL a data team runs on its own warehouse: the definition of what kpiscore computes in
process, in any dialect sqlglot writes.

The query reads the export as text cells, as kpiscore does: ids and labels folded (`values.fold_source`:
full-width letters, digits and spaces made plain, spaces, tabs and line breaks trimmed off), dates read from the
forms exports write (2024-03-01 10:22, 2024/3/1, 2024.3.1, 2024年3月1日) into a number 20240301 compared with the
period's first and last day (no `DATE '…'` literal, which SQLite refuses), numbers cast to double precision
(never a decimal: Spark's `AVG` of decimals keeps four places). Every piece is a function each dialect has
(REPLACE, TRIM, SUBSTR, INSTR, CAST), written once here in DuckDB's SQL and transpiled; a median, which some
dialects cannot say exactly, is refused there rather than approximated.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .measures import ORDER, Condition, Measure, SourceSpec, day_of, is_number, operators
from .values import SOURCE_FOLD, fold_source, one

#: the dialects `kpiscore measures --sql --dialect` writes, by the name sqlglot knows each by
DIALECTS = ("duckdb", "sqlite", "postgres", "spark", "hive", "clickhouse", "mysql")
#: the dialects with an exact median (the mean of the two middle values of an even count)
MEDIAN = {"duckdb", "postgres", "spark"}


class Unsaid(ValueError):
    """A measure the dialect has no exact way to say."""

    def __init__(self, code: str, **params: str):
        super().__init__(code)
        self.code, self.params = code, params


def measure_sql(measure: Measure, name: str, table: str, spec: SourceSpec, period: tuple[date, date] | None,
                dialect: str = "duckdb") -> str:
    """The measure as one query over the export's table: its cells as text and numbers (`raw`, a date cut at
    its first space), each distinct id, label and date folded once (a table `<column> folded` of it, in
    stages where the dialect folds one character at a time, a date's day as a number), the rows joined to
    them (`rows`), those of the period with an id kept, one `GROUP BY` of the id. Folding the distinct values
    and not each row is what makes ten million rows a matter of seconds."""
    import sqlglot

    if measure.agg == "median" and dialect not in MEDIAN:
        raise Unsaid("measure_sql_median", dialect=dialect, name=name)
    q = _quoted
    key = spec.id or spec.group or ""
    numbers = sorted(measure.numbers())
    dated = sorted({c for c, cond in measure.where.items() if _dated(cond)} | (
        {spec.date} if spec.date and period else set()))
    textual = [key, *sorted(measure.texts() - set(numbers) - set(dated) - {key})]
    raw = [q(c) for c in textual] + [f"{_cut(q(c))} AS {q(c)}" for c in dated] + [
        f"CAST(NULLIF({_trimmed(q(c))}, '') AS DOUBLE) AS {q(c)}" for c in numbers]
    ctes = [f"raw AS (SELECT {', '.join(raw)} FROM {q(table)})"]
    joins, picked = [], [q(c) for c in numbers]
    for i, c in enumerate([*textual, *dated]):
        ctes += _folding(c, c in dated, dialect)
        joins.append(f"LEFT JOIN {q(c + ' folded')} AS f{i} ON raw.{q(c)} = f{i}.raw")
        picked.append(f"f{i}.{'day' if c in dated else 'folded'} AS {q(c + ' day' if c in dated else c)}")
    ctes.append(f"rows AS (SELECT {', '.join(picked)} FROM raw {' '.join(joins)})")
    kept = [f"{q(key)} IS NOT NULL", f"{q(key)} <> ''"]
    if spec.date and period:
        kept.append(f"{q(spec.date + ' day')} BETWEEN {_key(period[0])} AND {_key(period[1])}")
    mask = " AND ".join(_condition(c, v) for c, v in measure.where.items()) or "TRUE"
    text = (f"WITH {', '.join(ctes)}\nSELECT {q(key)}, {_value(measure, mask)} AS {q(name)}\n"
            f"FROM rows WHERE {' AND '.join(kept)}\nGROUP BY {q(key)}")
    written = sqlglot.transpile(text, read="duckdb", write=dialect, pretty=True)[0]
    if dialect == "clickhouse":  # its translate is of bytes; translateUTF8 of characters
        written = written.replace("TRANSLATE(", "translateUTF8(")
    return _trims(written, dialect) + ";"


def _folding(column: str, dated: bool, dialect: str) -> list[str]:
    """The tables that fold one column's distinct cells: `<column> folded` (raw, folded), and for a date
    (raw, day) its day as a number, from the folded text with dashes (`_head`): year, then month and day."""
    q = _quoted
    name = q(column + " folded")
    stages = _fold_stages(dialect)
    ctes = [f"{q(column + ' 0')} AS (SELECT DISTINCT {q(column)} AS raw, {q(column)} AS folded FROM raw)"]
    for i, stage in enumerate(stages, start=1):
        last = i == len(stages)
        target = q(column + f" {i}") if not (last and not dated) else name
        ctes.append(f"{target} AS (SELECT raw, {stage('folded', last)} AS folded FROM {q(column + f' {i - 1}')})")
    if not dated:
        return ctes
    head = q(column + " head")
    ctes.append(f"{head} AS (SELECT raw, {_head('folded')} AS folded FROM {q(column + f' {len(stages)}')})")
    ctes.append(f"{q(column + ' parts')} AS (SELECT raw, {_before('folded')} AS y, {_after('folded')} AS md "
                f"FROM {head})")
    ctes.append(f"{name} AS (SELECT raw, CAST(NULLIF(y, '') AS INTEGER) * 10000"
                f" + CAST(NULLIF({_before('md')}, '') AS INTEGER) * 100"
                f" + CAST(NULLIF({_after('md')}, '') AS INTEGER) AS day FROM {q(column + ' parts')})")
    return ctes


def _cut(sql: str) -> str:
    """A date cell up to its first space (the time left off), before the distinct days are folded."""
    text = _trimmed(sql)
    return f"SUBSTR({text} || ' ', 1, INSTR({text} || ' ', ' ') - 1)"


#: how many characters one stage of REPLACE folds where a dialect has no TRANSLATE (SQLite's parser nests
#: some thirty calls at most)
_STAGE = 24


def _fold_stages(dialect: str) -> list[Any]:
    """The stages that fold a text cell as `values.fold_source` does, the last one trimming: one TRANSLATE
    where the dialect has it, else REPLACE one character at a time, `_STAGE` a stage (SQLite, MySQL)."""
    pairs = list(SOURCE_FOLD.items())
    if dialect not in ("sqlite", "mysql"):
        wide, plain = _string("".join(SOURCE_FOLD)), _string("".join(SOURCE_FOLD.values()))
        return [lambda c, end: _trimmed(f"TRANSLATE({c}, {wide}, {plain})")]

    def stage(chunk: list[tuple[str, str]]) -> Any:
        def fold(c: str, end: bool) -> str:
            for a, b in chunk:
                c = f"REPLACE({c}, {_string(a)}, {_string(b)})"
            return _trimmed(c) if end else c
        return fold

    return [stage(pairs[i:i + _STAGE]) for i in range(0, len(pairs), _STAGE)]


def _value(measure: Measure, mask: str) -> str:
    of = [_quoted(c) for c in measure.of_columns]
    x = of[0] if of else ""
    if measure.agg == "count":
        return f"SUM(CASE WHEN {mask} THEN 1 ELSE 0 END)"
    if measure.agg == "share":
        return f"AVG(CASE WHEN {mask} THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END)"
    if measure.agg == "ratio":
        return (f"SUM(CASE WHEN {mask} THEN {of[0]} END)"
                f" / NULLIF(SUM(CASE WHEN {mask} THEN {of[1]} END), 0)")
    if measure.agg == "nps":
        return (f"100 * CAST(COUNT(CASE WHEN {mask} AND {x} >= 9 THEN 1 END)"
                f" - COUNT(CASE WHEN {mask} AND {x} <= 6 THEN 1 END) AS DOUBLE)"
                f" / NULLIF(COUNT(CASE WHEN {mask} THEN {x} END), 0)")
    agg = {"mean": "AVG", "sum": "SUM", "median": "MEDIAN"}[measure.agg]
    return f"{agg}(CASE WHEN {mask} THEN {x} END)"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _trimmed(sql: str, dashes: bool = False) -> str:
    """Trimmed at both ends of TRIMMED (or of dashes): a marker sqlglot carries through, written per dialect by
    `_trims`."""
    return f"{_MARKS[dashes]}({sql})"


#: the markers of `_trimmed`, of spaces and of dashes
_MARKS = {False: "KPISCORE_TRIM", True: "KPISCORE_TRIMDASH"}
#: how each dialect trims a set of characters from both ends, and how it spells the set: TRIM with a set where
#: its TRIM takes one (MySQL's and Hive's take a string or none), else a regular expression
_TRIMS = {
    "duckdb": ("TRIM({x}, {s})", "chr"), "sqlite": ("TRIM({x}, {s})", "char"),
    "postgres": ("TRIM(BOTH {s} FROM {x})", "chr"), "spark": ("TRIM(BOTH {s} FROM {x})", "escaped"),
    "mysql": ("REGEXP_REPLACE({x}, '^[{s}]+|[{s}]+$', '')", "class"),
    "hive": ("regexp_replace({x}, '^[{s}]+|[{s}]+$', '')", "class"),
    "clickhouse": ("replaceRegexpAll({x}, '^[{s}]+|[{s}]+$', '')", "class"),
}
_SETS = {False: {"chr": "' ' || CHR(9) || CHR(13) || CHR(10)", "char": "' ' || CHAR(9) || CHAR(13) || CHAR(10)",
                 "escaped": "' \\t\\r\\n'", "class": " \\t\\r\\n"},
         True: {"chr": "'-'", "char": "'-'", "escaped": "'-'", "class": "-"}}
#: the dialects whose string literals take backslash escapes
_ESCAPES = {"spark", "hive", "mysql", "clickhouse"}


def _trims(written: str, dialect: str) -> str:
    """Each `_trimmed` marker of the transpiled query as the dialect trims, the last first (its argument holds
    no other): the argument runs to the marker's closing parenthesis, quoted text and names skipped."""
    template, spelling = _TRIMS[dialect]
    while True:
        start, dashes = max((written.rfind(m + "("), d) for d, m in _MARKS.items())
        if start < 0:
            return written
        i = open_at = start + len(_MARKS[dashes]) + 1
        depth = 1
        while depth:
            ch = written[i]
            if ch in "'\"`":
                i = _closing(written, i, dialect in _ESCAPES)
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            i += 1
        said = template.format(x=written[open_at:i - 1], s=_SETS[dashes][spelling])
        written = written[:start] + said + written[i:]


def _closing(text: str, i: int, escapes: bool) -> int:
    """Where the quoted text or name opened at `i` ends: a doubled quote escapes one, and so does a backslash
    in the dialects whose literals take it."""
    quote, i = text[i], i + 1
    while True:
        if (escapes and text[i] == "\\" and quote == "'") or (text[i] == quote and text[i + 1:i + 2] == quote):
            i += 2
        elif text[i] == quote:
            return i
        else:
            i += 1


def _head(sql: str) -> str:
    """A date cell (folded already) as its day's text with dashes: 2024-03-01 10:22, 2024/3/1, 2024.3.1 and
    2024年3月1日 are 2024-3-1."""
    text = sql
    for mark, dash in (("年", "-"), ("月", "-"), ("日", ""), ("/", "-"), (".", "-"), ("T", " ")):
        text = f"REPLACE({text}, {_string(mark)}, {_string(dash)})"
    return f"SUBSTR({text} || ' ', 1, INSTR({text} || ' ', ' ') - 1)"


def _before(sql: str) -> str:
    return f"SUBSTR({sql}, 1, INSTR({sql} || '-', '-') - 1)"


def _after(sql: str) -> str:
    return _trimmed(f"SUBSTR({sql}, INSTR({sql} || '-', '-') + 1)", dashes=True)


def _key(day: date) -> str:
    return str(day.year * 10000 + day.month * 100 + day.day)


def _dated(cond: Condition) -> bool:
    return any(_date_bound(op, value) for op, value in operators(cond).items())


def _date_bound(op: str, value: Any) -> bool:
    """A `where` bound on a date (>= 2024-02-15), not on a number: compared as days."""
    return op in ORDER and not all(is_number(v) for v in (value if isinstance(value, list) else [value]))


def _literal(value: Any) -> str:
    if is_number(value):
        return one(value)
    return _string(fold_source(str(value)))


def _condition(column: str, cond: Condition) -> str:
    """A `where` entry as the query compares it: numbers as numbers, dates as their days' numbers, text folded."""
    parts = []
    for op, value in operators(cond).items():
        values = value if isinstance(value, list) else [value]
        if _date_bound(op, value):
            day = day_of(values[0])
            parts.append(f"{_quoted(column + ' day')} {op} {_key(day) if day else 'NULL'}")
            continue
        cell = _quoted(column)
        if op == "in":
            parts.append(f"{cell} IN ({', '.join(_literal(v) for v in values)})")
        else:
            sign = "=" if op == "==" else "<>" if op == "!=" else op
            parts.append(f"{cell} {sign} {_literal(values[0])}")
    return " AND ".join(parts)
