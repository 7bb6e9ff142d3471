"""Excel 2003 XML (SpreadsheetML): the other `.xls` that systems export."""

from __future__ import annotations

from typing import Any

from ..isolate import Refused
from .grid import MAX_COLS, MAX_ROWS, Book, Grid

_SS = "urn:schemas-microsoft-com:office:spreadsheet"


class Xml2003Book(Book):
    """Excel 2003 XML (SpreadsheetML), read with defusedxml: no DTD, no entities, no network."""

    def __init__(self, data: bytes):
        from defusedxml import ElementTree

        root = ElementTree.fromstring(data, forbid_dtd=True)
        ss = "{" + _SS + "}"
        self.grids: dict[str, Grid] = {}
        for sheet in root.iter(ss + "Worksheet"):
            name = sheet.get(ss + "Name", f"Sheet{len(self.grids) + 1}")
            grid = Grid(name, [])
            table = sheet.find(ss + "Table")
            if table is not None:
                _xml2003_table(table, grid, ss)
            self.grids[name] = grid
        self.names = list(self.grids)
        self.all_names = list(self.grids)

    def grid(self, name: str | None) -> Grid:
        return self.grids[name or ""]


def _xml2003_table(table: Any, grid: Grid, ss: str) -> None:
    col = 0
    for column in table.iter(ss + "Column"):
        col = _index(column, ss, col)
        span = min(int(column.get(ss + "Span", "0") or 0), MAX_COLS)
        if column.get(ss + "Hidden") in ("1", "true"):
            grid.hidden_cols.update(range(col, col + span + 1))
        col += span + 1
    r = 0
    for row in table.iter(ss + "Row"):
        r = _index(row, ss, r)
        if row.get(ss + "Hidden") in ("1", "true"):
            grid.hidden_rows.add(r)
        c = 0
        for cell in row.iter(ss + "Cell"):
            c = _index(cell, ss, c)
            across = min(int(cell.get(ss + "MergeAcross", "0") or 0), MAX_COLS)
            down = min(int(cell.get(ss + "MergeDown", "0") or 0), MAX_ROWS)
            if across or down:
                grid.merges.append((r, c, r + down, c + across))
            data = cell.find(ss + "Data")
            if data is not None:
                grid.put(r, c, _xml2003_value(data, ss))
            c += across + 1
        r += 1


def _index(el: Any, ss: str, default: int) -> int:
    """ss:Index is 1-based and skips ahead; without it the element follows the one before."""
    value = el.get(ss + "Index")
    index = int(value) - 1 if value and value.isdigit() and len(value) < 9 else default
    if index >= MAX_ROWS:
        raise Refused("sheet_limits", sheet="", row=index + 1, col=1)
    return index


def _xml2003_value(data: Any, ss: str) -> Any:
    text = "".join(data.itertext())
    kind = data.get(ss + "Type", "String")
    if kind == "Number":
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "Boolean":
        return text.strip() in ("1", "true")
    return text
