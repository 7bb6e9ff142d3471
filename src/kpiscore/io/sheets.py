"""Files to grids of raw cells, whatever kind of file they really are.

Files are recognised by their bytes, not their suffix (`sniff`): the `.xls` that a CRM exports is often an
HTML table or Excel 2003 XML, and a file that is none of these is named for what it is. Each kind is read
by its module in `formats`; xlsx, xlsb, xls and ods through calamine, with their details added.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from .decode import decode_text
from .formats.delimited import CsvBook
from .formats.grid import Book, Grid
from .formats.html import HtmlBook
from .formats.ods import OdsSheet, ods_scan
from .formats.xls import OLE, cfb_cut, xls_details, xls_password
from .formats.xlsx import check_area, xlsx_details
from .formats.xml2003 import Xml2003Book
from .isolate import isolated

KINDS_READ = {"xlsx", "xls", "ods", "xlsb", "html", "xml2003", "text"}


#: what each suffix should hold; `.xls` exports are often HTML or Excel 2003 XML, and that is normal
EXPECTED = {".xlsx": {"xlsx"}, ".xlsm": {"xlsx"}, ".xlsb": {"xlsb"}, ".ods": {"ods"},
            ".xls": {"xls", "html", "xml2003"}, ".csv": {"text"}, ".tsv": {"text"}, ".txt": {"text"}}


#: how files begin whose kind only their whole bytes tell (a zip, an OLE compound file)
CONTAINERS = (b"PK", OLE)


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
    if data.startswith(OLE):
        if cfb_cut(data):
            return "damaged"
        directory = data[:1 << 20]
        if "EncryptedPackage".encode("utf-16-le") in directory:
            return "encrypted"
        if "Workbook".encode("utf-16-le") in directory or "Book".encode("utf-16-le") in directory:
            return "encrypted" if xls_password(data) else "xls"
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


class CalamineBook(Book):
    """xlsx, xlsm, xlsb, xls and ods through calamine, in a child process (see `isolate`), plus what
    calamine does not say (see `details`)."""

    def __init__(self, data: bytes, kind: str):
        self.data, self.kind = data, kind
        self.names, self.all_names = [], []
        self._ods: dict[str, OdsSheet] | None = None

    def pick(self, sheet: str | None, header: Callable[[Grid], int | None]) -> tuple[Grid | None, int | None]:
        self.names, self.all_names, grid, row = isolated(_calamine_pick, self.data, sheet, header,
                                                          size=len(self.data))
        return grid, row

    def details(self, grid: Grid) -> None:
        if self.kind == "xlsx":
            xlsx_details(self.data, grid)
        elif self.kind == "xls":
            xls_details(self.data, grid)
        elif self.kind == "ods":
            sheet = self._ods_sheet(grid.name)
            if not grid.merges:
                grid.merges = list(sheet.merges)
            for (r, c), value in sheet.errors.items():
                grid.put(r, c, value)
            grid.hidden_rows |= sheet.hidden_rows
            grid.hidden_cols |= sheet.hidden_cols

    def _ods_sheet(self, name: str | None) -> OdsSheet:
        if self._ods is None:
            self._ods = ods_scan(self.data)
        return self._ods.get(name or "", OdsSheet())


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
        return HtmlBook(data)
    if kind == "xml2003":
        return Xml2003Book(data)
    return CalamineBook(data, kind)
