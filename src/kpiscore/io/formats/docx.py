"""Word documents: the KPI table an HR department keeps in a .docx, each of its tables a grid (python-docx)."""

from __future__ import annotations

import io
from typing import Any

from .grid import Book, Grid


class DocxBook(Book):
    """A .docx's tables, named 表1, 表2 … in the document's order; a merged cell's text stands in each cell it
    spans, as Word shows it."""

    def __init__(self, data: bytes):
        import docx

        document = docx.Document(io.BytesIO(data))
        self.tables = {f"表{i}": table for i, table in enumerate(document.tables, start=1)}
        self.names = list(self.tables)
        self.all_names = list(self.tables)

    def grid(self, name: str | None) -> Grid:
        table = self.tables[name or ""]
        rows: list[list[Any]] = [[cell.text for cell in row.cells] for row in table.rows]
        return Grid(name, rows)
