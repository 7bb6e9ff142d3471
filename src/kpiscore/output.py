"""Writing results safely: refuse to clobber, write beside the target and rename, and never inject.

Every output goes through :func:`atomic_write`, so an interrupted run leaves the old file (or none), never
half a workbook; CSV cells from the input that start like a formula are defused.
"""

from __future__ import annotations

import json
import os
import stat
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


def check_inputs(paths: Iterable[Path], lang: str = "zh") -> None:
    """An input that does not exist, or is a folder, is a usage error (exit 2), said in the user's language."""
    for path in paths:
        if not path.exists():
            raise UsageError([Finding("file_missing", msg("file_missing", lang, path=str(path)))])
        if path.is_dir():
            raise UsageError([Finding("file_is_dir", msg("file_is_dir", lang, path=str(path)))])


def check_output(path: Path, inputs: Iterable[Path], force: bool, lang: str = "zh") -> None:
    """Refuse an output that is one of the inputs, a folder, or that exists without `force` (exit 2)."""
    for source in inputs:
        if path.resolve() == source.resolve():
            raise UsageError([Finding("output_is_input", msg("output_is_input", lang, path=str(path)))])
    if path.is_dir():
        raise UsageError([Finding("output_is_dir", msg("output_is_dir", lang, path=str(path)))])
    if path.exists() and not force:
        raise UsageError([Finding("output_exists", msg("output_exists", lang, path=str(path)))])


def _mode(path: Path) -> int:
    """The permissions a new output gets: those of the file it replaces, else what the umask allows (a
    colleague on a shared drive can open it, as with any file the user saves)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def atomic_write(path: Path, write: Callable[[Path], None], lang: str = "zh") -> None:
    """Call `write` on a temporary file in the target's folder, then rename it into place; a folder that
    cannot be written to, or a target locked by another program, is a usage error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise UsageError([Finding("output_unwritable", msg("output_unwritable", lang, path=str(path),
                                                           detail=exc.strerror or str(exc)))]) from None
    try:
        write(Path(tmp))
        os.chmod(tmp, _mode(path))
        os.replace(tmp, path)
    except PermissionError as exc:  # Windows: the target is open in Excel or WPS
        Path(tmp).unlink(missing_ok=True)
        raise UsageError([Finding("output_locked", msg("output_locked", lang, path=str(path),
                                                       detail=exc.strerror or str(exc)))]) from None
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

    atomic_write(path, write, result.lang)
