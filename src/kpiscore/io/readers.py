"""Input files to typed columns, with every bad cell reported at the place Excel shows it.

Reading happens in two steps: a file becomes a raw table (cells as they are, the header row found below
any title rows, each row and column remembering its Excel address), then the scheme turns the raw table
into typed columns — percents as fractions, ids as text, labels folded — collecting every problem.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import calibration
from ..core.analysis import EVERYONE
from ..core.engine import missing_problems, money_columns
from ..core.measures import ID, Feeds, SourceFile, SourceSpec
from ..core.payout import team_keys, team_values
from ..core.rules import Rating
from ..core.say import Term
from ..core.scheme import Adjustment, Indicator, Participation, Scheme
from ..core.values import (
    MONEY_LIMIT,
    NUMBER,
    NUMBER_LIMIT,
    PERCENT_MAX,
    THOUSANDS,
    columns_frame,
    first_rows,
    fold,
    hundredths,
    label_key,
    mark_key,
    one,
)
from ..errors import Finding, InputError
from ..text import label
from .decode import DecodeProblem, file_problem
from .isolate import ReaderCrashed, Refused, reader_detail
from .sheets import (
    ERROR_VALUES,
    EXPECTED,
    KINDS_READ,
    Book,
    Grid,
    Uncalculated,
    open_book,
    sniff,
)

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
HEADER_ROWS = 20
#: an input larger than this is refused before it is read
MAX_INPUT = 4 * 2**30
#: the most characters an xlsx cell holds; longer text is cut when the scored workbook is written
XLSX_TEXT = 32767
#: custom document properties with which an input template records its scheme
STAMP_NAME, STAMP_HASH = "kpiscore_scheme", "kpiscore_scheme_sha256"
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


@dataclass
class Actuals:
    """Typed input values: one row per employee, indexed by the row number Excel shows."""

    frame: pd.DataFrame
    source: Source
    #: problems that do not stop scoring (the scheme changed since the input template was made)
    warnings: list[Finding] = field(default_factory=list)
    #: more per-person columns the result carries, indexed like `frame` (a batch's roles)
    extra: dict[str, pd.Series] = field(default_factory=dict)
    #: the rows the scheme's participation leaves out: id, name, group and the reason (see `_not_assessed`)
    not_assessed: pd.DataFrame = field(default_factory=pd.DataFrame)


@contextmanager
def _told_in(scheme: Scheme) -> Iterator[None]:
    """Problems found while reading are read in the scheme's language: the place where they are raised
    knows only their codes and facts."""
    try:
        yield
    except InputError as exc:
        raise InputError(exc.findings, scheme.language) from exc.__cause__


def read_actuals(source: str | Path | pd.DataFrame, scheme: Scheme, sheet: str | None = None,
                 feeds: Feeds | None = None) -> Actuals:
    """Read a workbook, a CSV export or a DataFrame, check every cell against the scheme (measures and
    personal targets from `feeds`, the scheme's sources as read); raise InputError."""
    with _told_in(scheme):
        return _read_actuals(source, scheme, sheet, feeds)


def read_by_role(path: Path, schemes: dict[str, Scheme], role_column: str | None, roles: dict[str, str],
                 feeds: dict[str, Feeds] | None = None) -> dict[str, Actuals]:
    """One file whose rows are scored under different schemes by a role column, as Actuals per scheme with
    each row's role (`roles` maps each role as the plan writes it to a scheme key); without a role column,
    every row under the one scheme. A role that maps to no scheme is an error at its cell; raise InputError
    with every problem."""
    with _told_in(next(iter(schemes.values()))):
        return _read_by_role(path, schemes, role_column, roles, feeds or {})


def read_roster(path: str | Path, scheme: Scheme) -> Actuals:
    """A roster (xlsx or csv with the scheme's id, name and optionally group columns) as a frame of text;
    duplicate and blank ids are errors, reported with their cells; summary rows left out are notices."""
    with _told_in(scheme):
        return _read_roster(path, scheme)


def _read_actuals(source: str | Path | pd.DataFrame, scheme: Scheme, sheet: str | None = None,
                  feeds: Feeds | None = None) -> Actuals:
    if isinstance(source, pd.DataFrame):
        raw = source.copy(deep=False)  # the caller's frame is read, never written; its dtypes stay
        raw.columns = [fold(str(c)) for c in raw.columns]
        raw.index = np.arange(len(raw)) + 2  # as if the header were row 1
        src = Source("<DataFrame>", letters={c: column_letter(i) for i, c in enumerate(raw.columns)})
    else:
        raw, src = read_table(Path(source), scheme.columns.id, sheet, _number_columns(scheme))
    frame, findings, left_out = parse(raw, scheme, src, feeds=feeds)
    if findings:
        raise InputError(findings)
    warnings = list(src.notices)
    if src.stamp and src.stamp.get(STAMP_HASH) != scheme.content_hash:
        warnings.append(Finding("template_changed", {"name": src.stamp.get(STAMP_NAME, "?")}, file=src.file))
    return Actuals(frame, src, warnings + _left_out_notice(left_out, src), not_assessed=left_out)


def _left_out_notice(left_out: pd.DataFrame, src: Source) -> list[Finding]:
    """How many rows were not assessed, and why: 3 人未参评（试用期 2、离职 1）."""
    if not len(left_out):
        return []
    counts = left_out["reason"].value_counts(sort=False)
    reasons = "、".join(f"{reason} {n}" for reason, n in counts.items())
    return [Finding("not_assessed", {"count": len(left_out), "reasons": reasons}, file=src.file)]


# ---------------------------------------------------------------------------------------------------------
# files to raw tables


def read_table(path: Path, key: str, sheet: str | None, numbers: frozenset[str] = frozenset()
               ) -> tuple[pd.DataFrame, Source]:
    """A file's raw cells below the header row that the column `key` (工号, as written) marks, and where they came from;
    `numbers` are columns that will only be read as numbers (see `_text_columns`).
    Whatever the file holds, the outcome is a table or an InputError naming the file: a reader library's
    exception, a native crash (see `isolate`) or a bomb becomes a finding, never a traceback."""
    src = Source(path.name, path=path)
    problem = file_problem(path)
    if problem is not None:
        raise InputError([Finding(*problem)])
    suffix = path.suffix.lower()
    if suffix not in EXCEL_SUFFIXES | CSV_SUFFIXES:
        raise InputError([src.at("file_format", {"suffix": suffix or path.name})])
    try:
        if path.stat().st_size > MAX_INPUT:
            size = {"size": f"{path.stat().st_size:,}", "limit": f"{MAX_INPUT:,}"}
            raise InputError([src.at("file_too_large", size)])
        data = path.read_bytes()
    except OSError as exc:  # a folder, no permission, a file locked by another program
        detail = exc.strerror or str(exc)
        raise InputError([src.at("file_unreadable", {"detail": detail})]) from None
    src.sha256 = hashlib.sha256(data).hexdigest()
    try:
        return _read_bytes(data, suffix, src, key, sheet, numbers)
    except InputError:
        raise
    except DecodeProblem as exc:
        raise InputError([src.at("file_encoding", {"line": exc.line, "encoding": exc.encoding})]) from exc
    except Refused as exc:
        raise InputError([src.at(exc.code, exc.params)]) from exc
    except ReaderCrashed as exc:
        raise InputError([src.at("file_crashed", {"detail": str(exc)})]) from exc
    except Exception as exc:  # zipfile, calamine, csv and the XML parsers raise many unrelated types
        raise InputError([src.at("file_unreadable", {"detail": reader_detail(exc)})]) from exc


def _read_bytes(data: bytes, suffix: str, src: Source, key: str, sheet: str | None, numbers: frozenset[str]
                ) -> tuple[pd.DataFrame, Source]:
    _guard_zip(data, src)
    kind = sniff(data)
    if kind in ("encrypted", "damaged"):
        code = "file_encrypted" if kind == "encrypted" else "file_damaged"
        raise InputError([src.at(code, {})])
    if kind not in KINDS_READ:
        raise InputError([src.at("file_kind", {"kind": Term("kind_" + kind)})])
    if kind not in EXPECTED[suffix]:
        src.notices.append(src.at("file_kind_mismatch", {"suffix": suffix, "kind": Term("kind_" + kind)}))
    if kind == "xlsx":
        src.stamp = read_stamp(data)
    return _read_book(open_book(data, kind, tab=suffix == ".tsv"), src, key, sheet, numbers)


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


def _number_columns(scheme: Scheme) -> frozenset[str]:
    """The columns a scheme reads only as numbers: the bonus base and inputs of rules without labels (none
    when a not-applicable mark is itself a number, which a cell must then be compared with as text)."""
    cols = scheme.columns
    if _numeric_mark(scheme.not_applicable_marks):
        return frozenset()
    labelled = {fold(c) for item in scheme.items if item.rule.labels() is not None for c in item.inputs}
    identity = {fold(c) for c in (cols.id, cols.name, cols.group) if c}
    numbers = {fold(c) for item in scheme.items if item.rule.labels() is None for c in item.inputs}
    return frozenset(numbers | {fold(c) for c in money_columns(scheme)}) - labelled - identity


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
    return _CJK_GAP.sub("", _BREAK.sub("", fold(_show(value))))


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


#: a number as `_show` writes the float it reads as: no sign but -, no leading or trailing zero, no exponent,
#: not below 0.0001 (which Python writes as 1e-05)
_CANONICAL = r"^(?:0|-?(?:[1-9][0-9]*(?:\.[0-9]*[1-9])?|0\.0{0,3}[1-9](?:[0-9]*[1-9])?))$"


def _text_columns(columns: list[Any], first: int, keep: list[int], head: list[str], numbers: frozenset[str],
                  src: Source) -> pd.DataFrame:
    """Text columns split by polars as a frame of raw cells. A column read as numbers whose every cell is
    blank or a number written just as `_show` writes its float ("88.5", "-3", not "088" or "1e3") comes as
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
    """A text column as polars floats when every cell is blank or a number `_show` writes as typed."""
    import polars as pl

    read = texts.cast(pl.Float64, strict=False)
    blank, canonical = texts == "", texts.str.contains(_CANONICAL)
    # at most 15 digits: a float keeps them all (DBL_DIG), and `_show` writes no fewer
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


# ---------------------------------------------------------------------------------------------------------
# raw tables to typed columns


def _read_by_role(path: Path, schemes: dict[str, Scheme], role_column: str | None, roles: dict[str, str],
                  feeds: dict[str, Feeds]) -> dict[str, Actuals]:
    first = next(iter(schemes.values()))
    raw, src = read_table(path, first.columns.id, None)
    if role_column is None:
        frame, findings, left_out = parse(raw, first, src, feeds=feeds.get(next(iter(schemes))))
        if findings:
            raise InputError(findings)
        return {next(iter(schemes)): Actuals(frame, src, list(src.notices) + _left_out_notice(left_out, src),
                                              {"role": pd.Series(None, index=frame.index, dtype=object)},
                                              left_out)}
    column = fold(role_column)
    if column not in raw.columns:
        raise InputError([src.at("columns_missing", {"columns": role_column}, row=src.header_row)])
    kinds = pd.DataFrame({c: cell_kinds(raw[c]) for c in raw.columns}, index=raw.index)
    used = ~(kinds == "blank").all(axis=1)
    role = as_text(raw[column], kinds[column]).map(fold, na_action="ignore")
    folded = {fold(r): key for r, key in roles.items()}
    unknown = used & ~role.isin(list(folded))
    names = " / ".join(roles)
    findings = [src.at("role_unknown", {"value": raw.at[r, column] or "", "roles": names}, r, column)
                for r in raw.index[unknown]]
    out = {}
    for key, scheme in schemes.items():
        rows = raw[used & role.map(folded).eq(key)]
        if len(rows):
            frame, bad, left_out = parse(rows, scheme, src, feeds=feeds.get(key))
            findings += bad
            out[key] = Actuals(frame, src, [], {"role": role.reindex(frame.index)}, left_out)
    if findings:
        raise InputError(findings)
    for actuals in out.values():
        actuals.warnings = list(src.notices) + _left_out_notice(actuals.not_assessed, src)
    return out


def _read_roster(path: str | Path, scheme: Scheme) -> Actuals:
    raw, src = read_table(Path(path), scheme.columns.id, None)
    frame, findings, _ = parse(raw, scheme, src, roster=True)
    if findings:
        raise InputError(findings)
    return Actuals(frame, src, list(src.notices))


@dataclass
class Adjusting:
    """An adjustments file as read: id, what, to, reason and approver as text (blanks None), indexed by the
    rows Excel shows, and where each column is, to name a refused cell."""

    table: pd.DataFrame
    source: Source
    headings: dict[str, str]

    def check(self, frame: pd.DataFrame, left_out: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
        """The changes for the people of `frame` (see `calibration.check`); raise InputError with every
        refusal at its cell."""
        ids = frame[fold(scheme.columns.id)]
        left = dict(zip(left_out.get("id", []), left_out.get("reason", []), strict=True))
        changes, refused = calibration.check(self.table, ids, left, scheme)
        if refused:
            raise InputError([self.source.at(r.code, r.params, r.row, self.headings[r.column]) for r in refused],
                             scheme.language)
        return changes

    def split(self, ids: dict[str, set[str]]) -> dict[str, Adjusting]:
        """The adjustments of each part of a round (a batch's schemes by role; `ids` folded, with those not
        assessed), each with its own rows; rows of ids in no part stay with every part, to be refused."""
        person = self.table["id"].fillna("").astype(str).map(fold)
        nowhere = ~person.isin(set().union(*ids.values()))
        return {key: Adjusting(self.table[person.isin(part) | nowhere], self.source, self.headings)
                for key, part in ids.items()}

    @property
    def provenance(self) -> SourceFile:
        """The file for the Sources sheet, named like the option that gave it."""
        return SourceFile("adjust", self.source.file, self.source.sha256 or "", len(self.table), len(self.table))


def read_adjustments(source: str | Path | pd.DataFrame, scheme: Scheme) -> Adjusting:
    """An adjustments file (`--adjust`): the scheme's id column and 项目, 调整为, 原因, 批准人 (What, To, Reason,
    Approver), found under a title like any input; raise InputError naming what is missing."""
    with _told_in(scheme):
        if isinstance(source, pd.DataFrame):
            raw = source.astype(object).set_axis([fold(str(c)) for c in source.columns], axis=1)
            raw.index = np.arange(len(raw)) + 2
            src = Source("<DataFrame>", letters={c: column_letter(i) for i, c in enumerate(raw.columns)})
        else:
            raw, src = read_table(Path(source), scheme.columns.id, None)
        found = {fold(c).lower(): c for c in raw.columns}
        headings = {"id": fold(scheme.columns.id)}
        headings.update({key: next((found[fold(h).lower()] for h in names if fold(h).lower() in found), "")
                         for key, names in calibration.HEADINGS.items()})
        absent = [calibration.HEADINGS[k][0 if scheme.language == "zh" else 1] for k, h in headings.items() if not h]
        if absent:
            raise InputError([src.at("columns_missing", {"columns": ", ".join(absent)}, row=src.header_row)])
        doubled = twice(raw, list(headings.values()), src)  # which of two 原因 is meant?
        if doubled:
            raise InputError(doubled)
        kinds = {key: cell_kinds(raw[h]) for key, h in headings.items()}
        text = pd.DataFrame({key: _stripped(as_text(raw[h], kinds[key])) for key, h in headings.items()})
        blank = pd.concat([kinds[k].eq("blank") for k in headings], axis=1).all(axis=1)
        return Adjusting(text[~blank.to_numpy()].astype(object).where(lambda t: t.notna(), None), src, headings)


def read_plan(path: Path, lang: str) -> pd.DataFrame | None:
    """A scored workbook's 改进计划 / Improvement rows whose 责任人 and 完成时限 are filled: scope, indicator,
    before (the achievement then), owner and deadline (a date); None when the file has no such sheet."""
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        return None
    try:
        raw, src = read_table(path, label("indicator", lang), label("improvement_sheet", lang))
    except InputError:  # an input rather than a scored workbook: no plan to follow up
        return None
    names = {key: fold(label(key, lang)) for key in ("scope", "indicator", "achievement", "owner", "deadline")}
    if any(name not in raw.columns for name in names.values()):
        return None
    doubled = twice(raw, list(names.values()), src)  # a 责任人 column added twice
    if doubled:
        raise InputError(doubled, lang)
    table = pd.DataFrame({key: raw[name] for key, name in names.items()}).rename(columns={"achievement": "before"})
    filled = table["owner"].map(_filled) & table["deadline"].map(_filled)
    table = table[filled].copy()
    everyone = table["scope"].astype(str).map(fold) == fold(label("all", lang))  # the row the workbook said 全部
    table["scope"] = table["scope"].where(~everyone, EVERYONE)
    table["deadline"] = pd.to_datetime(table["deadline"].map(str), errors="coerce")
    table["before"] = pd.to_numeric(table["before"], errors="coerce")
    return table.reset_index(drop=True)


def twice(raw: pd.DataFrame, names: list[str], src: Source) -> list[Finding]:
    """Each of `names` that heads two columns of the table, at its column: which of them is meant?"""
    return [src.at("column_duplicate", {"column": c}, column=c) for c in names if (raw.columns == c).sum() > 1]


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and str(value).strip() != ""


def parse(raw: pd.DataFrame, scheme: Scheme, src: Source, roster: bool = False, feeds: Feeds | None = None
          ) -> tuple[pd.DataFrame, list[Finding], pd.DataFrame]:
    """Typed columns for the scheme from a raw table, every problem found on the way, and the rows its
    participation leaves out (see `_not_assessed`); a `roster` reads only the identity columns. Measures
    and personal targets from sources come from `feeds`. Summary, note and hidden rows become notices on
    `src`."""
    findings = twice(raw, list(raw.columns[raw.columns.duplicated()].unique()), src)
    raw = raw.loc[:, ~raw.columns.duplicated()]
    needed = _needed(scheme, roster)
    absent = [name for key, name in needed.items() if key not in raw.columns]
    none = pd.DataFrame(index=raw.index[:0])
    if absent:
        findings.append(src.at("columns_missing", {"columns": ", ".join(absent)}, row=src.header_row))
        return raw.iloc[:0], findings, none
    for name in scheme.measures:  # a column typed by hand beside a measure of the same name is not read
        if fold(name) in raw.columns:
            said = {"column": name, "source": scheme.measures[name].source}
            src.notices.append(src.at("measure_column_unused", said, column=fold(name)))
    cells = _Cells(raw, needed, scheme, src)
    if cells.raw.empty:
        return cells.raw, [*findings, src.at("no_rows", {})], none
    findings += cells.reported
    out, bad = _identity(cells, scheme, src)
    findings += bad
    if not roster:
        findings += _values(cells, out, scheme, src, feeds)
    order = {letter: i for i, letter in enumerate(src.letters.values())}
    findings.sort(key=lambda f: _cell_order(f.cell, order))
    return out, findings, _not_assessed(cells, scheme)


def _needed(scheme: Scheme, roster: bool) -> dict[str, str]:
    """The columns a scheme reads (a roster, only the identity ones), folded name → name as written."""
    cols = scheme.columns
    needed = {fold(cols.id): cols.id, fold(cols.name): cols.name}
    if cols.group and "group" in cols.model_fields_set:
        needed[fold(cols.group)] = cols.group
    if not roster:
        if scheme.participation:
            needed[fold(scheme.participation.column)] = scheme.participation.column
        needed.update({fold(i.target_column): i.target_column for i in scheme.items if i.target_column})
        needed.update({fold(c): c for c in money_columns(scheme)})
        for item in scheme.items:
            needed.update({fold(c): c for c in item.inputs if scheme.from_source(c) is None})
    return needed


class _Cells:
    """The raw cells that may be people, each with its kind: blank lines and summary rows gone (noticed),
    error values and uncalculated formulas `reported` and then blank, not-applicable marks `marked`."""

    def __init__(self, raw: pd.DataFrame, needed: dict[str, str], scheme: Scheme, src: Source):
        cols = scheme.columns
        optional = [fold(cols.group)] if cols.group and fold(cols.group) in raw.columns else []
        identity = [fold(c) for c in (cols.id, cols.name, cols.group) if c and fold(c) in raw.columns]
        others = raw.drop(columns=list(needed), errors="ignore")
        raw = raw[list(dict.fromkeys([*needed, *optional]))]
        labels = {fold(c): known for item in scheme.items if (known := item.rule.labels()) is not None
                  for c in item.inputs}
        marks = scheme.not_applicable_marks
        classified = {c: _read_already(raw[c]) if c in src.plain else
                      _classified(raw[c], {m for m in marks if mark_key(m) not in labels.get(c, {})})
                      for c in raw.columns}
        kinds = pd.DataFrame({c: k for c, (k, _, _) in classified.items()}, index=raw.index)
        #: whether a text cell of the column begins or ends with a space, by column
        self.spaced = {c: spaced for c, (_, _, spaced) in classified.items()}
        #: numbers read from text cells while they were classified, by column
        self.plain = {c: p for c, (_, p, _) in classified.items() if p is not None}
        keep = ~_of_kind(kinds, "blank", "na").all(axis=1)
        if not keep.all():  # copying a million rows to drop none costs a third of a second
            raw, kinds, others = raw[keep], kinds[keep], others[keep]
        summary = _summary_rows(raw, kinds, others, identity, fold(cols.id), fold(cols.name))
        for row, (column, value) in summary.items():
            src.notices.append(src.at("summary_row", {"row": row, "value": value}, row, column))
        self.raw, self.kinds = (raw.drop(index=list(summary)), kinds.drop(index=list(summary))) if summary else (
            raw, kinds)
        #: the rows `participation` leaves out, raw and their kinds: listed, never checked or scored
        self.left_out = self._leave_out(scheme.participation if _status(scheme) in needed else None)
        self.reported: list[Finding] = []
        #: cells already reported (not blank, just wrong), and blanks that were a not-applicable mark
        self.invalid: set[tuple[Any, str]] = set()
        self.marked: dict[tuple[Any, str | None], Any] = {}
        self._unusable(scheme, src)

    def _leave_out(self, participation: Participation | None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Take out the rows whose status `participation` excludes, and return them with their kinds."""
        raw, kinds = self.raw, self.kinds
        if participation is None:
            return raw.iloc[:0], kinds.iloc[:0]
        column = fold(participation.column)
        out = participation.excluded(_text(raw, kinds, column, folded=False)).to_numpy(dtype=bool)
        if out.any():
            self.raw, self.kinds = raw[~out], kinds[~out]
        return raw[out], kinds[out]

    def _unusable(self, scheme: Scheme, src: Source) -> None:
        """Report error values and uncalculated formulas, remember not-applicable marks; all then blank."""
        special = _of_kind(self.kinds, "error", "uncalculated", "na")
        if special.to_numpy().any():
            self.reported = _unusable_cells(self.raw, self.kinds, scheme, src)
            for c in self.kinds.columns[special.any()]:
                column = self.kinds[c]
                self.invalid.update((row, c) for row in column.index[column.isin(["error", "uncalculated"])])
                self.marked.update({(row, c): self.raw.at[row, c] for row in column.index[column.eq("na")]})
            self.kinds = self.kinds.mask(special, "blank")


