"""Source files: the extra files a scheme names (system exports, personal targets), read at run time.

A CSV export of ten million calls is never held in memory: polars scans it (GBK or UTF-16 written out as
UTF-8 a chunk at a time first) and streams the measures' one query over it (`core.measures`), its SHA-256
taken meanwhile. An xlsx is read by calamine in the isolated reader a batch of rows at a time, only the
columns wanted, its error values and uncalculated formulas from the sheet's XML; other workbooks, and a text
polars refuses, are read whole by the reader of inputs. Either way every row keeps the number a spreadsheet
shows, so a bad cell is named `chats.csv › F1207`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import pandas as pd

from ..core import ratings
from ..core.measures import Feeds, SourceFile, SourceSpec, period_days
from ..core.query import ID, ROW, Aggregated, aggregate, as_pandas
from ..core.scheme import Scheme
from ..core.values import first_rows, fold, parse_number
from ..errors import Finding, InputError, UsageError
from ..text import voice
from .decode import CHUNK, DecodeProblem, check_decodes, detect_encoding, transcode_file
from .formats.delimited import csv_rows, delimiter_of
from .formats.grid import Uncalculated
from .formats.xlsx import check_area, xlsx_marks, xlsx_sheet_xml
from .isolate import isolated
from .tables import HEADER_ROWS, Opened, Source, column_letter, header_key, open_file, reading, table_of
from .typed import rating_rows, team_figures

if TYPE_CHECKING:
    import polars as pl

#: a source's frame with the columns named parsed as numbers by the reader (see `query.aggregate`)
Typed: TypeAlias = Callable[[set[str]], "pl.LazyFrame"]


def read_sources(scheme: Scheme, given: dict[str, Path], period: str | None) -> Feeds:
    """Read every source the scheme declares from the files `given` by name, and compute its measures for
    the `period` (for a source's `date` filter). Raises UsageError for a source not given or not declared,
    InputError for unreadable files and bad cells, each at its place."""
    undeclared = [name for name in given if name not in scheme.sources]
    missing = [name for name in scheme.sources if name not in given]
    if undeclared or missing:
        findings = [Finding("source_undeclared", {"source": n, "sources": ", ".join(scheme.sources) or "—"})
                    for n in undeclared]
        findings += [Finding("source_not_given", {"source": n}) for n in missing]
        raise UsageError(findings, scheme.language)
    feeds = Feeds()
    days = period_days(period, list(scheme.period_dates) if scheme.period_dates else None)
    problems: list[Finding] = []
    for name, spec in scheme.sources.items():
        measures = {key: m for key, m in scheme.measures.items() if m.source == name}
        targets = scheme.targets is not None and scheme.targets.source == name
        if spec.date and measures and days is None:
            problems.append(Finding("period_unknown", {"source": name, "period": period or "—"}))
            continue
        try:
            _read_one(feeds, name, spec, given[name], scheme, measures, targets, days)
        except InputError as exc:
            problems += exc.findings
    if problems:
        raise InputError(problems, scheme.language)
    return feeds


def _read_one(feeds: Feeds, name: str, spec: SourceSpec, path: Path, scheme: Scheme, measures: dict[str, Any],
              targets: bool, days: tuple[date, date] | None) -> None:
    """One source: its file opened, its needed columns checked, its measures and personal targets read. A
    text polars' reader refuses (quotes that do not close, a field over many lines) is read again as a
    spreadsheet opens it; a byte that is no UTF-8, which polars finds as it reads, is said at its line."""
    import polars as pl

    pay = scheme.pay
    team = pay.team_columns if pay is not None and pay.team_source == name else []
    needed = [spec.id or spec.group or "", *([spec.date] if spec.date and measures else []), *team]
    needed += [c for m in measures.values() for c in m.columns()]
    rated = scheme.long_ratings(name)
    long = list(dict.fromkeys(c for _, rule in rated for c in rule.source_columns()))
    needed += long
    personal = [i.name for i in scheme.items if i.rule.needs_target] if targets else team  # those it has
    use = _Use(spec, {fold(c): c for c in needed}, personal, measures, days, scheme.not_applicable_marks, long)
    with ExitStack() as stack:  # its exit lets temporary files go and has the file's SHA-256
        frame, opened, typed = _opened(path, spec.id or spec.group or "", use.columns, stack)
        src = opened.src
        try:
            got, goals, rows = use(frame, src, typed)
        except pl.exceptions.PolarsError as exc:
            if "utf-8" in str(exc):
                raise _bad_byte(path, src) from exc
            frame = _whole(opened, spec.id or spec.group or "", use.columns)
            got, goals, rows = use(frame, src, None)
    feeds.places[name] = src
    feeds.notices += src.notices
    if got.bad:
        raise InputError(_bad_cells(got, src))
    feeds.files.append(SourceFile(name, src.file, src.sha256 or "", got.read))
    if targets:
        feeds.targets = goals
    if team and goals is not None:
        feeds.teams[name] = team_figures(goals, team, src, spec.key)
    if measures:
        feeds.rows[name] = got.rows
        feeds.parts.update(got.parts)
    if rows is not None:  # each long rating from its rows, every bad row said at its place
        read = [rating_rows(rows, spec, item, rule, src) for item, rule in rated]
        problems = [f for _, found in read for f in found]
        if problems:
            raise InputError(problems)
        for (item, rule), (table, _) in zip(rated, read, strict=True):
            feeds.ratings[item.name] = ratings.rated(rule, table, voice(scheme.language))
        feeds.ratees[name] = pd.Series(rows.index, index=rows[spec.key].map(fold, na_action="ignore").to_numpy(),
                                       name=spec.key)


@dataclass
class _Use:
    """What a run takes from one source's frame: its needed columns checked, its personal targets, its
    measures (or, without any, its row count)."""

    spec: SourceSpec
    wanted: dict[str, str]
    personal: list[str]
    measures: dict[str, Any]
    days: tuple[date, date] | None
    marks: frozenset[str]
    #: the columns of long ratings, whose rows are taken as they are
    long: list[str]

    @property
    def columns(self) -> set[str]:
        return {*self.wanted, *map(fold, self.personal)}

    def __call__(self, frame: pl.LazyFrame, src: Source, typed: Typed | None
                 ) -> tuple[Aggregated, pd.DataFrame | None, pd.DataFrame | None]:
        absent = [c for key, c in self.wanted.items() if key not in src.letters]
        if absent:
            raise InputError([src.at("columns_missing", {"columns": ", ".join(absent)}, row=src.header_row)])
        keep = list(dict.fromkeys([*self.wanted, *(fold(c) for c in self.personal if fold(c) in src.letters)]))
        frame = frame.select([ROW, *keep])
        goals = _targets(frame, self.spec, src) if self.personal else None
        rows = None
        if self.long:
            rows = as_pandas(frame.select([ROW, self.spec.key, *map(fold, self.long)]).collect()).set_index(ROW)
            rows.index.name = None
        if not self.measures:
            return Aggregated(read=len(rows) if rows is not None else _count(frame)), goals, rows
        numbers = (lambda columns: typed(columns).select([ROW, *keep])) if typed else None
        return aggregate(frame, self.spec, self.measures, self.days, self.marks, numbers), goals, rows


def _bad_byte(path: Path, src: Source) -> InputError:
    """The line of the first byte of a UTF-8 file that is no UTF-8."""
    try:
        check_decodes(path)
    except DecodeProblem as problem:
        return InputError([src.at("file_encoding", {"line": problem.line, "encoding": problem.encoding})])
    return InputError([src.at("file_unreadable", {"detail": "UTF-8"})])


def _count(frame: pl.LazyFrame) -> int:
    import polars as pl

    return int(frame.select(pl.len()).collect(engine="streaming").item())


def _bad_cells(got: Aggregated, src: Source) -> list[Finding]:
    out = [src.at(_bad_code(text, kind), {"value": text}, row, column) for row, column, text, kind in got.bad]
    if got.more_bad:
        out.append(Finding("source_more_bad", {"count": got.more_bad}, file=src.file, sheet=src.sheet))
    return out


def _bad_code(text: str, kind: str) -> str:
    """What is wrong with a cell no reading could read: an uncalculated formula, a number too large to
    compute with, or no number (date) at all."""
    if text == UNCALCULATED_TEXT:
        return "source_uncalculated"
    return "source_number_large" if kind == "number" and parse_number(text) is not None else f"source_not_{kind}"


def _targets(frame: pl.LazyFrame, spec: SourceSpec, src: Source) -> pd.DataFrame:
    """The personal targets by row: each id folded (`ID`), and a text column per indicator the file names
    (typed in the indicator's unit when read); an id given twice is an error at its second row."""
    table = as_pandas(frame.collect()).set_index(ROW)
    table.index.name = None
    table[ID] = table.pop(spec.key).map(fold, na_action="ignore")
    twice = table[ID].notna() & table[ID].duplicated()
    if twice.any():
        other = first_rows(table[ID])
        code = "id_duplicate" if spec.id else "group_duplicate"
        raise InputError([src.at(code, {"id": table.at[r, ID], "other": other[table.at[r, ID]]}, r,
                                 spec.key) for r in table.index[twice]])
    return table


# ---------------------------------------------------------------------------------------------------------
# files to frames of text


def _opened(path: Path, key: str, wanted: set[str], stack: ExitStack
            ) -> tuple[pl.LazyFrame, Opened, Typed | None]:
    """A source file as a lazy frame of text cells, named by folded header, with each row's number as a
    spreadsheet shows it (`ROW`), and the file as opened (its place is `Opened.src`); of a workbook, only the
    columns `wanted`. It passes the gate every input passes (`tables.open_file`), with the same findings; a
    text is streamed, an xlsx read lean, any other workbook (or an xlsx with merges in its body) whole by the
    reader of inputs."""
    opened = open_file(path, whole=False)
    src = opened.src
    with reading(src):
        if opened.kind == "text":
            frame, typed = _csv(path, key, wanted, src, stack, opened.suffix == ".tsv")
            return frame, opened, typed
        if opened.kind == "xlsx" and opened.data is not None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kpiscore-")))
            lean = _lean_xlsx(opened.data, key, wanted, src, folder)
            if lean is not None:
                return lean, opened, None
    return _whole(opened, key, wanted), opened, None


def _whole(opened: Opened, key: str, wanted: set[str]) -> pl.LazyFrame:
    """A source read whole by the reader of inputs (header search, merged cells, any quoting), as text; its
    place is the opened file's `src`, filled in by that reader."""
    import polars as pl

    raw, src = table_of(opened, key, None)
    _doubled(list(raw.columns), wanted, src)  # which of two 类型 is meant?
    data = {c: pl.Series([_text(v) for v in raw[c]], dtype=pl.String) for c in raw.columns if c in wanted}
    data[ROW] = pl.Series(raw.index.to_numpy(), dtype=pl.Int64)
    return pl.DataFrame(data).lazy()


def _text(value: Any) -> str | None:
    """A workbook cell as text, as an export would have written it: 12 (not 12.0), 2024-01-03 10:22:00; an
    error value stays its text (#DIV/0!), never a number, and a formula never calculated is
    `UNCALCULATED_TEXT`; None for a blank."""
    kind = type(value)
    if kind is str:
        return value or None
    if kind is float:
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if value is None:
        return None
    return UNCALCULATED_TEXT if kind is Uncalculated else str(value)


#: how a formula without a cached result reads in a source: no number, said as such
UNCALCULATED_TEXT = "\x00uncalculated"
#: rows of a workbook source turned into text at a time
BATCH = 1 << 16


def _lean_xlsx(data: bytes, key: str, wanted: set[str], src: Source, folder: Path) -> pl.LazyFrame | None:
    """An xlsx export read a batch of rows at a time, only the columns `wanted`, in a child process (see
    `isolate`) that writes them to a CSV for polars: a million rows in a fraction of the memory of a sheet read
    whole. None where its body has merged cells, for the full reader."""
    import polars as pl

    found = isolated(_xlsx_batches, data, fold(key), wanted, str(folder), size=len(data))
    if found is None:
        return None
    src.sheet, src.header_row, src.letters, headings, names = found
    _doubled(headings, wanted, src)
    schema = {ROW: pl.Int64, **{n: pl.String for n in names}}
    return pl.scan_csv(folder / "body.csv", has_header=True, schema=schema)  # an empty field is a blank


def _xlsx_batches(data: bytes, key: str, wanted: set[str], folder: str
                  ) -> tuple[str, int, dict[str, str], list[str], list[str]] | None:
    """In the child: the first visible sheet with `key` in its first rows, its header's letters and headings,
    and its body's wanted columns as text, written BATCH rows at a time to a CSV for polars (polars itself is not
    used here: its threads do not survive a fork); None if merges reach its body."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    for meta in book.sheets_metadata:
        if not str(meta.visible).endswith("Visible") or "Hidden" in str(meta.visible):
            continue
        check_area(data, meta.name)
        marks: dict[int, dict[int, Any]] = {}  # found before calamine holds the sheet: the XML is let go
        for r, c, value in xlsx_marks(xlsx_sheet_xml(data, meta.name)):
            marks.setdefault(r, {})[c] = value
        ws = book.get_sheet_by_name(meta.name)
        top, left = ws.start or (0, 0)
        rows = ws.iter_rows()
        head = list(itertools.islice(rows, HEADER_ROWS))
        at = next((i for i, r in enumerate(head) if any(isinstance(c, str) and header_key(c) == key for c in r)),
                  None)
        if at is None:
            continue
        if any(r2 > top + at for _, (r2, _) in ws.merged_cell_ranges or []):
            return None
        names = [header_key(c) if isinstance(c, str) else "" for c in head[at]]
        letters: dict[str, str] = {}
        for j, n in enumerate(names):
            if n:
                letters.setdefault(n, column_letter(left + j))
        keep = {n: j for j, n in reversed(list(enumerate(names))) if n in wanted}
        _write_body(f"{folder}/body.csv", itertools.chain(head[at + 1:], rows), top + at + 1, left, keep, marks)
        return meta.name, top + at + 1, letters, names, list(keep)
    return None


def _doubled(names: list[str], wanted: set[str], src: Source) -> None:
    """A wanted column headed twice is refused at its first heading: which of the two is meant?"""
    heads = [src.at("column_duplicate", {"column": n}, column=n) for n in dict.fromkeys(names)
             if n in wanted and names.count(n) > 1]
    if heads:
        raise InputError(heads)


def _write_body(path: str, body: Iterator[list[Any]], first: int, left: int, keep: dict[str, int],
                marks: dict[int, dict[int, Any]]) -> None:
    """The body's rows (from sheet row `first`, 0-based; its first column `left`) as CSV: each row's number
    as a spreadsheet shows it, then the columns `keep` as text, error values and uncalculated formulas
    (`marks`, by absolute row and column) in their cells."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([ROW, *keep])
        while batch := list(itertools.islice(body, BATCH)):
            for r in set(marks).intersection(range(first, first + len(batch))):
                line = batch[r - first]
                for j, value in ((c - left, v) for c, v in marks[r].items() if c >= left):
                    line.extend([""] * (j + 1 - len(line)))
                    line[j] = value
            columns = [[_text(line[j]) if j < len(line) else None for line in batch] for j in keep.values()]
            writer.writerows(zip(range(first + 1, first + 1 + len(batch)), *columns, strict=True))
            first += len(batch)


def _hash_meanwhile(path: Path, src: Source, stack: ExitStack) -> None:
    """The file's SHA-256 in a thread (hashlib lets go of the interpreter), set on `src` when `stack` exits."""
    found: list[str] = []

    def run() -> None:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
        found.append(digest.hexdigest())

    worker = threading.Thread(target=run, daemon=True)
    worker.start()

    def done() -> None:
        worker.join()
        src.sha256 = found[0] if found else None

    stack.callback(done)


def _csv(path: Path, key: str, wanted: set[str], src: Source, stack: ExitStack, tab: bool
         ) -> tuple[pl.LazyFrame, Typed]:
    """A CSV as text columns (each field as written, an empty one null), and the same with columns parsed as
    numbers by polars' reader. A `wanted` column headed twice is said: which of the two is meant?"""
    import polars as pl

    with path.open("rb") as f:
        head = f.read(1 << 16)
    encoding = detect_encoding(head[: head.rfind(b"\n") + 1] or head)
    text = head.decode(encoding, errors="ignore").removeprefix("\ufeff")
    delimiter = delimiter_of(text, tab)
    rows = csv_rows("\n".join(text.splitlines()[:HEADER_ROWS]), delimiter)
    at = next((i for i, r in enumerate(rows) if any(header_key(c) == fold(key) for c in r)), None)
    if at is None:
        raise InputError([src.at("header_missing_any", {"column": key})])
    names = [header_key(c.removeprefix("\ufeff")) for c in rows[at]]
    src.header_row = at + 1
    src.letters = {}
    for i, n in enumerate(names):
        if n:
            src.letters.setdefault(n, column_letter(i))
    _doubled(names, wanted, src)
    chosen = {n: f"\x00{i}" for i, n in reversed(list(enumerate(names))) if n}
    lines = _lines_of(text, delimiter, at + 1)  # a title cell may hold a line break: records are no lines
    if encoding.startswith("utf-8"):  # polars reads it as it is; its SHA-256 is taken meanwhile
        _hash_meanwhile(path, src, stack)
        utf8 = [path]
    else:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kpiscore-")))
        utf8, src.sha256 = transcode_file(path, encoding, folder, lines)

    def scan(numbers: set[str]) -> pl.LazyFrame:
        kinds = {f"\x00{i}": pl.Float64 if n in numbers and chosen.get(n) == f"\x00{i}" else pl.String
                 for i, n in enumerate(names)}
        frame = pl.scan_csv(utf8, has_header=False, skip_lines=lines, separator=delimiter, schema=kinds,
                            truncate_ragged_lines=True, missing_columns="insert", extra_columns="ignore")
        return frame.with_row_index(ROW, offset=at + 2).select(
            pl.col(ROW).cast(pl.Int64), *[pl.col(c).alias(n) for n, c in chosen.items()])

    return scan(set()), scan




def _lines_of(text: str, delimiter: str, records: int) -> int:
    """How many lines the first `records` records of a delimited text take (a quoted field may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for _ in itertools.islice(reader, records):
        pass
    return reader.line_num
