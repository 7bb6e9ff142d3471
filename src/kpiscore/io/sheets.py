"""Files to grids of raw cells, whatever kind of file they really are.

A grid keeps what the spreadsheet shows and a cell value alone does not: merged ranges (a 部门 merged down a
team), error values (`#DIV/0!`, which calamine reads as an empty cell), formulas no program ever calculated,
and hidden rows and columns. Files are recognised by their bytes, not their suffix: the `.xls` that a CRM
exports is often an HTML table or Excel 2003 XML, and a file that is none of these is named for what it is.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from .decode import decode_text, decoded
from .isolate import Refused, isolated

#: Excel's error values; a cell showing one of these is never a number
ERROR_VALUES = frozenset({"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                          "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!"}
                         | {f"Err:{n}" for n in range(500, 600)})  # LibreOffice's and WPS's own codes
_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
                0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


#: a sheet's size in Excel: nothing beyond it is a cell
MAX_ROWS, MAX_COLS = 1_048_576, 16_384


class Uncalculated:
    """A formula cell with no cached result: a program wrote the file and nothing ever calculated it."""

    def __repr__(self) -> str:
        return "<uncalculated formula>"


UNCALCULATED = Uncalculated()


@dataclass
class Grid:
    """One sheet's cells: `rows[i][j]` is the cell at 0-based (top + i, left + j)."""

    name: str | None
    rows: list[list[Any]]
    top: int = 0
    left: int = 0
    #: merged ranges (first row, first column, last row, last column), 0-based and inclusive
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    #: cells that hold a value only because a merge spans them (0-based, absolute), and those of them that
    #: got it from a cell to their left
    filled: set[tuple[int, int]] = field(default_factory=set)
    across: set[tuple[int, int]] = field(default_factory=set)
    #: a long plain text's every line, column by column; `rows` then holds only its first HEAD_LINES lines
    body: TextLines | None = None

    def put(self, row: int, col: int, value: Any) -> None:
        """Set a cell by its absolute place, growing the grid where needed (within a sheet's limits)."""
        i, j = row - self.top, col - self.left
        if i < 0 or j < 0:
            return
        if row >= MAX_ROWS or col >= MAX_COLS:
            raise Refused("sheet_limits", sheet=self.name or "", row=row + 1, col=col + 1)
        while len(self.rows) <= i:
            self.rows.append([])
        line = self.rows[i]
        if len(line) <= j:
            line.extend([""] * (j + 1 - len(line)))
        line[j] = value

    def fill_merges(self) -> None:
        """Give every cell of a merged range the value of its first cell, as the sheet shows it; a merge
        reaches no further than the grid's own rows and widest row."""
        width = self.left + max((len(r) for r in self.rows), default=0) - 1
        for r1, c1, r2, c2 in self.merges:
            c2 = min(c2, width)
            i1, j1 = r1 - self.top, c1 - self.left
            if not (0 <= i1 < len(self.rows) and 0 <= j1 < len(self.rows[i1])):
                continue
            value = self.rows[i1][j1]
            if value is None or value == "":
                continue
            for i in range(max(i1, 0), min(r2 - self.top, len(self.rows) - 1) + 1):
                line = self.rows[i]
                for j in range(max(j1, 0), c2 - self.left + 1):
                    if (i, j) == (i1, j1):
                        continue
                    if j >= len(line):
                        line.extend([""] * (j + 1 - len(line)))
                    if line[j] is None or line[j] == "":
                        line[j] = value
                        self.filled.add((i + self.top, j + self.left))
                        if j != j1:
                            self.across.add((i + self.top, j + self.left))


# ---------------------------------------------------------------------------------------------------------
# what a file really is


KINDS_READ = {"xlsx", "xls", "ods", "xlsb", "html", "xml2003", "text"}
#: what each suffix should hold; `.xls` exports are often HTML or Excel 2003 XML, and that is normal
EXPECTED = {".xlsx": {"xlsx"}, ".xlsm": {"xlsx"}, ".xlsb": {"xlsb"}, ".ods": {"ods"},
            ".xls": {"xls", "html", "xml2003"}, ".csv": {"text"}, ".tsv": {"text"}, ".txt": {"text"}}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: how files begin whose kind only their whole bytes tell (a zip, an OLE compound file)
CONTAINERS = (b"PK", _OLE)


