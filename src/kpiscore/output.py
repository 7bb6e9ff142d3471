"""Writing results safely: refuse to clobber, write beside the target and rename, and never inject.

Every output goes through :func:`atomic_write`, so an interrupted run leaves the old file (or none), never
half a workbook; CSV cells from the input that start like a formula are defused.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from .engine import Result
from .errors import Finding, UsageError
from .i18n import label, msg, yes_no

FORMATS = ("xlsx", "csv", "json")
#: a spreadsheet treats a cell starting with one of these as a formula (CWE-1236)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def check_output(path: Path, inputs: Iterable[Path], force: bool, lang: str = "zh") -> None:
    """Refuse an output that is one of the inputs, or that exists without `force` (a usage error, exit 2)."""
    for source in inputs:
        if path.resolve() == source.resolve():
            raise UsageError([Finding("output_is_input", msg("output_is_input", lang, path=str(path)))])
    if path.exists() and not force:
        raise UsageError([Finding("output_exists", msg("output_exists", lang, path=str(path)))])


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write` on a temporary file in the target's folder, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def guard_cell(value: Any) -> Any:
    """Defuse text a spreadsheet would run as a formula by prefixing an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_table(result: Result) -> pd.DataFrame:
    """The Scores sheet as CSV cells: veto as yes/no, text guarded, blanks empty."""
    table = result.table()
    veto = label("veto", result.lang)
    if veto in table:
        table[veto] = yes_no(table[veto], result.lang)
    table = table.map(guard_cell)
    table.columns = [guard_cell(c) for c in table.columns]
    return table


def write_csv(result: Result, out: IO[str]) -> None:
    csv_table(result).to_csv(out, index=False, lineterminator="\n")


def write_json(result: Result, out: IO[str]) -> None:
    json.dump(result.to_dict(), out, ensure_ascii=False, indent=2, default=_plain)
    out.write("\n")


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers for json."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def write_result(result: Result, path: Path, fmt: str) -> None:
    """Write a result as xlsx, csv (UTF-8 with BOM, for Excel) or json, atomically."""
    if fmt == "xlsx":
        from .workbook import write_workbook

        write_workbook(result, path)
        return

    def write(tmp: Path) -> None:
        encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
        with tmp.open("w", encoding=encoding, newline="") as out:
            (write_csv if fmt == "csv" else write_json)(result, out)

    atomic_write(path, write)