def _status(scheme: Scheme) -> str | None:
    """The participation column, folded, where the scheme has one."""
    return fold(scheme.participation.column) if scheme.participation else None


def _not_assessed(cells: _Cells, scheme: Scheme) -> pd.DataFrame:
    """The rows participation leaves out: id, name and group as text, and the status that excludes them, as
    typed; indexed by row number like everything read."""
    raw, kinds = cells.left_out
    cols = scheme.columns
    out = pd.DataFrame(index=raw.index)
    for key, column in (("id", cols.id), ("name", cols.name), ("group", cols.group)):
        if column and fold(column) in raw.columns:
            out[key] = _text(raw, kinds, fold(column), folded=key == "id")
    status = _status(scheme)
    if status is not None and status in raw.columns:  # a roster is read without it
        out["reason"] = _text(raw, kinds, status, folded=False)
    return out


def _text(raw: pd.DataFrame, kinds: pd.DataFrame, key: str, folded: bool, spaced: bool | None = None
          ) -> pd.Series:
    """A column's cells as text: ids NFKC-folded, other text stripped of its edge spaces (`spaced`, whether it
    has any, when that is known already)."""
    text = as_text(raw[key], kinds[key])
    return _folded(text, spaced) if folded else _stripped(text, spaced)


def _identity(cells: _Cells, scheme: Scheme, src: Source) -> tuple[pd.DataFrame, list[Finding]]:
    """Ids (checked), names and groups as text; notices for long text and hidden rows and columns."""
    cols = scheme.columns
    raw, kinds = cells.raw, cells.kinds
    out = pd.DataFrame(index=raw.index)
    id_col = fold(cols.id)
    ids = _text(raw, kinds, id_col, folded=True, spaced=cells.spaced[id_col])
    out[id_col] = ids
    findings = _id_problems(ids, kinds[id_col], raw[id_col], src, id_col, cells.invalid)
    for text_column in (cols.name, cols.group):
        if text_column and fold(text_column) in raw.columns:
            key = fold(text_column)
            out[key] = _text(raw, kinds, key, folded=False, spaced=cells.spaced[key])
            for row in _longer(out[key], XLSX_TEXT):  # xlsx keeps this much of a cell's text
                length = {"count": len(out.at[row, key]), "limit": XLSX_TEXT}
                src.notices.append(src.at("text_too_long", length, row, key))
    status = _status(scheme)
    if status is not None and status in raw.columns:  # carried to Scores, so that it reads back
        out[status] = _text(raw, kinds, status, folded=False).where(kinds[status] != "blank")
    src.notices += _hidden(out, list(raw.columns), src, id_col)
    return out, findings