def sniff(data: bytes) -> str:
    """The kind of a file from its bytes: xlsx, xlsb, ods, xls, html, xml2003, text, or a kind kpiscore
    does not read (pdf, docx, image, encrypted, zip, ole, xml, empty, binary), or "damaged" (a zip cut
    short)."""
    if not data.strip():
        return "empty"
    if data.startswith(b"PK"):
        return _zip_kind(data)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # a UTF-16 BOM: Excel's "Unicode text"
        return "text"
    if data.startswith(_OLE):
        if _cfb_cut(data):
            return "damaged"
        directory = data[:1 << 20]
        if "EncryptedPackage".encode("utf-16-le") in directory:
            return "encrypted"
        if "Workbook".encode("utf-16-le") in directory or "Book".encode("utf-16-le") in directory:
            return "encrypted" if _xls_password(data) else "xls"
        return "ole"
    for magic, kind in ((b"%PDF", "pdf"), (b"\x89PNG", "image"), (b"\xff\xd8\xff", "image"), (b"GIF8", "image")):
        if data.startswith(magic):
            return kind
    try:
        head = decode_text(data[:8192]).lstrip().lower()
    except Exception:
        head = data[:8192].decode("latin-1").lstrip().lower()
        if "\x00" in head:
            return "binary"
    if "urn:schemas-microsoft-com:office:spreadsheet" in head and "<workbook" in head:
        return "xml2003"
    if head.startswith(("<!doctype html", "<html")) or "<table" in head[:4096]:
        return "html"
    if head.startswith("<?xml"):
        return "xml"
    if "\x00" in head:
        return "binary"
    return "text"


def _cfb_geometry(data: bytes) -> tuple[int, int] | None:
    """An OLE compound file's sector size and how many whole sectors the file holds; None when its header
    declares a sector size no writer uses (then there is no header to judge by)."""
    if len(data) < 512:
        return None
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):
        return None
    ssz = 1 << shift
    return ssz, (len(data) - ssz) // ssz


def _cfb_cut(data: bytes) -> bool:
    """An OLE compound file (xls) whose header points past its end: cut short in a download."""
    if len(data) < 512:
        return True
    geometry = _cfb_geometry(data)
    if geometry is None:
        return False  # calamine's reading decides
    _, n_sectors = geometry
    first_dir = struct.unpack_from("<I", data, 0x30)[0]
    fat = [sid for sid in struct.unpack_from("<109I", data, 0x4C) if sid < 0xFFFFFFFA]
    return first_dir >= n_sectors or any(sid >= n_sectors for sid in fat)


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
    except Exception:
        return "damaged"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return "ods"
    if any(n.startswith("word/") for n in names) or mimetype.startswith(b"application/vnd.oasis.opendocument.text"):
        return "docx"
    return "zip"


# ---------------------------------------------------------------------------------------------------------
# books: a file opened as named grids


class Book:
    """The sheets of one file: `pick` finds the grid to read, `details` adds what costs a second look."""

    #: the visible sheets, in order, and every sheet (a hidden one may still be asked for by name)
    names: list[str | None]
    all_names: list[str]

    def grid(self, name: str | None) -> Grid:
        raise NotImplementedError

    def pick(self, sheet: str | None, header: Callable[[Grid], int | None]) -> tuple[Grid | None, int | None]:
        """The grid named `sheet` (None when there is none), else the first visible one where `header`
        finds a header row, with that row; the last grid looked at when none has one."""
        if sheet is not None:
            if sheet not in self.all_names:
                return None, None
            grid = self.grid(sheet)
            return grid, header(grid)
        last: Grid | None = None
        for name in self.names:
            last = self.grid(name)
            row = header(last)
            if row is not None:
                return last, row
        return last, None

    def details(self, grid: Grid) -> None:
        """Add error values, uncalculated formulas, hidden rows and columns (and merges calamine does not
        report) to the grid chosen for reading."""


class CsvBook(Book):
    """A CSV/TSV or Unicode-text export: one grid, line numbers as rows."""

    def __init__(self, data: bytes, tab: bool):
        self.names, self.all_names = [None], []
        self.data, self.tab = data, tab

    def grid(self, name: str | None) -> Grid:
        text, encoding = decoded(self.data)
        delimiter = delimiter_of(text[:65536], self.tab)
        if TextLines.plain(text):  # the bytes as they are when they are UTF-8 already (a BOM is in line 1)
            utf8 = self.data if encoding.startswith("utf-8") else text.encode("utf-8")
            lines = text.split("\n", HEAD_LINES)[:HEAD_LINES]
            return Grid(None, csv_rows("\n".join(lines), delimiter), body=TextLines(utf8, delimiter))
        return Grid(None, csv_rows(text, delimiter))


