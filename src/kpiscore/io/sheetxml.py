"""A table's data rows as worksheet XML, built a block of rows at a time with array operations, and spliced
into the workbook xlsxwriter wrote around them.

Why: at 100,000 employees, xlsxwriter's per-cell calls were 62% of a run (7.6 million Python calls, each
checking, escaping and formatting one cell). Here a block of rows is one array of XML pieces joined once, and
each value is formatted by `repr` (the shortest text that reads back as the same float, as Excel keeps 17
digits) or escaped by vectorised string operations. Everything else in the workbook (styles, widths, frozen
panes, filters, conditional formats, charts, page setup, header rows, titles) is still xlsxwriter's, so one
library writes the workbook and this module writes only `<row>` elements, in xlsxwriter's own dialect:
inline strings escaped as its `_xml_inline_string` and `_escape_control_characters` do, numbers as `<v>`,
an infinite number as the `#DIV/0!` error its `nan_inf_to_errors` writes.

A text cell is always an inline string, never a formula: `=HYPERLINK(...)` from an input stays text.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name, xl_rowcol_to_cell

#: rows joined into one piece of XML at a time (bounds the memory the pieces take)
BLOCK = 4_000
#: Excel's longest text in a cell; xlsxwriter cuts a longer one to this length too
MAX_TEXT = 32_767
#: zlib's level for the package: 100,000 people's 409 MB of sheet XML deflate in 2.2 s at level 3 against 4.3 s
#: at the default 6, for a file 21% larger (59 MB against 49 MB)
LEVEL = 3
#: held in memory up to this size, then spilled to a file in the run's scratch folder
SPOOL = 8 * 2**20
ROW = re.compile(rb'<row r="(\d+)"')
DIMENSION = re.compile(rb'<dimension ref="(?:[A-Z]+\d+:)?([A-Z]+\d+)"/>')
#: what a text needs escaped: XML's own characters, control characters and a literal `_xHHHH_`
SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]")
LITERAL = re.compile(r"_x[0-9a-fA-F]{4}_")
#: a space at a text's edge (texts joined by newlines), which needs xml:space="preserve"
EDGE_SPACE = re.compile(r"\A\s|\s\Z|\n\s|\s\n")
#: the workbook's sheets and the relationships that name their parts
WORKBOOK, RELS = "xl/workbook.xml", "xl/_rels/workbook.xml.rels"
_NS = {"main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_RID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class SpliceError(RuntimeError):
    """The workbook xlsxwriter wrote is not what the splice assumes: a sheet without its worksheet part, or
    a row xlsxwriter wrote inside an inserted range. A bug to fix, never a user's problem."""


@dataclass(frozen=True)
class Cells:
    """One column of a table as it is written: the values, whether they are numbers, the style index of a
    value, and what a blank is: a styled empty cell (`blank_style`), a text such as "—" (`empty`, in
    `empty_style`), or no cell at all."""

    values: np.ndarray
    numeric: bool
    style: int
    blank_style: int | None = None
    empty: str | None = None
    empty_style: int = 0


@dataclass
class Rows:
    """Data rows of one sheet, as XML held in a spooled file: the sheet's place (0-based), the first and last
    row (0-based) and the last column they fill."""

    sheet: int
    first: int
    last: int
    last_col: int
    xml: IO[bytes]


def table_rows(sheet: int, top: int, left: int, columns: Sequence[Cells], heights: np.ndarray | None,
               tmpdir: str) -> Rows:
    """The rows of a table whose first data row is `top` and first column `left`; `heights` (points, NaN for
    the default) makes a row tall enough for its wrapped text."""
    n = len(columns[0].values) if columns else 0
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL, dir=tmpdir)  # noqa: SIM115 (the workbook closes it)
    for start in range(0, n, BLOCK):
        block = slice(start, min(n, start + BLOCK))
        rows = np.arange(block.start, block.stop) + top + 1
        spool.write(_block(rows, left, columns, block, heights).encode("utf-8"))
    return Rows(sheet, top, top + n - 1, left + len(columns) - 1, spool)