def _values(cells: _Cells, out: pd.DataFrame, scheme: Scheme, src: Source, feeds: Feeds | None) -> list[Finding]:
    """The bonus base and every indicator's columns, typed into `out` (a measure's from its source); their
    problems, blanks included."""
    cols = scheme.columns
    raw, kinds = cells.raw, cells.kinds
    findings = _money(cells, out, scheme, src, feeds)
    for item in scheme.items:
        for column in item.inputs:
            key = fold(column)
            if key in out:
                continue
            if scheme.from_source(column) is not None:  # a measure's, a long rating's: from its source
                given = (feeds.parts.get(column) if scheme.measure(column) else feeds.ratings.get(item.name)) \
                    if feeds is not None else None
                values = given["value"] if given is not None else pd.Series(dtype=float)
                out[key] = out[fold(cols.id)].map(values).astype(float)
                continue
            out[key], bad = _typed(raw[key], kinds[key], item, src, cells.plain.get(key))
            findings += bad
            cells.invalid.update((row, key) for row in out.index[out[key].isna() & (kinds[key] != "blank")])
        if item.target_column:
            findings += _targets(cells, out, item, src)
        elif scheme.target_key(item) is not None and feeds is not None:
            findings += _source_targets(out, item, scheme, feeds)
    return findings + missing_findings(out, scheme, src, cells.invalid, cells.marked, feeds)