def delimiter_of(head: str, tab: bool) -> str:
    """A text's delimiter: a tab for .tsv, else whichever of , ; and tab its first 20 lines hold most."""
    lines = head.splitlines()[:20]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", ";", "\t")}
    return "\t" if tab else max(counts, key=lambda d: counts[d])


def csv_rows(text: str, delimiter: str) -> list[list[str]]:
    """One record per row, as a spreadsheet opens the text (a quoted field may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text)))  # a field may be as long as the file
    try:
        return [list(row) for row in reader]
    finally:
        csv.field_size_limit(limit)


#: a text of at least this many lines, with no quote and no line break but \n and \r\n, is split by polars;
#: the first HEAD_LINES lines are split by `csv` as well, to find the header in
COLUMNAR_FROM, HEAD_LINES = 20_000, 32


@dataclass
class TextLines:
    """A delimited text in which a record is a line and a field what lies between delimiters: no quote, no
    NUL, no lone \r. polars splits it in Rust into columns of text exactly as `csv` splits it into rows (a
    property test holds the two equal): a million lines of 23 fields in 0.25 s, where `csv` and a frame made
    of its rows took 13 s, and without a Python string per cell."""

    utf8: bytes
    delimiter: str

    @staticmethod
    def plain(text: str) -> bool:
        """Whether a decoded text is one of these, and long enough for polars to pay for itself."""
        return (text.count("\n") >= COLUMNAR_FROM and '"' not in text and "\0" not in text
                and text.count("\r") == text.count("\r\n"))

    def columns(self, first: int, width: int) -> list[Any]:
        """The fields of every line from line `first` (0-based) on, as `width` polars String columns: a
        shorter line's missing fields are empty, a longer line's extra ones left out (as a header row of
        `width` cells reads them). `first` is past the header, so never 0: a BOM is never read."""
        import polars as pl

        frame = pl.read_csv(self.utf8, has_header=False, separator=self.delimiter, quote_char=None,
                            skip_lines=first, schema={str(j): pl.String for j in range(width)},
                            truncate_ragged_lines=True, missing_columns="insert", extra_columns="ignore",
                            empty_string_is_null=False, raise_if_empty=False)
        return [frame[str(j)].fill_null("") for j in range(width)]


class CalamineBook(Book):
    """xlsx, xlsm, xlsb, xls and ods through calamine, in a child process (see `isolate`), plus what
    calamine does not say (see `details`)."""

    def __init__(self, data: bytes, kind: str):
        self.data, self.kind = data, kind
        self.names, self.all_names = [], []
        self._ods: dict[str, _OdsSheet] | None = None

    def pick(self, sheet: str | None, header: Callable[[Grid], int | None]) -> tuple[Grid | None, int | None]:
        self.names, self.all_names, grid, row = isolated(_calamine_pick, self.data, sheet, header,
                                                          size=len(self.data))
        return grid, row

    def details(self, grid: Grid) -> None:
        if self.kind == "xlsx":
            _xlsx_details(self.data, grid)
        elif self.kind == "xls":
            _xls_details(self.data, grid)
        elif self.kind == "ods":
            sheet = self._ods_sheet(grid.name)
            if not grid.merges:
                grid.merges = list(sheet.merges)
            for (r, c), value in sheet.errors.items():
                grid.put(r, c, value)
            grid.hidden_rows |= sheet.hidden_rows
            grid.hidden_cols |= sheet.hidden_cols

    def _ods_sheet(self, name: str | None) -> _OdsSheet:
        if self._ods is None:
            self._ods = _ods_scan(self.data)
        return self._ods.get(name or "", _OdsSheet())


class _CalamineSheets(Book):
    """calamine's own view of a workbook: what runs inside the child process."""

    def __init__(self, data: bytes):
        from python_calamine import CalamineWorkbook

        self.data = data
        self.book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        self.names = [m.name for m in self.book.sheets_metadata
                      if str(m.visible).endswith("Visible") and "Hidden" not in str(m.visible)]
        self.all_names = list(self.book.sheet_names)

    def grid(self, name: str | None) -> Grid:
        check_area(self.data, name)
        ws = self.book.get_sheet_by_name(name or "")
        top, left = ws.start or (0, 0)
        grid = Grid(name, ws.to_python(), top, left)
        grid.merges = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in ws.merged_cell_ranges or []]
        return grid


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


