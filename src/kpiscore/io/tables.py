"""Files to raw tables: a file becomes its cells as they are, the header row found below any title rows,
each row and column remembering its Excel address (`Source`), so that a cell is named `file › sheet › D7`.

Every file kpiscore reads, an input or a scheme's source, passes the one gate here (`open_file`, `reading`): a
missing, unreadable, oversized, encrypted or mislabelled file is the same finding whichever role it plays.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.say import Term
from ..core.values import columns_frame, fold
from ..errors import Finding, InputError
from .cells import show
from .decode import DecodeProblem, file_problem
from .formats.grid import Book, Grid
from .isolate import ReaderCrashed, Refused, reader_detail
from .sheets import CONTAINERS, EXPECTED, KINDS_READ, open_book, sniff

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
HEADER_ROWS = 20
#: an input larger than this is refused before it is read
MAX_INPUT = 4 * 2**30


#: the most characters an xlsx cell holds; longer text is cut when the scored workbook is written
XLSX_TEXT = 32767


#: custom document properties with which an input template records its scheme
STAMP_NAME, STAMP_HASH = "kpiscore_scheme", "kpiscore_scheme_sha256"
#: the very hidden sheet in which a scored workbook records its scheme's document (JSON, in chunks down column
#: A), for `kpiscore import` to give the scheme back
RECORD_SHEET, RECORD_CHUNK = "kpiscore", 30000


#: zip members that declare more than RATIO × their compressed size and over MEMBER_LIMIT bytes are refused,
#: as is a zip whose members declare over TOTAL_LIMIT bytes in all.
RATIO, MEMBER_LIMIT, TOTAL_LIMIT = 100, 50 * 2**20, 4 * 2**30


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Source:
    """Where the actuals came from, so that a row and a column name become `file › sheet › D7`."""

    file: str
    sheet: str | None = None
    path: Path | None = None
    sha256: str | None = None
    letters: dict[str, str] = field(default_factory=dict)
    header_row: int = 1
    #: the scheme name and content hash a kpiscore input template recorded, if the file is one
    stamp: dict[str, str] | None = None
    #: Excel row numbers of hidden rows, and the names of hidden columns
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[str] = field(default_factory=set)
    #: what the reader noticed and the user should know, without stopping (summary rows left out, …)
    notices: list[Finding] = field(default_factory=list)
    #: text columns whose every cell is blank or a plain number, read into floats already (see `_text_columns`)
    plain: set[str] = field(default_factory=set)

    def at(self, code: str, params: dict[str, Any], row: int | None = None, column: str | None = None) -> Finding:
        cell = None
        if column is not None and row is not None:
            cell = f"{self.letters.get(column, '?')}{row}"
        elif column is not None:
            cell = f"{self.letters.get(column, '?')}{self.header_row}"
        elif row is not None:
            cell = f"{row}:{row}"  # a whole row, as Excel names it
        return Finding(code, params, file=self.file, sheet=self.sheet or None, cell=cell)


def read_table(path: Path, key: str, sheet: str | None, numbers: frozenset[str] = frozenset()
               ) -> tuple[pd.DataFrame, Source]:
    """A file's raw cells below the header row that the column `key` (工号, as written) marks, and where they came from;
    `numbers` are columns that will only be read as numbers (see `_text_columns`).
    Whatever the file holds, the outcome is a table or an InputError naming the file: a reader library's
    exception, a native crash (see `isolate`) or a bomb becomes a finding, never a traceback."""
    return table_of(open_file(path), key, sheet, numbers)


@dataclass
class Opened:
    """A file let through the gate: where it came from (the notice that its kind is not its suffix's on it),
    what it really is (`sheets.sniff`), and its bytes; None for a text too long to hold, which its reader
    streams."""

    src: Source
    kind: str
    suffix: str
    data: bytes | None


#: the bytes a file's kind is told by where it is a text (a workbook is a container, read whole)
HEAD = 1 << 16


def open_file(path: Path, whole: bool = True, documents: bool = False) -> Opened:
    """The one gate every file read passes, an input or a source: a missing, unreadable, oversized, encrypted or
    damaged file, a suffix or a kind kpiscore does not read, and a zip bomb are refused here, each the same
    finding whatever role the file plays; a text is held whole only when `whole` asks for it. `documents` lets
    a Word document through, for a KPI table kept in one."""
    src = Source(path.name, path=path)
    problem = file_problem(path)
    if problem is not None:
        raise InputError([Finding(*problem)])
    suffix = path.suffix.lower()
    if suffix not in EXCEL_SUFFIXES | CSV_SUFFIXES | ({".docx"} if documents else set()):
        raise InputError([src.at("file_format", {"suffix": suffix or path.name})])
    with reading(src):
        size = path.stat().st_size
        if size > MAX_INPUT:
            raise InputError([src.at("file_too_large", {"size": f"{size:,}", "limit": f"{MAX_INPUT:,}"})])
        data: bytes | None
        with path.open("rb") as f:
            head = f.read(HEAD)
            data = head + f.read() if whole or head.startswith(CONTAINERS) or len(head) < HEAD else None
        if data is not None:
            src.sha256 = hashlib.sha256(data).hexdigest()
            _guard_zip(data, src)  # before any member is opened, to tell its kind
            kind = sniff(data)
        else:  # a long text: its head tells it, and its reader takes its SHA-256 as it streams it
            kind = sniff(head) if head.strip() else "text"
    if kind in ("encrypted", "damaged"):
        raise InputError([src.at("file_encrypted" if kind == "encrypted" else "file_damaged", {})])
    if kind not in KINDS_READ | ({"docx"} if documents else set()):
        raise InputError([src.at("file_kind", {"kind": Term("kind_" + kind)})])
    if kind not in EXPECTED.get(suffix, {"docx"}):
        src.notices.append(src.at("file_kind_mismatch", {"suffix": suffix, "kind": Term("kind_" + kind)}))
    return Opened(src, kind, suffix, data)


@contextmanager
def reading(src: Source) -> Iterator[None]:
    """What a reader raises, as a finding at the file: a byte its encoding cannot hold, a refusal, a native crash
    (see `isolate`), an OS error (no permission, a file locked by another program) or any library's exception."""
    try:
        yield
    except InputError:
        raise
    except DecodeProblem as exc:
        raise InputError([src.at("file_encoding", {"line": exc.line, "encoding": exc.encoding})]) from exc
    except Refused as exc:
        raise InputError([src.at(exc.code, exc.params)]) from exc
    except ReaderCrashed as exc:
        raise InputError([src.at("file_crashed", {"detail": str(exc)})]) from exc
    except OSError as exc:
        raise InputError([src.at("file_unreadable", {"detail": exc.strerror or str(exc)})]) from None
    except Exception as exc:  # zipfile, calamine, csv and the XML parsers raise many unrelated types
        raise InputError([src.at("file_unreadable", {"detail": reader_detail(exc)})]) from exc


def table_of(opened: Opened, key: str, sheet: str | None, numbers: frozenset[str] = frozenset()
             ) -> tuple[pd.DataFrame, Source]:
    """An opened file's raw table (see `read_table`); a text held back by the gate is read whole now."""
    src = opened.src
    with reading(src):
        data = opened.data
        if data is None:
            data = src.path.read_bytes() if src.path else b""
            src.sha256 = hashlib.sha256(data).hexdigest()
        if opened.kind == "xlsx":
            src.stamp = read_stamp(data)
        return _read_book(open_book(data, opened.kind, tab=opened.suffix == ".tsv"), src, key, sheet, numbers)


def _read_book(book: Book, src: Source, key: str, sheet: str | None, numbers: frozenset[str]
               ) -> tuple[pd.DataFrame, Source]:
    id_col = fold(key)
    grid, header = book.pick(sheet, lambda g: _find_header(g, id_col))
    if sheet is not None and grid is None:
        names = [n for n in book.all_names if n]
        raise InputError([src.at("sheet_missing", {"sheet": sheet, "sheets": ", ".join(names)})])
    if grid is None or header is None:
        src.sheet = sheet
        code = "header_missing" if sheet is not None else "header_missing_any"
        raise InputError([src.at(code, {"column": key})])
    src.sheet = grid.name
    book.details(grid)
    grid.fill_merges()
    return _table(grid, header, id_col, src, numbers), src


def read_stamp(data: bytes) -> dict[str, str] | None:
    """The kpiscore custom document properties of an xlsx (its template stamp), read with defusedxml."""
    from defusedxml import DefusedXmlException, ElementTree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            info = zf.getinfo("docProps/custom.xml")
            if info.file_size > MEMBER_LIMIT:
                return None
            root = ElementTree.fromstring(zf.read(info))
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, DefusedXmlException):
        return None  # no stamp, or one that is not ours to trust
    stamp = {}
    for prop in root:
        name = prop.get("name")
        if name in (STAMP_NAME, STAMP_HASH) and len(prop):
            stamp[name] = prop[0].text or ""
    return stamp or None