def _money(cells: _Cells, out: pd.DataFrame, scheme: Scheme, src: Source, feeds: Feeds | None) -> list[Finding]:
    """The payout's columns typed into `out`: numbers of 0 or more; a weight, the days and unit counts
    filled in (a blank would pay a wrong amount); days within the days due; a unit count the same on every
    row of a team; and each team present in the teams source."""
    spec = scheme.pay
    if spec is None:
        return []
    found: list[Finding] = []
    for column in money_columns(scheme):
        key = fold(column)
        out[key], bad = _numbers(cells.raw[key], cells.kinds[key], src, column, percent=False,
                                 plain=cells.plain.get(key))
        found += bad
        if column != spec.base:  # a blank base stays a blank payout, as it always has
            found += [src.at("payout_blank", {"column": column}, r, key)
                      for r in out.index[cells.kinds[key].eq("blank")]]
        found += [src.at("payout_negative", {"value": _show(out.at[r, key]), "column": column}, r, key)
                  for r in out.index[out[key] < 0]]
        found += _too_much(out[key], src, column, key, cells.raw[key])
    group = out[fold(scheme.columns.group)] if scheme.columns.group and fold(scheme.columns.group) in out else None
    if spec.prorate is not None:
        days, of = (fold(c) for c in (spec.prorate.column, spec.prorate.of))
        found += [src.at("prorate_zero", {"of": spec.prorate.of}, r, of) for r in out.index[out[of] == 0]]
        found += [src.at("prorate_over", {"column": spec.prorate.column, "value": _show(out.at[r, days]),
                                          "of": spec.prorate.of, "limit": _show(out.at[r, of])}, r, days)
                  for r in out.index[(out[days] > out[of]) & (out[of] != 0)]]
    keys = team_keys(group, spec)
    team = keys if keys is not None else pd.Series("", index=out.index)
    for column in spec.unit_columns:
        key = fold(column)
        first, first_row, differs = team_values(out[key], keys)
        found += [src.at("team_value_differs", {"column": column, "value": _show(out.at[r, key]),
                                                "expected": _show(first[team[r]]), "other": first_row[team[r]]},
                         r, key) for r in out.index[differs]]
    source = spec.team_source
    if source is not None and feeds is not None and keys is not None:
        figures, place = feeds.teams.get(source), feeds.places.get(source)
        known = set(figures.index) if figures is not None else set()
        firsts = keys[~keys.duplicated()]
        found += [src.at("team_not_in_source", {"group": out.at[r, fold(scheme.columns.group or "")], "source": source,
                                                "file": place.file if place else source}, r,
                         fold(scheme.columns.group or "")) for r in firsts.index[~firsts.isin(list(known))]]
    return found


def _too_much(values: pd.Series, src: Source, column: str, key: str, written: pd.Series) -> list[Finding]:
    """A payout figure beyond MONEY_LIMIT, at its cell: its cents would no longer be exact."""
    return [src.at("payout_amount_large", {"value": _show(written[r]), "column": column,
                                           "limit": f"{MONEY_LIMIT:,.0f}"}, r, key)
            for r in values.index[values > MONEY_LIMIT]]


