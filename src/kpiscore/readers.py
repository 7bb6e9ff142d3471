"""Input files to typed columns, with every bad cell reported at the place Excel shows it.

Reading happens in two steps: a file becomes a raw table (cells as they are, the header row found below
any title rows, each row and column remembering its Excel address), then the scheme turns the raw table
into typed columns — percents as fractions, ids as text, labels folded — collecting every problem.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .engine import missing_problems
from .errors import Finding, InputError
from .i18n import msg
from .scheme import Adjustment, Indicator, Scheme
from .values import fold

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
HEADER_ROWS = 20
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

    def at(self, code: str, message: str, row: int | None = None, column: str | None = None) -> Finding:
        cell = None
        if column is not None and row is not None:
            cell = f"{self.letters.get(column, '?')}{row}"
        elif column is not None:
            cell = f"{self.letters.get(column, '?')}{self.header_row}"
        elif row is not None:
            cell = f"{row}:{row}"  # a whole row, as Excel names it
        return Finding(code, message, file=self.file, sheet=self.sheet or None, cell=cell)


@dataclass
class Actuals:
    """Typed input values: one row per employee, indexed by the row number Excel shows."""

    frame: pd.DataFrame
    source: Source
    #: problems that do not stop scoring (the scheme changed since the input template was made)
    warnings: list[Finding] = field(default_factory=list)


def read_actuals(source: str | Path | pd.DataFrame, scheme: Scheme, sheet: str | None = None) -> Actuals:
    """Read a workbook, a CSV export or a DataFrame, check every cell against the scheme; raise InputError."""
    if isinstance(source, pd.DataFrame):
        raw = source.astype(object).copy()
        raw.columns = [fold(str(c)) for c in raw.columns]
        raw.index = np.arange(len(raw)) + 2  # as if the header were row 1
        src = Source("<DataFrame>", letters={c: column_letter(i) for i, c in enumerate(raw.columns)})
    else:
        raw, src = read_table(Path(source), scheme, sheet)
    frame, findings = parse(raw, scheme, src)
    if findings:
        raise InputError(findings)
    warnings = []
    if src.stamp and src.stamp.get(STAMP_HASH) != scheme.content_hash:
        text = msg("template_changed", scheme.language, name=src.stamp.get(STAMP_NAME, "?"))
        warnings.append(Finding("template_changed", text, file=src.file))
    return Actuals(frame, src, warnings)


# ---------------------------------------------------------------------------------------------------------
# files to raw tables


def read_table(path: Path, scheme: Scheme, sheet: str | None) -> tuple[pd.DataFrame, Source]:
    """A file's raw cells below the header row the scheme's id column marks, and where they came from."""
    lang = scheme.language
    src = Source(path.name, path=path)
    if not path.is_file():
        raise InputError([Finding("file_missing", msg("file_missing", lang, path=str(path)))])
    suffix = path.suffix.lower()
    if suffix not in EXCEL_SUFFIXES | CSV_SUFFIXES:
        raise InputError([src.at("file_format", msg("file_format", lang, suffix=suffix or path.name))])
    data = path.read_bytes()
    src.sha256 = hashlib.sha256(data).hexdigest()
    id_col = fold(scheme.columns.id)
    if suffix in CSV_SUFFIXES:
        rows = _csv_rows(data, suffix)
        header = _find_header(rows[:HEADER_ROWS], id_col)
        if header is None:
            raise InputError([src.at("header_missing", msg("header_missing", lang, column=scheme.columns.id))])
        return _table(rows, header, (0, 0), src, [n for n, _ in rows]), src
    _guard_zip(data, src, lang)
    src.stamp = read_stamp(data)
    return _read_workbook(data, src, scheme, sheet)


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


def _guard_zip(data: bytes, src: Source, lang: str) -> None:
    """Refuse a zip bomb before any XML is parsed, from the sizes the members declare."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return
    total = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            total += info.file_size
            bomb = info.file_size > RATIO * max(info.compress_size, 1) and info.file_size > MEMBER_LIMIT
            if bomb or total > TOTAL_LIMIT:
                raise InputError([src.at("zip_bomb", msg("zip_bomb", lang, member=info.filename))])