def _guard_zip(data: bytes, src: Source) -> None:
    """Refuse a zip bomb before any XML is parsed, from the sizes the members declare."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            total += info.file_size
            bomb = info.file_size > RATIO * max(info.compress_size, 1) and info.file_size > MEMBER_LIMIT
            if bomb or total > TOTAL_LIMIT:
                raise InputError([src.at("zip_bomb", {"member": info.filename})])


def header_key(value: Any) -> str:
    """A header cell as a column name: folded; a line break typed inside the cell ("客服响应\n及时率") joins
    its lines, and spaces that spread a short name out ("工  号", "姓　名") close up."""
    if value in (None, ""):
        return ""
    return _CJK_GAP.sub("", _BREAK.sub("", fold(show(value))))


_BREAK = re.compile(r"\s*[\r\n]+\s*")


_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def _find_header(grid: Grid, id_col: str) -> int | None:
    """The absolute row (0-based) of the first row within HEADER_ROWS that holds the id column's name."""
    for i, row in enumerate(grid.rows[: max(0, HEADER_ROWS - grid.top)]):
        if any(isinstance(c, str) and header_key(c) == id_col for c in row):
            return grid.top + i
    return None


def _header_rows(grid: Grid, header: int, id_col: str) -> int:
    """How many rows the header takes: more than one where 工号 is merged down over a second row, or where
    dimension names merged across stand above a row of indicator names (the id cell below left blank)."""
    rows = grid.rows
    first = rows[header - grid.top]
    id_at = next(j for j, c in enumerate(first) if isinstance(c, str) and header_key(c) == id_col)
    across = any(r1 == header and c2 > c1 for r1, c1, r2, c2 in grid.merges)
    span = 1
    while span < 4 and header - grid.top + span < len(rows):
        below = rows[header - grid.top + span]
        cell = below[id_at] if id_at < len(below) else ""
        merged_down = header_key(cell) == id_col  # 工号 merged down (or typed again) over this row
        names_below = across and cell in (None, "") and any(isinstance(c, str) and c.strip() for c in below)
        if not (merged_down or names_below):
            break
        span += 1
    return span