def _targets(cells: _Cells, out: pd.DataFrame, item: Indicator | Adjustment, src: Source) -> list[Finding]:
    """An indicator's personal targets, typed in its unit into `out`: each above 0, and present wherever the
    scheme has no target to fall back to."""
    key = fold(item.target_column or "")
    values, found = _numbers(cells.raw[key], cells.kinds[key], src, item.name, item.percent,
                             plain=cells.plain.get(key))
    low = values <= 0
    found += [src.at("target_not_positive", {"value": _show(cells.raw.at[r, key]), "indicator": item.name}, r, key)
              for r in values.index[low]]
    if item.target is None:
        blank = cells.kinds[key].eq("blank")
        found += [src.at("target_blank", {"indicator": item.name}, r, key) for r in values.index[blank]]
    out[key] = _without(values, low)
    return found


def _source_targets(out: pd.DataFrame, item: Indicator | Adjustment, scheme: Scheme, feeds: Feeds
                    ) -> list[Finding]:
    """An indicator's personal targets from the targets source (its column named after the indicator),
    typed in its unit and located in that file; a person without one takes the scheme's target."""
    assert scheme.targets is not None
    name = scheme.targets.source
    goals, src = feeds.targets, feeds.places[name]
    key, column = scheme.target_key(item) or "", fold(item.name)
    if goals is None or column not in goals:
        out[key] = np.nan
        if item.target is None:
            return [src.at("target_source_column", {"indicator": item.name}, row=src.header_row)]
        return []
    text = goals[column]
    kinds = _text_kinds(text)
    values, found = _numbers(text, kinds, src, item.name, item.percent)
    low = values <= 0
    found += [src.at("target_not_positive", {"value": text[r], "indicator": item.name}, r, column)
              for r in values.index[low]]
    targets = pd.Series(_without(values, low).to_numpy(), index=goals[ID])
    out[key] = out[fold(scheme.columns.id)].map(targets[~targets.index.duplicated()]).astype(float)
    if item.target is None:
        for person in out[fold(scheme.columns.id)][out[key].isna()]:
            found.append(Finding("target_source_blank", {"id": person, "indicator": item.name, "source": name},
                                 file=src.file))
    return found


def team_figures(table: pd.DataFrame, columns: list[str], src: Source, key: str) -> pd.DataFrame:
    """A teams source's figures (a pool, unit counts) as numbers by folded group: each a number of 0 or
    more, none blank; raise InputError with every bad cell, at its place in that file."""
    found: list[Finding] = []
    keyless = table[ID].isna()
    if keyless.any():  # a figure on a row naming no team belongs to none: said, never dropped
        filled = pd.concat([_text_kinds(table[fold(c)]) != "blank" for c in columns], axis=1).any(axis=1)
        found += [src.at("team_row_no_group", {"column": key}, r, key) for r in table.index[keyless & filled]]
        table = table[~keyless]
    out = pd.DataFrame(index=table.index)
    for column in columns:
        key = fold(column)
        text = table[key]
        kinds = _text_kinds(text)
        out[key], bad = _numbers(text, kinds, src, column, percent=False)
        found += bad + [src.at("payout_blank", {"column": column}, r, key) for r in text.index[kinds.eq("blank")]]
        found += [src.at("payout_negative", {"value": text[r], "column": column}, r, key)
                  for r in out.index[out[key] < 0]]
        found += _too_much(out[key], src, column, key, text)
    if found:
        raise InputError(found)
    return out.set_axis(table[ID].to_numpy())


def rating_rows(rows: pd.DataFrame, spec: SourceSpec, item: Indicator, rule: Rating, src: Source
                ) -> tuple[pd.DataFrame, list[Finding]]:
    """One long rating's rows (id, rater, role, score), from the text cells of its source, and what is wrong
    with them, each at its cell: a score that is no number or outside 0..scale, a blank id or rater, and a
    rater who rates the same person twice."""
    id_key, rater, role, score = (fold(c) if c else None for c in (spec.id, rule.rater, rule.role_column,
                                                                   rule.score_column))
    text = rows[score]
    kinds = _text_kinds(text)
    values, found = _numbers(text, kinds, src, item.name, percent=False)
    found += [src.at("rating_scale", {"value": text[r], "scale": one(rule.scale), "indicator": item.name}, r, score)
              for r in values.index[(values < 0) | (values > rule.scale)]]
    found += [src.at("blank", {"indicator": item.name}, r, score) for r in kinds.index[kinds.eq("blank")]]
    table = pd.DataFrame({"id": rows[id_key].map(fold, na_action="ignore"),
                          "rater": _stripped(rows[rater].astype(object)),
                          "role": _stripped(rows[role].astype(object)) if role else None, "score": values})
    for key, column in (("id", id_key), ("rater", rater)):
        found += [src.at("blank", {"indicator": item.name}, r, column) for r in table.index[table[key].isna()]]
    pair = table["id"] + "\x00" + table["rater"].map(fold, na_action="ignore")
    twice = pair.notna() & pair.duplicated()
    first = first_rows(pair)
    found += [src.at("rating_duplicate", {"id": table.at[r, "id"], "rater": table.at[r, "rater"],
                                          "other": first[pair[r]]}, r, rater) for r in table.index[twice]]
    return table.dropna(subset=["id", "score"]), found


def _text_kinds(text: pd.Series) -> pd.Series:
    """A source's text cells as blank or text, the kinds `_numbers` reads them by."""
    blank = text.isna() | (text.astype(str).str.strip() == "")
    return pd.Series(np.where(blank, "blank", "text"), index=text.index)


def _measure_named(scheme: Scheme, column: str | None) -> str:
    """A measure's name as the scheme writes it."""
    return next(name for name in scheme.measures if fold(name) == column)


def missing_findings(frame: pd.DataFrame, scheme: Scheme, src: Source, invalid: set[tuple[Any, str]] | None = None,
                     marked: dict[tuple[Any, str | None], Any] | None = None, feeds: Feeds | None = None
                     ) -> list[Finding]:
    """The engine's blank cells and rows with nothing applicable, as findings at their cells; cells already
    reported as `invalid` are left out, and a blank that was a not-applicable mark (`marked`) says so."""
    found = []
    for p in missing_problems(frame, scheme):
        if (p.row, p.column) in (invalid or set()):
            continue
        indicator = _indicator_of(scheme, p.column)
        mark = (marked or {}).get((p.row, p.column))
        measure = scheme.measure(p.column or "")
        rating = scheme.rating_from(p.column or "")
        if rating is not None:
            source = rating[1].source or ""
            params = {"id": frame.at[p.row, fold(scheme.columns.id)], "source": source, "indicator": indicator}
            place = feeds.places.get(source) if feeds is not None else None
            found.append(Finding("rating_blank", params, file=place.file if place else None))
        elif measure is not None:
            params = {"id": frame.at[p.row, fold(scheme.columns.id)], "measure": _measure_named(scheme, p.column),
                      "source": measure.source, "indicator": indicator}
            place = feeds.places.get(measure.source) if feeds is not None else None
            found.append(Finding("measure_blank", params, file=place.file if place else None))
        elif mark is not None:
            found.append(src.at("blank_na", {"value": str(mark).strip(), "indicator": indicator}, p.row, p.column))
        else:
            found.append(src.at(p.code, {"indicator": indicator}, p.row, p.column))
    return found


#: a summary line's label, exactly as typed (spaces removed): 合计, 平均值, Total
_SUMMARY_WORD = (r"合计|总计|小计|汇总|平均|平均值|平均分|均值|最高|最高分|最低|最低分|最大值|最小值|"
                 r"total|grandtotal|subtotal|sum|average|avg|mean|max|min|maximum|minimum")
#: ... or a label ending like one in an id or group cell: 一部小计, 维修一部合计, 部门平均 (a name may end in 平均)
_SUMMARY_END = {"name": r".{0,20}(?:合计|总计|小计|汇总)",
                "other": r".{0,20}(?:合计|总计|小计|汇总|平均值?|平均分|均值)"}
