"""A measure as the SQL a data team runs on its own warehouse: one `GROUP BY` of the id column per measure,
comparing as the query compares (numbers as numbers, dates as dates, text trimmed).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .measures import ORDER, Condition, Measure, SourceSpec, day_of, is_number, operators
from .values import one


def measure_sql(measure: Measure, name: str, table: str, spec: SourceSpec, period: tuple[date, date] | None) -> str:
    """The measure as SQL over the export in a warehouse: one `GROUP BY` of the id column."""
    mask = " AND ".join(_sql_condition(c, v) for c, v in measure.where.items()) or "TRUE"
    of = [_quoted(c) for c in measure.of_columns]
    x = of[0] if of else ""
    if measure.agg in ("count", "share"):
        value = f"{'SUM' if measure.agg == 'count' else 'AVG'}(CASE WHEN {mask} THEN 1.0 ELSE 0.0 END)"
    elif measure.agg == "ratio":
        value = (f"SUM(CASE WHEN {mask} THEN {of[0]} END)"
                 f" / NULLIF(SUM(CASE WHEN {mask} THEN {of[1]} END), 0)")
    elif measure.agg == "nps":
        value = (f"100.0 * (COUNT(CASE WHEN {mask} AND {x} >= 9 THEN 1 END)"
                 f" - COUNT(CASE WHEN {mask} AND {x} <= 6 THEN 1 END))"
                 f" / NULLIF(COUNT(CASE WHEN {mask} THEN {x} END), 0)")
    else:
        value = f"{'AVG' if measure.agg == 'mean' else measure.agg.upper()}(CASE WHEN {mask} THEN {x} END)"
    dated = ""
    if spec.date and period:
        first, last = (_sql_day(d) for d in period)
        dated = f"\nWHERE CAST({_quoted(spec.date)} AS DATE) BETWEEN {first} AND {last}"
    key = _quoted(spec.id or spec.group or "")
    return f"SELECT {key}, {value} AS {_quoted(name)}\nFROM {_quoted(table)}{dated}\nGROUP BY {key};"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Any) -> str:
    if is_number(value):
        return one(value)
    day = day_of(value)
    if day is not None:
        return _sql_day(day)
    return "'" + str(value).replace("'", "''") + "'"


def _sql_day(day: date) -> str:
    return f"DATE '{day.isoformat()}'"


def _sql_condition(column: str, cond: Condition) -> str:
    """A `where` entry as SQL, compared as `_where` compares it: numbers as numbers, dates as dates, text
    trimmed."""
    col = _quoted(column)
    ops = operators(cond)
    parts = []
    for op, value in ops.items():
        values = value if isinstance(value, list) else [value]
        cell = col if all(is_number(v) for v in values) else f"CAST({col} AS DATE)" if op in ORDER else (
            f"TRIM({col})")
        if op == "in":
            parts.append(f"{cell} IN ({', '.join(_literal(v) for v in values)})")
        else:
            parts.append(f"{cell} {'=' if op == '==' else '<>' if op == '!=' else op} {_literal(values[0])}")
    return " AND ".join(parts)
