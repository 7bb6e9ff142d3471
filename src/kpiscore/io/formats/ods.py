"""ods: merges, error values and hidden rows and columns from content.xml, read as a stream."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any


@dataclass
class OdsSheet:
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)


_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"


def ods_scan(data: bytes) -> dict[str, OdsSheet]:
    """Walk content.xml once, counting repeated rows and columns, for what calamine leaves out."""
    from defusedxml import DefusedXmlException, ElementTree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            content = zf.read("content.xml")
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    walk = _OdsWalk()
    if not any(k in content for k in (b"spanned", b"visibility", b'value-type="error"')):
        return walk.sheets
    try:
        for event, el in ElementTree.iterparse(io.BytesIO(content), events=("start", "end"), forbid_dtd=True):
            (walk.start if event == "start" else walk.end)(el)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        pass  # what was read so far stands; calamine reports a broken file its own way
    return walk.sheets


class _OdsWalk:
    """Where the walk through content.xml is: the sheet, and the row and column a cell lands on once the
    repeats before it are counted."""

    T = "{" + _TABLE + "}"

    def __init__(self) -> None:
        self.sheets: dict[str, OdsSheet] = {}
        self.sheet = OdsSheet()
        self.row = self.col = self.column_index = 0

    def _count(self, el: Any, what: str) -> int:
        return int(el.get(self.T + what, "1"))

    def _hidden(self, el: Any) -> bool:
        return el.get(self.T + "visibility", "visible") != "visible"

    def start(self, el: Any) -> None:
        t = self.T
        if el.tag == t + "table":
            self.sheet = self.sheets.setdefault(el.get(t + "name", ""), OdsSheet())
            self.row = self.column_index = 0
        elif el.tag == t + "table-column":
            n = self._count(el, "number-columns-repeated")
            if self._hidden(el):
                self.sheet.hidden_cols.update(range(self.column_index, min(self.column_index + n, 16384)))
            self.column_index += n
        elif el.tag == t + "table-row":
            self.col = 0
            if self._hidden(el):
                n = self._count(el, "number-rows-repeated")
                self.sheet.hidden_rows.update(range(self.row, min(self.row + n, 1048576)))

    def end(self, el: Any) -> None:
        t = self.T
        if el.tag in (t + "table-cell", t + "covered-table-cell"):
            rows, cols = self._count(el, "number-rows-spanned"), self._count(el, "number-columns-spanned")
            if rows > 1 or cols > 1:
                self.sheet.merges.append((self.row, self.col, self.row + rows - 1, self.col + cols - 1))
            if el.get("{" + _CALCEXT + "}value-type") == "error":
                self.sheet.errors[(self.row, self.col)] = "".join(el.itertext()).strip() or "#VALUE!"
            self.col += self._count(el, "number-columns-repeated")
            el.clear()
        elif el.tag == t + "table-row":
            self.row += self._count(el, "number-rows-repeated")
            el.clear()