#: a note line under the table: 备注：…, 制表人：…, 审核人：…, 主管签字：…, 部门负责人：…
_NOTE = re.compile(r"(?:备注|说明|注[:：]|制表|填表|审核|复核|审批|批准|签字|签名|日期[:：]|notes?(?:[:：]|$)|"
                   r"remarks?(?:[:：]|$)|.{0,12}(?:签字|签名|负责人|考核人|制表人|审核人|批准人)[:：])", re.I)
#: a cheap first look: a character every summary word and note label holds one of; most ids and names
#: hold none (one character class is searched through a million ids in 0.02 s, the words in 0.4 s)
_HINT = re.compile(r"[合总小汇均最备说注制填审复批签负日考tsamnrTSAMNR]")


def _summary_rows(raw: pd.DataFrame, kinds: pd.DataFrame, others: pd.DataFrame, identity: list[str],
                  id_col: str, name_col: str) -> dict[Any, tuple[str, str]]:
    """Rows that are not people — summary and note lines — as row → (column, the label found)."""
    found: dict[Any, tuple[str, str]] = {}
    for c in identity:
        text = raw[c].where(kinds[c].eq("text")).dropna().astype(str)
        text = text[_contains(text, _HINT)]  # few ids and names hold a character a label holds
        squeezed = text.str.replace(r"\s+", "", regex=True).str.normalize("NFKC")
        ending = _SUMMARY_END["name" if c == name_col else "other"]
        hit = squeezed.str.fullmatch(f"{_SUMMARY_WORD}|{ending}", case=False) | squeezed.str.match(_NOTE)
        for row in text.index[hit]:
            found.setdefault(row, (c, text[row].strip()))
    # a label in a column that is not read (序号 says 合计) counts where the id is blank, and only exactly
    blank_id = kinds[id_col].isin(["blank", "na"])
    for c in others.columns:
        text = others[c][blank_id].map(lambda v: v if isinstance(v, str) else None).dropna()
        squeezed = text.str.replace(r"\s+", "", regex=True).str.normalize("NFKC")
        for row in text.index[squeezed.str.fullmatch(_SUMMARY_WORD, case=False)]:
            found.setdefault(row, (c, text[row].strip()))
    return dict(sorted(found.items()))


def _unusable_cells(raw: pd.DataFrame, kinds: pd.DataFrame, scheme: Scheme, src: Source) -> list[Finding]:
    """Error values, each at its cell, and formulas never calculated, once per column with their count."""
    found = []
    for c in raw.columns:
        indicator = _indicator_of(scheme, c) or c
        for row in kinds.index[kinds[c].eq("error")]:
            value = str(raw.at[row, c]).strip()
            found.append(src.at("cell_error", {"value": value, "indicator": indicator}, row, c))
        uncalculated = kinds.index[kinds[c].eq("uncalculated")]
        if len(uncalculated):
            found.append(src.at("formula_uncalculated", {"count": len(uncalculated), "column": c}, uncalculated[0], c))
    return found


def _hidden(out: pd.DataFrame, read: list[str], src: Source, id_col: str) -> list[Finding]:
    """Hidden rows and columns are read like any other: say so, with the ids and columns concerned."""
    notices = []
    rows = list(out.index[out.index.isin(list(src.hidden_rows))]) if src.hidden_rows else []
    if rows:
        ids = out.loc[rows, id_col].fillna("?").astype(str).tolist()
        shown = "、".join(ids[:20]) + ("…" if len(ids) > 20 else "")
        notices.append(src.at("hidden_rows", {"count": len(rows), "ids": shown}))
    columns = [c for c in read if c in src.hidden_columns]
    if columns:
        notices.append(src.at("hidden_columns", {"count": len(columns), "columns": "、".join(columns)}))
    return notices


def _indicator_of(scheme: Scheme, column: str | None) -> str:
    return next((i.name for i in scheme.items if column is not None and column in map(fold, i.inputs)), "")


def _cell_order(cell: str | None, order: dict[str, int]) -> tuple[int, int]:
    """Findings in reading order: by row, then column."""
    if not cell:
        return (0, 0)
    letters = cell.rstrip("0123456789")
    digits = cell[len(letters):]
    return (int(digits) if digits else 0, order.get(letters, 0))


_NUMBER_TYPES = {float, int, np.float64, np.float32, np.int64, np.int32}
_BOOL_TYPES = {bool, np.bool_}
_BLANK_TYPES = {type(None)}
#: what pandas infers for a column whose every cell is a number or blank (bools and text infer otherwise)
_ALL_NUMBERS = {"floating", "integer", "mixed-integer-float"}


def cell_kinds(col: pd.Series, marks: frozenset[str] | set[str] = frozenset()) -> pd.Series:
    """Each cell's kind: "number", "bool", "text", "blank", "error" (`#DIV/0!`),
    "uncalculated" (a formula without a result), "na" (one of the not-applicable `marks`, as
    `values.mark_spellings` spells them) or "other" (a date). A categorical, so that a million comparisons
    with "number" compare small integers, not strings."""
    return _classified(col, marks)[0]


def _classified(col: pd.Series, marks: frozenset[str] | set[str]) -> tuple[pd.Series, pd.Series | None, bool]:
    """The cells' kinds, the numbers read on the way from text cells that are plain numbers ("88.5" as a CSV
    writes it), so that they are read once, and whether a text cell begins or ends with a space."""
    # one C pass settles a column of numbers, or of text and blanks: no type() asked of each cell
    inferred = pd.api.types.infer_dtype(col, skipna=True)
    if inferred in _ALL_NUMBERS:
        return _kinds(np.where(col.isna().to_numpy(), _KIND["blank"], _KIND["number"]), col.index), None, False
    values = col.to_numpy(dtype=object)
    kind = np.full(len(col), _KIND["blank"], dtype=np.int8)
    if inferred in ("string", "empty"):
        # an object column where a second pass meets no blank either is all text (every column of a CSV);
        # pandas' own string dtype keeps its blanks in a mask, and that pass would not see them
        whole = col.dtype == object and pd.api.types.infer_dtype(col, skipna=False) == "string"
        is_text = np.ones(len(col), dtype=bool) if whole else col.notna().to_numpy()
    else:
        is_text = _typed_kinds(col, values, kind)
    plain, spaced = None, False
    if is_text.any():
        texts, where = values[is_text], is_text.nonzero()[0]
        kind[where] = _KIND["text"]
        first, last = _edges(texts.tolist())
        edge = np.isin(first, _SPACES) | np.isin(last, _SPACES)
        spaced = bool(edge.any())
        if not _numeric_mark(marks):  # then a number as text is no mark (and never an error value)
            read = _plain_numbers(texts, first)
            looks = read.notna().to_numpy()
            plain = pd.Series(read.to_numpy()[looks], index=col.index[where[looks]])
            texts, where, edge = texts[~looks], where[~looks], edge[~looks]
        text = _stripped(pd.Series(texts, dtype=object), bool(edge.any()))
        special = text.isin(ERROR_VALUES | set(marks) | {""}).to_numpy()  # one look-up of each text, not three
        if special.any():
            text, where = text[special], where[special]
            kind[where[text.isin(marks).to_numpy()]] = _KIND["na"]
            kind[where[text.isin(ERROR_VALUES).to_numpy()]] = _KIND["error"]
            kind[where[text.eq("").to_numpy()]] = _KIND["blank"]
    return _kinds(kind, col.index), plain, spaced


def _numeric_mark(marks: frozenset[str] | set[str]) -> bool:
    """Whether a not-applicable mark reads as a number: then a number typed as text must be compared with
    the marks as text, not read first."""
    return bool(_plain_numbers(list(marks)).notna().any())


