"""HTML tables: the `.xls` a CRM or an OA system exports is often a web page of one table."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from ..decode import decode_text
from ..isolate import Refused
from .grid import Book, Grid


class _HtmlTables(HTMLParser):
    """Every <table>'s rows as text cells, with colspan/rowspan as merges and display:none rows hidden."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Grid] = []
        self.depth = 0
        self.cell: list[str] | None = None
        self.row: list[Any] | None = None
        self.taken: set[tuple[int, int]] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "table":
            self.depth += 1
            if self.depth == 1:
                self.tables.append(Grid(f"{len(self.tables) + 1}", []))
                self.taken = set()
        elif self.depth != 1:
            return
        elif tag == "tr":
            grid = self.tables[-1]
            self.row = []
            grid.rows.append(self.row)
            if re.search(r"display\s*:\s*none", a.get("style", ""), re.I):
                grid.hidden_rows.add(len(grid.rows) - 1)
        elif tag in ("td", "th") and self.row is not None:
            grid, r = self.tables[-1], len(self.tables[-1].rows) - 1
            c = len(self.row)
            while (r, c) in self.taken:
                self.row.append("")
                c += 1
            rows, cols = _span(a.get("rowspan")), _span(a.get("colspan"))
            if rows * cols > MAX_SPAN:
                raise Refused("sheet_limits", sheet=grid.name or "", row=r + rows, col=c + cols)
            if rows > 1 or cols > 1:
                grid.merges.append((r, c, r + rows - 1, c + cols - 1))
                self.taken.update((r + i, c + j) for i in range(rows) for j in range(cols) if i or j)
            self.cell = []
            self.row.append("")
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.depth -= 1
        elif self.depth == 1 and tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row[-1] = re.sub(r"[ \t\r\f\v]+", " ", "".join(self.cell)).strip()
            self.cell = None
        elif self.depth == 1 and tag == "tr":
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data.replace("\xa0", " "))


#: an HTML cell spanning more cells than this is no table anyone exported
MAX_SPAN = 100_000


def _span(value: str | None) -> int:
    return max(1, min(int(value), 16384)) if value and value.strip().isdigit() else 1


def _html_charset(data: bytes) -> str | None:
    m = re.search(rb"charset\s*=\s*[\"']?([\w-]+)", data[:4096], re.I)
    if not m:
        return None
    name = m.group(1).decode("ascii").lower()
    return "gb18030" if name in ("gb2312", "gbk", "gb18030", "x-gbk") else name


class HtmlBook(Book):
    def __init__(self, data: bytes):
        charset = _html_charset(data)
        try:
            text = data.decode(charset) if charset else decode_text(data)
        except (LookupError, UnicodeDecodeError):
            text = decode_text(data)
        parser = _HtmlTables()
        parser.feed(text)
        parser.close()
        self.tables = parser.tables
        # one table is the usual export: its cells are named without a sheet, as Excel opens it
        if len(self.tables) == 1:
            self.tables[0].name = None
        self.names = [g.name for g in self.tables]
        self.all_names = [str(g.name) for g in self.tables]

    def grid(self, name: str | None) -> Grid:
        return next(g for g in self.tables if g.name == name)