def _block(rows: np.ndarray, left: int, columns: Sequence[Cells], block: slice,
           heights: np.ndarray | None) -> str:
    """The XML of a block of rows: per row, `<row r="N">`, five pieces per cell and `</row>`, as one array
    joined row by row."""
    names = list(map(str, rows.tolist()))
    pieces = np.empty((len(rows), 5 * len(columns) + 4), dtype=object)
    pieces[:, 0] = '<row r="'
    pieces[:, 1] = names
    pieces[:, 2] = _row_tails(heights[block] if heights is not None else None)
    pieces[:, -1] = "</row>"
    for c, column in enumerate(columns):
        pieces[:, 3 + 5 * c: 8 + 5 * c] = _cell_pieces(column, column.values[block], xl_col_to_name(left + c),
                                                      names)
    return "".join(pieces.ravel().tolist())


def _row_tails(heights: np.ndarray | None) -> np.ndarray | str:
    """`">` closing each row's opening tag, with its height where it has one."""
    if heights is None or np.isnan(heights).all():
        return '">'
    tails = pd.Series(heights).map(lambda h: '">' if h != h else f'" ht="{h:g}" customHeight="1">')
    return tails.to_numpy(dtype=object)


def _cell_pieces(column: Cells, values: np.ndarray, letter: str, rows: list[str]) -> np.ndarray:
    """Five pieces per cell, `<c r="B` · `12` · `" s="3"><v>` · `85.5` · `</v></c>`, all empty for no cell."""
    n = len(values)
    out = np.empty((n, 5), dtype=object)
    out[:, 0], out[:, 1] = f'<c r="{letter}', rows
    style = f'" s="{column.style}"'
    if column.numeric:
        blank = np.isnan(values)
        finite = np.isfinite(values)
        out[:, 2] = np.where(finite, style + "><v>", style + ' t="e"><v>')
        out[:, 3] = np.where(finite, np.array(list(map(repr, values.tolist())), dtype=object), "#DIV/0!")
        out[:, 4] = "</v></c>"
    else:
        blank = pd.isna(values)
        text, spaced = _escaped(list(map(str, values[~blank].tolist())))
        opening = np.where(spaced, style + ' t="inlineStr"><is><t xml:space="preserve">',
                           style + ' t="inlineStr"><is><t>')
        out[~blank, 2], out[~blank, 3], out[~blank, 4] = opening, text, "</t></is></c>"
    if blank.any():
        _blanks(out, blank, column)
    return out


def _blanks(out: np.ndarray, blank: np.ndarray, column: Cells) -> None:
    """A blank value becomes a styled empty cell, the column's `empty` text, or nothing."""
    if column.blank_style is not None:
        out[blank, 2:] = [f'" s="{column.blank_style}"/>', "", ""]
    elif column.empty is not None:
        out[blank, 2:] = [f'" s="{column.empty_style}" t="inlineStr"><is><t>', _escape(column.empty),
                          "</t></is></c>"]
    else:
        out[blank] = ""


def _escaped(texts: list[str]) -> tuple[np.ndarray, np.ndarray | bool]:
    """Texts as XML character data, cut to Excel's longest, control characters as Excel's `_xHHHH_`, and
    which of them keep leading or trailing spaces. The texts are searched joined, in one pass: most columns
    need nothing done, and then nothing is done text by text."""
    joined = "\n".join(texts)
    if max(map(len, texts), default=0) > MAX_TEXT // 2 and any(_utf16_len(t) > MAX_TEXT for t in texts):
        out = np.array([_escape(_cut(t)) for t in texts], dtype=object)
    elif not (SPECIAL.search(joined) or ("_x" in joined and LITERAL.search(joined))):
        out = np.array(texts, dtype=object)
    elif joined.count("\n") == len(texts) - 1:  # no text holds a newline: escaped as one, split back
        out = np.array(_escape(joined).split("\n"), dtype=object)
    else:
        out = np.array([_escape(t) for t in texts], dtype=object)
    if not EDGE_SPACE.search(joined):
        return out, False
    return out, np.array([t[:1].isspace() or t[-1:].isspace() for t in texts], dtype=bool)