def _read_already(col: pd.Series) -> tuple[pd.Series, pd.Series, bool]:
    """The kinds and numbers of a column of text cells read as floats already (see `_text_columns`)."""
    blank = col.isna().to_numpy()
    return _kinds(np.where(blank, _KIND["blank"], _KIND["text"]), col.index), col[~blank], False


def _typed_kinds(col: pd.Series, values: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Number, bool, blank, uncalculated and other cells marked in `kind` from one type() per cell; returns
    which cells are text."""
    types = col.map(type)
    kind[:] = _KIND["other"]
    number = types.isin(_NUMBER_TYPES).to_numpy()
    kind[number] = _KIND["number"]
    kind[types.isin(_BOOL_TYPES).to_numpy()] = _KIND["bool"]
    kind[types.isin(_BLANK_TYPES).to_numpy()] = _KIND["blank"]
    kind[number.nonzero()[0][pd.isna(values[number].astype(float))]] = _KIND["blank"]  # a NaN number cell
    if Uncalculated in _present(types):
        kind[types.eq(Uncalculated).to_numpy()] = _KIND["uncalculated"]
    return types.eq(str).to_numpy()


def _plain_numbers(texts: Any, first: np.ndarray | None = None) -> pd.Series:
    """Texts read as numbers at C speed where they are plain ones (88.5, -3, 1e3), NaN where they are not.
    Only texts that can begin a number are tried (by their `first` characters' codes, when known already): a
    million ids such as E0000001 fail slowly."""
    texts = pd.Series(texts, dtype=object)
    read = np.full(len(texts), np.nan)
    could = np.isin(_edges(texts.tolist())[0] if first is None else first, _NUMBER_START)
    if could.sum() >= POLARS_FROM:  # what polars reads, `to_numeric` reads the same; the rest is tried below
        import polars as pl

        tried = pl.Series(texts[could].tolist(), dtype=pl.String).cast(pl.Float64, strict=False)
        read[could] = tried.to_numpy()
        could &= np.isnan(read)
    if could.any():
        read[could] = pd.to_numeric(texts[could], errors="coerce").astype(float)
    return pd.Series(read)


#: from this many texts, polars' Rust parser reads the plain numbers first: it pays for its import (0.06 s)
#: and reads a million in 0.03 s, where `to_numeric` takes 0.11 s and the first-character test 0.15 s
POLARS_FROM = 50_000


#: how a text that `to_numeric` reads can begin: a digit, a sign, a point, a space, or inf and nan
_NUMBER_START = np.array([ord(c) for c in "0123456789+-. \t\n\r\x0b\x0ciInN"], dtype=np.uint32)
#: every character `str.strip` strips
_SPACES = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)
#: an id with no letter or digit (its whole line of word-less characters), or with a tab or return in it
_NO_WORD = re.compile(r"(?m)^[^\w\n]*$|[\r\t]")


def _edges(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each text's first and last character's code (0 for an empty text), read from all the texts at once
    as one array of code points, joined by NULs: a character looked at text by text costs a fifth of a
    second a million, and so does each text's length."""
    none = np.zeros(len(texts), dtype=np.uint32)
    joined = "\0".join(texts)
    points = (np.frombuffer(joined.encode("ascii"), dtype=np.uint8) if joined.isascii()  # a quarter the memory
              else np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32))
    del joined
    if not len(points):
        return none, none
    breaks = np.flatnonzero(points == 0)
    if len(breaks) == len(texts) - 1:
        starts, ends = np.concatenate(([0], breaks + 1)), np.concatenate((breaks, [len(points)]))
    else:  # a text holds a NUL of its own: count the lengths
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
        ends = np.cumsum(lengths) - 1
        starts = ends - lengths + 1
    empty = starts == ends
    first = np.where(empty, 0, points[np.minimum(starts, len(points) - 1)]).astype(np.uint32)
    return first, np.where(empty, 0, points[np.maximum(ends - 1, 0)]).astype(np.uint32)


def _spaced(texts: list[str]) -> bool:
    """Whether a text begins or ends with a space."""
    first, last = _edges(texts)
    return bool(np.isin(first, _SPACES).any() or np.isin(last, _SPACES).any())


def _stripped(texts: pd.Series, spaced: bool | None = None) -> pd.Series:
    """Texts without their edge spaces, stripped one by one only when one of them has some (`spaced`, when it
    is known already)."""
    if spaced is None:
        spaced = _spaced(texts.dropna().astype(str).tolist())
    return texts.str.strip() if spaced else texts


def _folded(texts: pd.Series, spaced: bool | None = None) -> pd.Series:
    """`fold` of every text (blanks stay blank): nothing to do for ASCII without edge spaces (`spaced`, when
    it is known already), which NFKC leaves as it is; otherwise each distinct text folded once."""
    present = texts.dropna().astype(str)
    values = present.tolist()
    if "".join(values).isascii() and not (_spaced(values) if spaced is None else spaced):
        return texts.where(texts.isna(), present)
    codes, uniques = pd.factorize(present)
    folded = np.array([fold(u) for u in uniques.tolist()], dtype=object)
    return texts.where(texts.isna(), pd.Series(folded[codes], index=present.index))


def _contains(texts: pd.Series, pattern: re.Pattern[str]) -> np.ndarray:
    """Which texts `pattern` (one that never matches a newline) is found in, from one search of them all
    joined by newlines: a pattern searched text by text costs half a second a million."""
    values = texts.astype(str).tolist()
    joined = "\n".join(values)
    if not values:
        return np.zeros(0, dtype=bool)
    if joined.count("\n") != len(values) - 1:  # a text holds a newline of its own
        return texts.astype(str).str.contains(pattern).to_numpy(dtype=bool)
    ends = np.cumsum(np.fromiter(map(len, values), dtype=np.int64, count=len(values)) + 1)
    hits = np.zeros(len(values), dtype=bool)
    hits[np.searchsorted(ends, [m.start() for m in pattern.finditer(joined)], side="right")] = True
    return hits


#: every kind a cell may be, in the order of their codes
KINDS = ("number", "bool", "text", "blank", "error", "uncalculated", "na", "other")
_KIND = {k: i for i, k in enumerate(KINDS)}


def _of_kind(kinds: pd.DataFrame, *names: str) -> pd.DataFrame:
    """Which cells are of one of the kinds named, from the kinds' codes at once: comparing twenty columns of
    categories one by one costs a tenth of a second a million rows."""
    codes = np.stack([kinds[c].cat.codes.to_numpy() for c in kinds.columns], axis=1)
    return pd.DataFrame(np.isin(codes, [_KIND[n] for n in names]), index=kinds.index, columns=kinds.columns)


def _kinds(codes: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(pd.Categorical.from_codes(codes.astype(np.int8), categories=list(KINDS)), index=index)


def _present(types: pd.Series) -> set[type]:
    """The cell types a column holds (few: a hash of each distinct one)."""
    return set(pd.unique(types.to_numpy()))


def as_text(col: pd.Series, kind: pd.Series) -> pd.Series:
    """Cells as text: a number cell 1001 is "1001", not "1001.0"; blanks are NaN."""
    out = col.where(kind != "blank").astype(object)
    num = col[kind == "number"].astype(float)
    out[num.index] = num.map(_show)
    other = kind.isin(["bool", "other"])
    out[other] = col[other].astype(str)
    return out


def _id_problems(ids: pd.Series, kinds: pd.Series, cells: pd.Series, src: Source, column: str,
                 invalid: set[tuple[Any, str]]) -> list[Finding]:
    """Blank, implausible and duplicate ids, each at its cell."""
    found = [src.at("id_blank", {}, row, column) for row in ids.index[ids.isna()]
             if (row, column) not in invalid]
    text = ids.dropna().astype(str)
    numbers = cells[kinds.eq("number")].astype(float)
    long = text.index.isin(_longer(text, 64))
    implausible = (long | _wordless(text)
                   | text.index.isin(kinds.index[kinds.isin(["bool", "other"])])
                   | text.index.isin(numbers.index[(numbers % 1 != 0) | (numbers < 0)]))
    found += [src.at("id_implausible", {"value": _show(cells[row])}, row, column)
              for row in text.index[implausible]]
    ids = ids.where(~ids.index.isin(text.index[implausible]))
    dup = ids.notna() & ids.duplicated(keep="first")
    first_row = first_rows(ids)
    for row, value in ids[dup].items():
        found.append(src.at("id_duplicate", {"id": value, "other": first_row[value]}, row, column))
    return found


def _longer(texts: pd.Series, limit: int) -> pd.Index:
    """The rows whose text is longer than `limit`, found text by text only when the longest is."""
    present = texts.dropna()
    if max(map(len, present.tolist()), default=0) <= limit:
        return present.index[:0]
    return present.index[present.str.len() > limit]


def _wordless(texts: pd.Series) -> np.ndarray:
    """Which texts are no plausible id, one line with a letter or digit in it: those of two lines, and those
    `_NO_WORD` is found in, searched only where a text does not begin with a letter or digit, or holds a tab,
    return or newline. Most ids begin with one and hold none of those, and a regex run through a million ids
    costs a tenth of a second."""
    values = texts.astype(str).tolist()
    first, _ = _edges(values)
    codes = np.unique(first)
    worded = codes[np.array([chr(c).isalnum() or c == ord("_") for c in codes.tolist()], dtype=bool)]
    look = ~np.isin(first, worded)
    found = np.zeros(len(values), dtype=bool)
    joined = "".join(values)
    if any(c in joined for c in "\r\t\n"):
        look |= texts.astype(str).str.contains(r"[\r\t\n]").to_numpy(dtype=bool)
    if "\n" in joined:  # an id of two lines is none
        found |= texts.astype(str).str.contains("\n", regex=False).to_numpy(dtype=bool)
    if look.any():
        found[look] |= _contains(texts[look], _NO_WORD)
    return found


def _typed(col: pd.Series, kinds: pd.Series, item: Indicator | Adjustment, src: Source,
           plain: pd.Series | None = None) -> tuple[pd.Series, list[Finding]]:
    """One input column, typed by the rule that reads it (each count of a ratio of counts, as a count)."""
    counted = item.actual is not None or item.rule.value_kind == "count"
    known = item.rule.labels() if item.actual is None else None
    if known is not None:
        labels = as_text(col, kinds).map(label_key, na_action="ignore")
        bad = labels.notna() & ~labels.isin(list(known))
        names = " / ".join(known)
        return labels, [src.at("unknown_label", {"value": col[r], "labels": names, "indicator": item.name}, r,
                               fold(col.name)) for r in labels.index[bad]]
    values, found = _numbers(col, kinds, src, item.name, item.percent and item.actual is None, counts=counted,
                             plain=plain)
    invalid = pd.Series(False, index=values.index)
    bounds = (0.0, math.inf) if item.actual is not None else item.rule.bounds()
    if bounds is not None:
        lo, hi = bounds
        invalid = (values < lo) | (values > hi)
        code = "negative" if hi == math.inf else "rating_range"
        found += [src.at(code, {"value": _typed_as(col, kinds, r), "scale": f"{hi:g}", "indicator": item.name}, r,
                         fold(col.name)) for r in values.index[invalid]]
    if item.rule.whole or item.actual is not None:
        fraction = values.notna() & (values % 1 != 0) & ~invalid
        found += [src.at("count_whole", {"value": _show(col[r]), "indicator": item.name}, r,
                         fold(col.name)) for r in values.index[fraction]]
        invalid |= fraction
    return _without(values, invalid), found


def _numbers(col: pd.Series, kinds: pd.Series, src: Source, indicator: str, percent: bool,
             counts: bool = False, plain: pd.Series | None = None) -> tuple[pd.Series, list[Finding]]:
    """Numbers from number cells and from text (`88%`, `０.８８`, `1,234`); percents as fractions. `plain` are
    the text cells already read as plain numbers while their kinds were found."""
    is_num, is_bool, is_text = kinds.eq("number"), kinds.eq("bool"), kinds.eq("text")
    values = (col if is_num.all() else col.where(is_num)).astype(float)
    if counts and is_bool.any():  # a TRUE in a veto or count column counts once
        values[is_bool] = col[is_bool].astype(float)
    written_pct = ok = pd.Series(False, index=col.index)
    name = fold(str(col.name))
    found = []
    if is_text.any():  # the number grammar, only where a cell holds text: 88%, ０.８８, 1,234
        read, written_pct, ok = _text_numbers(col[is_text], plain)
        values[read.index] = read
        found += [src.at("not_number", {"value": _show(col[r]), "indicator": indicator}, r, name)
                  for r in ok.index[~ok]]
    other = ~(is_num | is_text | kinds.eq("blank") | (is_bool & counts))
    for r in col.index[other]:
        found.append(src.at("not_number", {"value": _show(col[r]), "indicator": indicator}, r, name))
    unusable = values.notna() & ~(values.abs() <= NUMBER_LIMIT)
    for r in values.index[unusable]:
        found.append(src.at("number_unusable", {"value": _show(col[r])[:40]}, r, name))
    values = _without(values, unusable)
    if percent:
        bare = (is_num | (is_text & ~written_pct.reindex(col.index, fill_value=False))) & (values.abs() > PERCENT_MAX)
        for r in values.index[bare]:
            params = {"value": _show(col[r]), "frac": f"{values[r] / 100:g}", "indicator": indicator}
            found.append(src.at("percent_ambiguous", params, r, name))
        values = _without(values, bare)
    else:
        pct = written_pct.reindex(col.index, fill_value=False) & ok.reindex(col.index, fill_value=False)
        for r in values.index[pct]:
            found.append(src.at("percent_unexpected", {"value": _show(col[r]), "indicator": indicator}, r, name))
        values = _without(values, pct)
    return values, found


def _without(values: pd.Series, drop: pd.Series) -> pd.Series:
    """`values` blank where `drop` holds, and the very same column when it holds nowhere: a million-row
    copy costs its fresh memory for nothing."""
    return values.where(~drop) if drop.any() else values


def _text_numbers(typed: pd.Series, plain: pd.Series | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Text cells as numbers (percents as fractions), which of them were written with %, and which the grammar
    read; plain numbers ("88.5" as a CSV writes it) come read already, or are read here at C speed."""
    read = _plain_numbers(typed).set_axis(typed.index) if plain is None else plain.reindex(typed.index)
    plain = read[np.isfinite(read)]  # inf and nan go to the grammar, to be refused there
    text = typed.drop(plain.index).astype(str).str.normalize("NFKC").str.replace(r"\s+", "", regex=True)
    written_pct = text.str.endswith("%")
    digits = text.str.rstrip("%")
    thousands = digits.str.fullmatch(THOUSANDS)
    digits = digits.where(~thousands, digits.str.replace(",", "", regex=False))
    ok = digits.str.fullmatch(NUMBER)
    parsed = digits.where(ok).astype(float)  # 10^400 typed in full is inf here, and refused by the caller
    percents = written_pct & ok
    if percents.any():
        parsed[percents] = hundredths(digits[percents])
    return pd.concat([plain, parsed]), written_pct, ok


def _typed_as(col: pd.Series, kinds: pd.Series, row: Any) -> Any:
    """A cell as it was typed: a number cell as its number, a text cell as its text, also where it was read
    as a float already (see `_text_columns`)."""
    return _show(col[row]) if kinds[row] == "text" else col[row]


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