def _table(grid: Grid, header: int, id_col: str, src: Source, numbers: frozenset[str] = frozenset()
           ) -> pd.DataFrame:
    """The rows below the header as a frame of raw cells, indexed by Excel row number, named by header.
    Columns in `numbers` (read as numbers by the scheme) of a long plain text may come as floats (see
    `_text_columns`)."""
    span = _header_rows(grid, header, id_col)
    head_rows = grid.rows[header - grid.top: header - grid.top + span]
    width = max(len(r) for r in head_rows)
    head = []
    for j in range(width):  # the lowest non-blank header cell names the column; a name merged across
        names = [header_key(r[j]) if (header + k, grid.left + j) not in grid.across else ""  # columns
                 for k, r in enumerate(head_rows) if j < len(r)]  # names only the first of them
        head.append(next((n for n in reversed(names) if n), ""))
    src.header_row = header + span
    first = header - grid.top + span
    keep = [i for i, name in enumerate(head) if name]
    if grid.body is not None:
        frame = _text_columns(grid.body.columns(first, width), first, keep, head, numbers, src)
    else:
        frame = _rows(grid, first, width)[keep]
    frame.columns = [head[i] for i in keep]
    src.letters = {}
    for i in keep:
        src.letters.setdefault(head[i], column_letter(grid.left + i))
    src.hidden_rows = {r + 1 for r in grid.hidden_rows}
    src.hidden_columns = {head[i] for i in keep if grid.left + i in grid.hidden_cols}
    return frame