def _utf16_len(text: str) -> int:
    """A text's length as Excel counts it: in UTF-16 units, a character beyond U+FFFF (an emoji) two."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _cut(text: str) -> str:
    """A text cut to Excel's longest (MAX_TEXT UTF-16 units), as xlsxwriter cuts it, never inside a
    character."""
    units = np.cumsum([2 if ord(ch) > 0xFFFF else 1 for ch in text])
    return text[: int(np.searchsorted(units, MAX_TEXT, side="right"))]


def _escape(text: str) -> str:
    text = LITERAL.sub(r"_x005F\g<0>", text)
    text = re.sub(r"[\x00-\x08\x0b-\x1f]", lambda m: f"_x{ord(m.group()):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def splice(book: IO[bytes], inserts: Sequence[Rows], path: Path) -> None:
    """Copy the workbook xlsxwriter wrote (`book`) to `path`, each sheet's `inserts` placed among its rows in
    row order and its dimension widened to cover them."""
    by_sheet: dict[int, list[Rows]] = {}
    for rows in inserts:
        if rows.last >= rows.first:
            by_sheet.setdefault(rows.sheet, []).append(rows)
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=LEVEL) as out:
        parts = _worksheet_parts(src)
        wanted: dict[str, list[Rows]] = {}
        for index, mine in by_sheet.items():
            if index not in parts:
                raise SpliceError(f"sheet {index} has no worksheet part (parts: {parts})")
            wanted[parts[index]] = mine
        for info in src.infolist():
            inserted = wanted.get(info.filename)
            if not inserted:
                out.writestr(info, src.read(info))
                continue
            with out.open(info.filename, "w", force_zip64=True) as sheet:
                for piece in _sheet_pieces(src.read(info), sorted(inserted, key=lambda r: r.first), info.filename):
                    sheet.write(piece)


def _worksheet_parts(src: zipfile.ZipFile) -> dict[int, str]:
    """Each worksheet's part by its place among the workbook's sheets (xlsxwriter's `index`): the names come
    from the workbook's relationships, since a chartsheet before it takes a place but no `sheetN.xml`."""
    from defusedxml import ElementTree

    sheets = ElementTree.fromstring(src.read(WORKBOOK)).find("main:sheets", _NS)
    targets = {r.get("Id"): r.get("Target", "") for r in ElementTree.fromstring(src.read(RELS))}
    out = {}
    for index, sheet in enumerate(sheets if sheets is not None else []):
        target = targets.get(sheet.get(_RID), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if part.startswith("xl/worksheets/"):
            out[index] = part
    return out


def _sheet_pieces(xml: bytes, inserts: list[Rows], part: str = "") -> Iterator[bytes]:
    """The sheet's XML with each insert before the first row below it, read back from its spool in pieces.
    A row xlsxwriter wrote inside an insert would be a row twice, out of order (Excel refuses the file)."""
    xml = xml.replace(b"<sheetData/>", b"<sheetData></sheetData>")
    xml = DIMENSION.sub(lambda m: _dimension(m, inserts), xml, count=1)
    starts = [(int(m.group(1)), m.start()) for m in ROW.finditer(xml)]
    for rows in inserts:
        clash = next((number for number, _ in starts if rows.first + 1 <= number <= rows.last + 1), None)
        if clash is not None:
            raise SpliceError(f"row {clash} of {part} is written by xlsxwriter and inserted both")
    end = xml.index(b"</sheetData>")
    done = 0
    for rows in inserts:
        at = next((pos for number, pos in starts if number > rows.last + 1 and pos >= done), end)
        yield xml[done:at]
        rows.xml.seek(0)
        while piece := rows.xml.read(SPOOL):
            yield piece
        done = at
    yield xml[done:]


def _dimension(match: re.Match[bytes], inserts: list[Rows]) -> bytes:
    """The sheet's used range, grown to the last row and column the inserts fill."""
    row, col = xl_cell_to_rowcol(match.group(1).decode())
    end = xl_rowcol_to_cell(max([row] + [r.last for r in inserts]), max([col] + [r.last_col for r in inserts]))
    return f'<dimension ref="A1:{end}"/>'.encode()
