"""The Scores table as flat cells: headings in the user's language, CSV that no spreadsheet runs as a formula,
and JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core.engine import Column, Result
from ..core.values import fold
from ..text import label
from ..words.result import Words

if TYPE_CHECKING:
    import polars as pl

#: a spreadsheet treats a cell starting with one of these as a formula (CWE-1236)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: Any) -> Any:
    """Defuse text a spreadsheet would run as a formula by prefixing an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def heading(column: Column, lang: str) -> str:
    """A Scores column's heading in `lang`: an input's own name, or the item and its suffix, or a label."""
    if column.source is not None:
        return column.source
    if column.suffix is not None:
        return f"{column.item}{label(column.suffix, lang)}"
    if column.key == "target":  # personal targets the scheme names no column of (a batch's targets file)
        return label("personal_target", lang)
    if column.key in ("score", "subtotal"):
        return f"{column.item}{label(column.key + '_suffix', lang)}"
    return label(column.key, lang)


def headings(columns: list[Column], lang: str) -> list[str]:
    """Every column's heading, each once: an input keeps its own name (HR tables name columns 加分 or 总分),
    and a generated heading that an input has taken, or any heading said before, gets a number (加分（2）),
    so no column is lost."""
    names = [heading(c, lang) for c in columns]
    inputs = {fold(n) for c, n in zip(columns, names, strict=True) if c.source is not None}
    out: list[str] = []
    used: set[str] = set()
    for c, name in zip(columns, names, strict=True):
        said, n = name, 1
        while fold(said) in used or (c.source is None and fold(said) in inputs):
            n += 1
            said = f"{name}（{n}）"
        used.add(fold(said))
        out.append(said)
    return out


def yes_no(flags: pd.Series, lang: str) -> pd.Series:
    """Booleans as 是/否 (yes/no) for a spreadsheet cell."""
    return flags.map({True: label("yes", lang), False: label("no", lang)})


def identity_table(result: Result) -> pd.DataFrame:
    """Id, name and group under their input headings: the first columns of Scores and Audit."""
    columns = [c for c in result.columns() if c.kind == "identity"]
    return result.people[[c.key for c in columns]].set_axis(headings(columns, result.lang), axis=1)


def scores_table(result: Result) -> pd.DataFrame:
    """The Scores table as a reader sees it: headed in the scheme's language, flags (veto, adjusted) as
    yes/no."""
    table = Words(result).table()
    for col in result.columns():
        if col.kind == "flag":
            table[col.id] = yes_no(table[col.id], result.lang)
    table.columns = headings(result.columns(), result.lang)
    return table


def write_csv(result: Result, out: IO[str]) -> None:
    """The Scores table as CSV text on a text stream (stdout, a notebook's buffer)."""
    out.write(polars_table(result).write_csv(line_terminator="\n"))


def save_csv(result: Result, path: Path) -> None:
    """The Scores table as a CSV file, UTF-8 with a BOM (Excel reads UTF-8 without one as the local code
    page), written straight from polars' writer."""
    polars_table(result).write_csv(path, include_bom=True, line_terminator="\n")


def polars_table(result: Result) -> pl.DataFrame:
    """The Scores table for polars' CSV writer, a column at a time: pandas' `to_csv` formats a million
    people's 50 columns in 20 s, polars in 1 s (benchmarks/RESULTS.md). Numbers come out in their shortest
    exact form, blanks as empty fields, ranks and counts as whole numbers, and text that a spreadsheet would
    run as a formula guarded (see `guard_cell`), in Rust."""
    import polars as pl

    columns, words = [], Words(result)
    for col, said in zip(result.columns(), headings(result.columns(), result.lang), strict=True):
        column = words.column(col)
        if col.kind == "flag":
            column = yes_no(column, result.lang)
        name = guard_cell(said)
        if pd.api.types.is_float_dtype(column):  # 1300000, not 1300000.0; -0 is 0
            number = pl.Series(name, column.to_numpy() + 0.0, nan_to_null=True)
            columns.append(number.cast(pl.String).str.strip_suffix(".0"))  # no regex: 0.04 s a million
        elif pd.api.types.is_integer_dtype(column):
            whole = column.to_numpy(dtype=float, na_value=np.nan)
            columns.append(pl.Series(name, whole, nan_to_null=True).cast(pl.Int64))
        else:
            text = pl.Series(name, column.astype(object).where(column.notna(), None).tolist(), dtype=pl.String)
            columns.append(text.str.replace(_FORMULA, "'$1"))
    return pl.DataFrame(columns)


#: `FORMULA_PREFIXES` as the start of a text, for polars
_FORMULA = "^([" + "".join("\\" + c if c in "-\\" else c for c in FORMULA_PREFIXES) + "])"


def write_json(result: Result, out: IO[str]) -> None:
    write_plain_json(result.to_dict(), out)


def write_plain_json(document: dict[str, Any], out: IO[str]) -> None:
    """A document as kpiscore writes JSON: UTF-8 text as it is, numpy numbers and dates as plain values."""
    json.dump(document, out, ensure_ascii=False, indent=2, default=_plain)
    out.write("\n")


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers for json."""
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "isoformat"):  # a deadline: 2024-06-30
        return value.isoformat()[:10] if getattr(value, "hour", 0) == 0 else value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