def _calamine_pick(data: bytes, sheet: str | None, header: Callable[[Grid], int | None]
                   ) -> tuple[list[str | None], list[str], Grid | None, int | None]:
    sheets = _CalamineSheets(data)
    grid, row = sheets.pick(sheet, header)
    return sheets.names, sheets.all_names, grid, row


def open_book(data: bytes, kind: str, tab: bool = False) -> Book:
    """A file of a kind kpiscore reads, opened as a book of grids; `tab` for a .tsv's text."""
    if kind == "text":
        return CsvBook(data, tab)
    if kind == "html":
        return _HtmlBook(data)
    if kind == "xml2003":
        return _Xml2003Book(data)
    return CalamineBook(data, kind)


# ---------------------------------------------------------------------------------------------------------
# xlsx: error values, uncalculated formulas and hidden rows from the sheet's XML


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


def _xlsx_details(data: bytes, grid: Grid) -> None:
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


# ---------------------------------------------------------------------------------------------------------
# xls: the same from the BIFF records of the compound file


def cfb_stream(data: bytes, names: tuple[str, ...]) -> bytes | None:
    """A stream of an OLE compound file (the `Workbook` of an xls), or None when the file's structure does
    not hold together; every sector number and chain is bounded by the file's own size."""
    geometry = _cfb_geometry(data)
    if geometry is None or not data.startswith(_OLE) or struct.unpack_from("<H", data, 0x20)[0] != 6:
        return None  # 64-byte mini sectors, as every writer uses
    cfb = _Cfb(data, *geometry)
    entries = cfb.entries()
    for name, kind, start, size in entries:
        if kind == 2 and name in names:
            return cfb.stream(start, size, root_start=entries[0][2])
    return None


