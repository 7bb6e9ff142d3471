"""A department's KPI table read from its file: the grid found by its headings (below any title rows, a heading
of two rows where one is merged over the next), each row's cells by column, each with its address.

Any file the input reader reads (xlsx, xls, ods, csv in any encoding, the HTML `.xls` of an OA system) passes the
same gate (`tables.open_file`); a Word document (.docx) too, its tables read by python-docx.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..core.document import data_language
from ..core.kpitable import NEEDED, Cell, heading_role
from ..errors import InputError
from ..text import label
from .formats.docx import DocxBook
from .formats.grid import Book, Grid
from .sheets import open_book
from .tables import HEADER_ROWS, RECORD_SHEET, Opened, Source, column_letter, open_file, reading


def open_table(path: Path) -> Opened:
    """A KPI table's file through the one gate, a Word document let through too, held whole."""
    return open_file(path, documents=True)


def read_kpi_table(opened: Opened, sheet: str | None = None
                   ) -> tuple[str, dict[str, Cell], list[dict[str, Cell]], Source]:
    """The table's title (the text above its heading, else the file's name), its headings and its rows' cells
    by column role (see `core.kpitable.HEADINGS`), and where it came from."""
    src = opened.src
    path = src.path or Path(src.file)
    with reading(src):
        data = opened.data if opened.data is not None else path.read_bytes()
        book: Book = DocxBook(data) if opened.kind == "docx" else open_book(data, opened.kind,
                                                                            tab=opened.suffix == ".tsv")
        grid, header = book.pick(sheet, _header_row)
        if sheet is not None and grid is None:
            names = ", ".join(n for n in book.all_names if n)
            raise InputError([src.at("sheet_missing", {"sheet": sheet, "sheets": names})])
        if grid is None or header is None:
            src.sheet = grid.name if grid is not None else sheet
            raise InputError([src.at("import_header_missing", {})])
        src.sheet = grid.name
        if opened.kind != "docx":
            book.details(grid)
        grid.fill_merges()
    roles, span = _roles(grid, header)
    if opened.kind == "xlsx":  # 95% typed into Excel is 0.95 shown as 95%: the table means what it shows
        with reading(src):
            _percents(data, grid, [j for j, r in roles.items() if r in ("weight", "target")], header + span)
    headings = {}
    for j, role in roles.items():
        for k in reversed(range(span)):  # the lowest heading cell that names the column
            line = grid.rows[header - grid.top + k]
            value = line[j] if j < len(line) else None
            if isinstance(value, str) and heading_role(value) == role:
                headings[role] = Cell(value, f"{column_letter(grid.left + j)}{header + k + 1}")
                break
    rows = []
    for i, line in enumerate(grid.rows[header - grid.top + span:], start=header + span + 1):
        rows.append({role: Cell(line[j] if j < len(line) else None, f"{column_letter(grid.left + j)}{i}")
                     for j, role in roles.items()})
    return _title(grid, header) or path.stem, headings, rows, src


def _percents(data: bytes, grid: Grid, columns: list[int], first: int) -> None:
    """Numbers in a percent format, in the columns given, as the percents the sheet shows (0.95 as 95%):
    calamine gives a cell's number, openpyxl its format."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book[grid.name or book.sheetnames[0]]
        for r, line in enumerate(sheet.iter_rows(min_row=first + 1, max_row=grid.top + len(grid.rows)), start=first):
            for j in columns:
                cell = line[grid.left + j] if grid.left + j < len(line) else None
                value = getattr(cell, "value", None)
                if isinstance(value, int | float) and "%" in str(getattr(cell, "number_format", "")):
                    grid.put(r, grid.left + j, f"{Decimal(repr(float(value))).scaleb(2).normalize():f}%")
    finally:
        book.close()


def _header_row(grid: Grid) -> int | None:
    """The first row within HEADER_ROWS that names an indicator column and a scoring-rule column."""
    for i, row in enumerate(grid.rows[:HEADER_ROWS]):
        roles = set(_row_roles(row).values())
        if roles.issuperset(NEEDED):
            return grid.top + i
    return None


def _row_roles(row: list[Any]) -> dict[int, str]:
    found: dict[int, str] = {}
    for j, value in enumerate(row):
        role = heading_role(value) if isinstance(value, str) and value.strip() else None
        if role is not None and role not in found.values():
            found[j] = role
    return found


def _roles(grid: Grid, header: int) -> tuple[dict[int, str], int]:
    """The columns' roles, and how many rows the heading takes: two where the row below names columns the
    heading row leaves blank or spans with one merged heading (考核指标 over 指标名称 | 权重)."""
    first = grid.rows[header - grid.top]
    roles = _row_roles(first)
    if header - grid.top + 1 >= len(grid.rows):
        return roles, 1
    below = _row_roles(grid.rows[header - grid.top + 1])
    spanned = {(header, grid.left + j) for j in range(len(first))} & {
        (r1, c) for r1, c1, _, c2 in grid.merges for c in range(c1, c2 + 1) if c2 > c1}
    new = {j: r for j, r in below.items()
           if r not in roles.values() or (header, grid.left + j) in spanned or j not in roles}
    if not new:
        return roles, 1
    merged = {j: r for j, r in roles.items() if j not in new and r not in new.values()}
    return {**merged, **new}, 2


def _title(grid: Grid, header: int) -> str:
    """The first text above the heading: the table's title (售后服务部岗位KPI考核表)."""
    for row in grid.rows[: header - grid.top]:
        for value in row:
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())
    return ""


def _names_record(data: bytes) -> bool:
    """Whether an xlsx's workbook part names the record sheet (the gate has refused a zip bomb already)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return f'name="{RECORD_SHEET}"'.encode() in zf.read("xl/workbook.xml")
    except (KeyError, zipfile.BadZipFile):
        return False


@dataclass
class Recorded:
    """A scored workbook's scheme: its document as recorded, and its Scheme sheet as the workbook shows it."""

    data: dict[str, Any]
    shown: Grid
    src: Source


def read_recorded(opened: Opened) -> Recorded | None:
    """The scheme a kpiscore workbook recorded (see `workbook.record`), with its Scheme sheet; None for any
    other file, told by its workbook part naming no record sheet before any sheet is read."""
    if opened.kind != "xlsx" or opened.data is None or not _names_record(opened.data):
        return None
    src = opened.src
    with reading(src):
        book = open_book(opened.data, "xlsx")
        record, _ = book.pick(RECORD_SHEET, lambda g: 0)
        if record is None:
            return None
        text = "".join(str(row[0]) for row in record.rows if row and row[0])
        data = json.loads(text)
        shown, _ = book.pick(label("scheme_sheet", data_language(data)), lambda g: 0)
    if not isinstance(data, dict) or shown is None:
        return None
    src.sheet = shown.name
    return Recorded(data, shown, src)
