"""xlsx: what calamine does not say, from the sheet's XML: error values, uncalculated formulas, hidden rows
and columns, and a declared used area too large to read."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from ..isolate import Refused
from .grid import MAX_COLS, MAX_ROWS, UNCALCULATED, Grid

#: calamine makes a dense range of the used area: more cells than this (2 GiB of cells) is refused, and so
#: is an area of over SPARSE_FROM cells that is more than SPARSE_RATIO times the sheet's XML in bytes
MAX_CELLS = 64 * 2**20


SPARSE_FROM, SPARSE_RATIO = 4 * 2**20, 50


_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*\bref=\"([A-Za-z]+)(\d+)(?::([A-Za-z]+)(\d+))?\"")


def check_area(data: bytes, name: str | None) -> None:
    """Refuse an xlsx sheet whose declared used area (`<dimension ref="A1:XFD1048576">`, what Excel writes
    when a stray cell sits far away) is too large to read as a dense range."""
    if not data.startswith(b"PK"):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            part = _xlsx_sheet_part(zf, name)
            if part is None:
                return
            size = zf.getinfo(part).file_size
            with zf.open(part) as member:
                head = member.read(4096)
    except Exception:
        return
    m = _DIMENSION.search(head)
    if not m or not m.group(3):
        return
    start, end = (m.group(1) + m.group(2)).decode(), (m.group(3) + m.group(4)).decode()
    first, last = _cell_ref(start), _cell_ref(end)
    if first and last:
        cells = (last[0] - first[0] + 1) * (last[1] - first[1] + 1)
        # a sheet's XML takes ≥ 10 bytes a cell; an area that dwarfs it is a stray cell far from the table
        sparse = cells > SPARSE_FROM and cells > SPARSE_RATIO * size
        if cells > MAX_CELLS or sparse or last[0] >= MAX_ROWS or last[1] >= MAX_COLS:
            raise Refused("sheet_area", sheet=name or "", area=f"{start}:{end}", cells=f"{cells:,}")


_NS = rb"(?:[\w.-]+:)?"


_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*"([^"]*)"')


_ERROR_CELL = re.compile(rb"<" + _NS + rb"c\b([^>]*\bt=\"e\"[^>]*)>(.*?)</" + _NS + rb"c>", re.S)


_VALUE = re.compile(rb"<" + _NS + rb"v>([^<]*)</" + _NS + rb"v>")


_FORMULA_ONLY = re.compile(
    rb"<" + _NS + rb"c\b([^>]*?)(?<!/)>\s*<" + _NS + rb"f\b[^>]*?(?:/>|>[^<]*</" + _NS + rb"f>)\s*"
    rb"(<" + _NS + rb"v\s*/>|<" + _NS + rb"v>\s*</" + _NS + rb"v>)?\s*</" + _NS + rb"c>")


_HIDDEN_ROW = re.compile(rb"<" + _NS + rb"row\b([^>]*\bhidden=\"(?:1|true)\"[^>]*)>")


_HIDDEN_COL = re.compile(rb"<" + _NS + rb"col\b([^>]*\bhidden=\"(?:1|true)\"[^>]*)/?>")


_REF = re.compile(r"^([A-Z]+)(\d+)$")


def _attrs(raw: bytes) -> dict[str, str]:
    return {k.decode().rpartition(":")[2]: v.decode("utf-8", "replace") for k, v in _ATTR.findall(raw)}


def _cell_ref(ref: str) -> tuple[int, int] | None:
    """"D7" → (6, 3), 0-based."""
    m = _REF.match(ref.upper())
    if not m:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def _xlsx_sheet_part(zf: zipfile.ZipFile, name: str | None) -> str | None:
    """The zip member of the sheet called `name`, through the workbook and its relationships."""
    from defusedxml import ElementTree

    workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    for sheet in workbook.iter():
        if sheet.tag.endswith("}sheet") and sheet.get("name") == name:
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


def xlsx_sheet_xml(data: bytes, name: str | None) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        part = _xlsx_sheet_part(zf, name)
        return zf.read(part) if part is not None else b""


def xlsx_marks(xml: bytes) -> Iterator[tuple[int, int, Any]]:
    """The cells calamine reads as blank that are not: error values (#DIV/0!) by their text, and formulas
    without a cached result as UNCALCULATED; each at its 0-based (row, column)."""
    if b't="e"' in xml:
        for m in _ERROR_CELL.finditer(xml):
            place = _cell_ref(_attrs(m.group(1)).get("r", ""))
            value = _VALUE.search(m.group(2))
            if place and value:
                yield *place, value.group(1).decode("utf-8", "replace")
    if b"<f" in xml or b":f" in xml:
        for m in _FORMULA_ONLY.finditer(xml):
            attrs = _attrs(m.group(1))
            place = _cell_ref(attrs.get("r", ""))
            if place and not (attrs.get("t") in ("str", "inlineStr") and m.group(2)):
                yield *place, UNCALCULATED


def xlsx_details(data: bytes, grid: Grid) -> None:
    """Errors found here fail the read: without them an error value would pass for a blank cell."""
    xml = xlsx_sheet_xml(data, grid.name)
    for row, col, value in xlsx_marks(xml):
        grid.put(row, col, value)
    if b"hidden=" in xml:
        for m in _HIDDEN_ROW.finditer(xml):
            r = _attrs(m.group(1)).get("r", "")
            if r.isdigit():
                grid.hidden_rows.add(int(r) - 1)
        for m in _HIDDEN_COL.finditer(xml):
            attrs = _attrs(m.group(1))
            if attrs.get("min", "").isdigit() and attrs.get("max", "").isdigit():
                lo, hi = int(attrs["min"]), min(int(attrs["max"]), 16384)
                grid.hidden_cols.update(range(lo - 1, hi))