class _Cfb:
    """The sectors, allocation tables and directory of a compound file whose geometry was checked."""

    MINI = 64

    def __init__(self, data: bytes, ssz: int, n_sectors: int):
        self.data, self.ssz, self.n = data, ssz, n_sectors
        (n_fat, self.first_dir, _, self.cutoff, self.first_minifat, self.n_minifat, first_difat,
         n_difat) = struct.unpack_from("<IIIIIIII", data, 0x2C)
        difat = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < n_sectors]
        sid, seen = first_difat, 0
        while sid < n_sectors and seen <= n_difat and seen < n_sectors:
            block = self._ints(sid)
            difat += [s for s in block[:-1] if s < n_sectors]
            sid, seen = block[-1], seen + 1
        self.fat = [x for s in difat[:n_fat] for x in self._ints(s)]

    def _sector(self, sid: int) -> bytes:
        return self.data[(sid + 1) * self.ssz:(sid + 2) * self.ssz]

    def _ints(self, sid: int) -> tuple[int, ...]:
        return struct.unpack(f"<{self.ssz // 4}I", self._sector(sid))

    @staticmethod
    def _chain(start: int, table: list[int], limit: int) -> list[int]:
        """A chain of sector numbers, cut at the first one out of range and never longer than `limit`."""
        out: list[int] = []
        sid = start
        while sid < limit and len(out) <= limit:
            out.append(sid)
            sid = table[sid] if sid < len(table) else 0xFFFFFFFE
        return out

    def _read(self, start: int) -> bytes:
        return b"".join(self._sector(s) for s in self._chain(start, self.fat, self.n))

    def entries(self) -> list[tuple[str, int, int, int]]:
        """(name, kind, first sector, size) of every directory entry; the first is the root."""
        directory = self._read(self.first_dir)
        entries = []
        for off in range(0, len(directory) - 127, 128):
            length = struct.unpack_from("<H", directory, off + 64)[0]
            name = directory[off:off + max(0, min(length, 64) - 2)].decode("utf-16-le", "replace")
            start, size = struct.unpack_from("<II", directory, off + 116)
            entries.append((name, directory[off + 66], start, size))
        return entries

    def stream(self, start: int, size: int, root_start: int) -> bytes:
        """A stream's bytes: from the sectors, or below the cutoff from the root's mini stream."""
        if size >= self.cutoff:
            return self._read(start)[:size]
        minifat = [x for s in self._chain(self.first_minifat, self.fat, self.n)[:self.n_minifat]
                   for x in self._ints(s)]
        ministream = self._read(root_start)
        mini = self.MINI
        chain = self._chain(start, minifat, len(ministream) // mini)
        return b"".join(ministream[m * mini:(m + 1) * mini] for m in chain)[:size]


def _records(stream: bytes, pos: int) -> Iterator[tuple[int, int, int]]:
    """(type, body start, body length) of the BIFF records from `pos` to the substream's EOF."""
    end = len(stream)
    unpack = struct.unpack_from
    while pos + 4 <= end:
        rtype, length = unpack("<HH", stream, pos)
        yield rtype, pos + 4, length
        if rtype == 0x000A:  # EOF
            return
        pos += 4 + length


def _xls_password(data: bytes) -> bool:
    """An xls saved with a password to open: a FILEPASS record among the workbook's global records."""
    stream = cfb_stream(data, ("Workbook", "Book"))
    return stream is not None and any(rtype == 0x002F for rtype, _, _ in _records(stream, 0))


def _xls_details(data: bytes, grid: Grid) -> None:
    stream = cfb_stream(data, ("Workbook", "Book"))
    if stream is None or len(stream) < 8 or struct.unpack_from("<HHH", stream, 0)[2] != 0x0600:
        return  # not BIFF8 (Excel 97–2003): calamine's reading stands alone
    offset = None
    for rtype, body, length in _records(stream, 0):
        if rtype == 0x0085 and length >= 8:  # BOUNDSHEET: the sheet's name and where its records start
            position = struct.unpack_from("<I", stream, body)[0]
            cch, flags = stream[body + 6], stream[body + 7]
            raw = stream[body + 8:body + 8 + cch * (2 if flags & 1 else 1)]
            name = raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")
            if name == grid.name:
                offset = position
    if offset is None or offset >= len(stream):
        return
    unpack = struct.unpack_from
    for rtype, body, length in _records(stream, offset):
        if rtype == 0x0006 and length >= 14:  # FORMULA: a cached error result
            if stream[body + 12:body + 14] == b"\xff\xff" and stream[body + 6] == 2:
                row, col = unpack("<HH", stream, body)
                grid.put(row, col, _BIFF_ERRORS.get(stream[body + 8], "#VALUE!"))
        elif rtype == 0x0205 and length >= 8 and stream[body + 7]:  # BOOLERR holding an error
            row, col = unpack("<HH", stream, body)
            grid.put(row, col, _BIFF_ERRORS.get(stream[body + 6], "#VALUE!"))
        elif rtype == 0x0208 and length >= 14 and unpack("<H", stream, body + 12)[0] & 0x20:  # ROW, hidden
            grid.hidden_rows.add(unpack("<H", stream, body)[0])
        elif rtype == 0x007D and length >= 10 and unpack("<H", stream, body + 8)[0] & 1:  # COLINFO, hidden
            first, last = unpack("<HH", stream, body)
            grid.hidden_cols.update(range(first, min(last, 255) + 1))


# ---------------------------------------------------------------------------------------------------------
# ods: merges, error values and hidden rows from content.xml


@dataclass
class _OdsSheet:
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)


_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"


def _ods_scan(data: bytes) -> dict[str, _OdsSheet]:
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
        self.sheets: dict[str, _OdsSheet] = {}
        self.sheet = _OdsSheet()
        self.row = self.col = self.column_index = 0

    def _count(self, el: Any, what: str) -> int:
        return int(el.get(self.T + what, "1"))

    def _hidden(self, el: Any) -> bool:
        return el.get(self.T + "visibility", "visible") != "visible"

    def start(self, el: Any) -> None:
        t = self.T
        if el.tag == t + "table":
            self.sheet = self.sheets.setdefault(el.get(t + "name", ""), _OdsSheet())
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


# ---------------------------------------------------------------------------------------------------------
# HTML tables and Excel 2003 XML, as ERP, CRM and call-centre systems export them under `.xls`


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


class _HtmlBook(Book):
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


_SS = "urn:schemas-microsoft-com:office:spreadsheet"


class _Xml2003Book(Book):
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