def _read_workbook(data: bytes, src: Source, scheme: Scheme, sheet: str | None) -> tuple[pd.DataFrame, Source]:
    from python_calamine import CalamineWorkbook

    lang = scheme.language
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several unrelated types for a corrupt file
        raise InputError([src.at("file_unreadable", msg("file_unreadable", lang, detail=str(exc)))]) from None
    id_col = fold(scheme.columns.id)
    if sheet is not None:
        if sheet not in book.sheet_names:
            raise InputError([src.at("sheet_missing", msg("sheet_missing", lang, sheet=sheet,
                                                          sheets=", ".join(book.sheet_names)))])
        candidates = [sheet]
    else:
        candidates = [m.name for m in book.sheets_metadata if str(m.visible).endswith("Visible")
                      and "Hidden" not in str(m.visible)]
    for name in candidates:
        ws = book.get_sheet_by_name(name)
        start = ws.start or (0, 0)
        rows = ws.to_python()
        top = rows[: max(0, HEADER_ROWS - start[0])]
        header = _find_header([(start[0] + i + 1, r) for i, r in enumerate(top)], id_col)
        if header is not None:
            src.sheet = name
            numbers = range(start[0] + 1, start[0] + 1 + len(rows))
            return _table(list(zip(numbers, rows, strict=True)), header, start, src, list(numbers)), src
        if sheet is not None:
            src.sheet = name
            raise InputError([src.at("header_missing", msg("header_missing", lang, column=scheme.columns.id))])
    raise InputError([src.at("header_missing_any", msg("header_missing_any", lang, column=scheme.columns.id))])


def _csv_rows(data: bytes, suffix: str) -> list[tuple[int, list[str]]]:
    """CSV/TSV rows with their line numbers; UTF-8 (BOM or not) or GB18030, `,` `;` or tab separated."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    head = text[:65536].splitlines()[:HEADER_ROWS]
    counts = {d: sum(line.count(d) for line in head) for d in (",", ";", "\t")}
    delimiter = "\t" if suffix == ".tsv" else max(counts, key=lambda d: counts[d])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    for row in reader:
        rows.append((reader.line_num, row))
    return rows


def _find_header(rows: Iterable[tuple[int, list[Any]]], id_col: str) -> int | None:
    """The position of the first row holding the id column's name."""
    for pos, (_, row) in enumerate(rows):
        if any(isinstance(c, str) and fold(c) == id_col for c in row):
            return pos
    return None


def _table(rows: list[tuple[int, list[Any]]], header: int, start: tuple[int, int], src: Source,
           numbers: list[int]) -> pd.DataFrame:
    """The rows below the header as a frame of raw cells, indexed by row number, named by folded header."""
    head = [fold(_show(c)) if c not in (None, "") else "" for c in rows[header][1]]
    src.header_row = rows[header][0]
    width = len(head)
    body = [r[1][:width] + [""] * (width - len(r[1])) for r in rows[header + 1:]]
    frame = pd.DataFrame(body, columns=range(width), index=numbers[header + 1:], dtype=object)
    keep = [i for i, name in enumerate(head) if name]
    frame = frame[keep]
    frame.columns = [head[i] for i in keep]
    src.letters = {}
    for i in keep:
        src.letters.setdefault(head[i], column_letter(start[1] + i))
    return frame


# ---------------------------------------------------------------------------------------------------------
# raw tables to typed columns


def read_roster(path: str | Path, scheme: Scheme) -> pd.DataFrame:
    """A roster (xlsx or csv with the scheme's id, name and optionally group columns) as a frame of text;
    duplicate and blank ids are errors, reported with their cells."""
    raw, src = read_table(Path(path), scheme, None)
    frame, findings = parse(raw, scheme, src, roster=True)
    if findings:
        raise InputError(findings)
    return frame


