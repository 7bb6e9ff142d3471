"""The scored workbook, written in xlsxwriter's constant-memory mode.

Every text cell is written with `write_string`-semantics (formulas and URLs off), so a name such as
`=HYPERLINK(...)` taken from an input cell stays text.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import xlsxwriter

from .engine import Result
from .i18n import label
from .output import atomic_write


def write_workbook(result: Result, path: str | Path) -> None:
    """Write the scored workbook to `path`, atomically (a temporary file renamed into place)."""
    atomic_write(Path(path), lambda tmp: _write(result, tmp))


def _write(result: Result, path: Path) -> None:
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False, "nan_inf_to_errors": False}
    book = xlsxwriter.Workbook(str(path), options)
    try:
        lang = result.lang
        table = result.table()
        sheet = book.add_worksheet(label("scores_sheet", lang))
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        sheet.freeze_panes(1, 2)
        for c, name in enumerate(table.columns):
            sheet.write_string(0, c, str(name), head)
            sheet.set_column(c, c, max(8, min(30, 2 * len(str(name)) + 2)))
        veto = label("veto", lang)
        yes, no = label("yes", lang), label("no", lang)
        for r, row in enumerate(table.itertuples(index=False), start=1):
            for c, value in enumerate(row):
                if table.columns[c] == veto:
                    value = yes if value else no
                _cell(sheet, r, c, value)
    finally:
        book.close()


def _cell(sheet: Any, row: int, col: int, value: Any) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return
    if isinstance(value, str):
        sheet.write_string(row, col, value)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    else:
        try:
            sheet.write_number(row, col, float(value))
        except (TypeError, ValueError):
            sheet.write_string(row, col, str(value))