def _rows(grid: Grid, first: int, width: int) -> pd.DataFrame:
    """The grid's rows from `first` on, each `width` cells, as one frame."""
    body, numbers = [], []
    merged_rows = {r for r, _ in grid.filled}
    for i, r in enumerate(grid.rows[first:], start=first):
        row = r[:width] + [""] * (width - len(r))
        absolute = grid.top + i
        # a row that holds nothing but the spill of a merged cell (a blank line inside a merged 部门) is blank
        if absolute in merged_rows and all(v in (None, "") or (absolute, grid.left + j) in grid.filled
                                           for j, v in enumerate(row)):
            continue
        body.append(row)
        numbers.append(absolute + 1)
    return pd.DataFrame(body, columns=range(width), index=numbers, dtype=object)


#: a number as `show` writes the float it reads as: no sign but -, no leading or trailing zero, no exponent,
#: not below 0.0001 (which Python writes as 1e-05)
_CANONICAL = r"^(?:0|-?(?:[1-9][0-9]*(?:\.[0-9]*[1-9])?|0\.0{0,3}[1-9](?:[0-9]*[1-9])?))$"


def _text_columns(columns: list[Any], first: int, keep: list[int], head: list[str], numbers: frozenset[str],
                  src: Source) -> pd.DataFrame:
    """Text columns split by polars as a frame of raw cells. A column read as numbers whose every cell is
    blank or a number written just as `show` writes its float ("88.5", "-3", not "088" or "1e3") comes as
    floats (NaN for a blank) and is named in `src.plain`: its cells are still text to `parse`, read already,
    and each still shows as typed; a million such cells held as Python strings would take 60 MB a column.
    Each polars column is let go as soon as it is converted."""
    names = [head[i] for i in keep]
    rows = len(columns[0]) if columns else 0
    cells = []
    for i in keep:
        read = _exact_numbers(columns[i]) if head[i] in numbers and names.count(head[i]) == 1 else None
        if read is not None:
            src.plain.add(head[i])
        cells.append(_strings(columns[i]) if read is None else read.to_numpy())  # a blank's null as NaN
        columns[i] = read = None
    return columns_frame(cells, keep, pd.RangeIndex(first + 1, first + 1 + rows))


def _exact_numbers(texts: Any) -> Any:
    """A text column as polars floats when every cell is blank or a number `show` writes as typed."""
    import polars as pl

    read = texts.cast(pl.Float64, strict=False)
    blank, canonical = texts == "", texts.str.contains(_CANONICAL)
    # at most 15 digits: a float keeps them all (DBL_DIG), and `show` writes no fewer
    exact = canonical & (texts.str.len_bytes() <= 15)
    if not (exact | blank).all():  # longer ones, where they are the shortest digits that read back (repr's)
        exact |= canonical & (read.cast(pl.String) == texts)
    return read if (exact | blank).all() else None


def _strings(texts: Any) -> np.ndarray:
    """A polars text column as Python strings, each distinct text made once: a department or a name
    repeated a million times is one string, not a million."""
    distinct = texts.unique().sort()
    if len(distinct) > len(texts) // 2:
        return texts.to_numpy()
    return distinct.to_numpy()[distinct.search_sorted(texts).to_numpy()]