def parse(raw: pd.DataFrame, scheme: Scheme, src: Source, roster: bool = False) -> tuple[pd.DataFrame, list[Finding]]:
    """Typed columns for the scheme from a raw table, and every problem found on the way; a `roster`
    reads only the identity columns."""
    lang = scheme.language
    findings: list[Finding] = []
    duplicated = raw.columns[raw.columns.duplicated()].unique()
    findings += [src.at("column_duplicate", msg("column_duplicate", lang, column=c), column=c) for c in duplicated]
    raw = raw.loc[:, ~raw.columns.duplicated()]
    cols = scheme.columns
    needed = {fold(cols.id): cols.id, fold(cols.name): cols.name}
    if cols.group and "group" in cols.model_fields_set:
        needed[fold(cols.group)] = cols.group
    if not roster:
        if cols.base:
            needed[fold(cols.base)] = cols.base
        for item in scheme.items:
            needed.update({fold(c): c for c in item.inputs})
    absent = [name for key, name in needed.items() if key not in raw.columns]
    if absent:
        text = msg("columns_missing", lang, columns=", ".join(absent))
        findings.append(src.at("columns_missing", text, row=src.header_row))
        return raw.iloc[:0], findings

    optional = [fold(cols.group)] if cols.group and fold(cols.group) in raw.columns else []
    raw = raw[list(dict.fromkeys([*needed, *optional]))]
    kinds = pd.DataFrame({c: cell_kinds(raw[c]) for c in raw.columns}, index=raw.index)
    keep = ~(kinds == "blank").all(axis=1)
    raw, kinds = raw[keep], kinds[keep]
    if raw.empty:
        return raw, [*findings, src.at("no_rows", msg("no_rows", lang))]
    out = pd.DataFrame(index=raw.index)
    ids = as_text(raw[fold(cols.id)], kinds[fold(cols.id)]).map(fold, na_action="ignore")
    out[fold(cols.id)] = ids
    findings += _id_problems(ids, src, fold(cols.id), lang)
    for column in (cols.name, cols.group):
        if column and fold(column) in raw.columns:
            out[fold(column)] = as_text(raw[fold(column)], kinds[fold(column)]).str.strip()
    if roster:
        return out, findings
    if cols.base:
        key = fold(cols.base)
        out[key], bad = _numbers(raw[key], kinds[key], src, cols.base, percent=False, lang=lang)
        findings += bad
    invalid: set[tuple[Any, str]] = set()  # cells already reported: not blank, just wrong
    for item in scheme.items:
        for column in item.inputs:
            key = fold(column)
            if key in out:
                continue
            out[key], bad = _typed(raw[key], kinds[key], item, src, lang)
            findings += bad
            invalid.update((row, key) for row in out.index[out[key].isna() & (kinds[key] != "blank")])
    findings += [src.at(p.code, msg(p.code, lang, indicator=_indicator_of(scheme, p.column)), p.row, p.column)
                 for p in missing_problems(out, scheme) if (p.row, p.column) not in invalid]
    order = {letter: i for i, letter in enumerate(src.letters.values())}
    findings.sort(key=lambda f: _cell_order(f.cell, order))
    return out, findings


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


def cell_kinds(col: pd.Series) -> pd.Series:
    """Each cell's kind — "number", "bool", "text", "blank" or "other" (a date) — from one type() per cell."""
    types = col.map(type)
    kind = pd.Series("other", index=col.index, dtype=object)
    kind[types.isin(_NUMBER_TYPES)] = "number"
    kind[types.isin(_BOOL_TYPES)] = "bool"
    is_text = types.isin({str})
    kind[is_text] = "text"
    kind[is_text & col.where(is_text).str.strip().eq("")] = "blank"
    kind[types.eq(type(None)) | (kind.eq("number") & pd.isna(col))] = "blank"
    return kind


def as_text(col: pd.Series, kind: pd.Series) -> pd.Series:
    """Cells as text: a number cell 1001 is "1001", not "1001.0"; blanks are NaN."""
    out = col.where(kind != "blank").astype(object)
    num = col[kind == "number"].astype(float)
    out[num.index] = num.map(_show)
    other = kind.isin(["bool", "other"])
    out[other] = col[other].astype(str)
    return out


def _id_problems(ids: pd.Series, src: Source, column: str, lang: str) -> list[Finding]:
    found = [src.at("id_blank", msg("id_blank", lang), row, column) for row in ids.index[ids.isna()]]
    dup = ids.notna() & ids.duplicated(keep="first")
    first = ids[ids.notna() & ~ids.duplicated(keep="first")]
    first_row = pd.Series(first.index, index=first.to_numpy())
    for row, value in ids[dup].items():
        found.append(src.at("id_duplicate", msg("id_duplicate", lang, id=value, other=first_row[value]), row, column))
    return found


def _typed(col: pd.Series, kinds: pd.Series, item: Indicator | Adjustment, src: Source,
           lang: str) -> tuple[pd.Series, list[Finding]]:
    """One input column, typed by the rule that reads it."""
    kind = item.rule.value_kind
    if kind == "label":
        labels = as_text(col, kinds).map(fold, na_action="ignore")
        known = item.rule.folded  # type: ignore[union-attr]
        bad = labels.notna() & ~labels.isin(list(known))
        names = " / ".join(known)
        return labels, [src.at("unknown_label", msg("unknown_label", lang, value=col[r], labels=names,
                                                        indicator=item.name), r, fold(col.name))
                        for r in labels.index[bad]]
    values, found = _numbers(col, kinds, src, item.name, item.percent, lang, counts=kind == "count")
    invalid = pd.Series(False, index=values.index)
    if kind == "count":
        invalid = values < 0
        found += [src.at("negative", msg("negative", lang, value=col[r], indicator=item.name), r, fold(col.name))
                  for r in values.index[invalid]]
    if kind == "rating":
        scale = item.rule.scale  # type: ignore[union-attr]
        invalid = (values < 0) | (values > scale)
        found += [src.at("rating_range", msg("rating_range", lang, value=col[r], scale=f"{scale:g}",
                                             indicator=item.name), r, fold(col.name))
                  for r in values.index[invalid]]
    return values.where(~invalid), found


def _numbers(col: pd.Series, kinds: pd.Series, src: Source, indicator: str, percent: bool, lang: str,
             counts: bool = False) -> tuple[pd.Series, list[Finding]]:
    """Numbers from number cells and from text (`88%`, `０.８８`, `1,234`); percents as fractions."""
    is_num, is_bool, is_text = kinds.eq("number"), kinds.eq("bool"), kinds.eq("text")
    values = pd.Series(np.nan, index=col.index, dtype=float)
    values[is_num] = col[is_num].astype(float)
    if counts:  # a TRUE in a veto or count column counts once
        values[is_bool] = col[is_bool].astype(float)
    text = col[is_text].astype(str).str.normalize("NFKC").str.replace(r"\s+", "", regex=True)
    written_pct = text.str.endswith("%")
    digits = text.str.rstrip("%")
    thousands = digits.str.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
    digits = digits.where(~thousands, digits.str.replace(",", "", regex=False))
    ok = digits.str.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
    parsed = pd.to_numeric(digits.where(ok), errors="coerce")
    values[text.index] = parsed.where(~written_pct, parsed / 100)
    name = fold(str(col.name))
    found = []
    other = ~(is_num | is_text | kinds.eq("blank") | (is_bool & counts))
    for r in list(text.index[~ok]) + list(col.index[other]):
        found.append(src.at("not_number", msg("not_number", lang, value=_show(col[r]), indicator=indicator), r, name))
    if percent:
        bare = (is_num | (is_text & ~written_pct.reindex(col.index, fill_value=False))) & (values.abs() > 1.5)
        for r in values.index[bare]:
            v = values[r]
            found.append(src.at("percent_ambiguous", msg("percent_ambiguous", lang, value=_show(col[r]),
                                                         frac=f"{v / 100:g}", indicator=indicator), r, name))
        values = values.where(~bare)
    else:
        pct = written_pct.reindex(col.index, fill_value=False) & ok.reindex(col.index, fill_value=False)
        for r in values.index[pct]:
            found.append(src.at("percent_unexpected", msg("percent_unexpected", lang, value=_show(col[r]),
                                                          indicator=indicator), r, name))
        values = values.where(~pct)
    return values, found


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
