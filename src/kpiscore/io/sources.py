"""Source files: the extra files a scheme names (system exports, personal targets), read at run time.

A CSV export of ten million calls is never held in memory: it is checked and hashed a chunk at a time (and
written out as UTF-8 first when it is GBK or UTF-16), then scanned by polars, which streams the measures'
one query over it (`core.measures`). A workbook is read like any input (header search, merged cells), then
handed to the same query. Either way every row keeps the number a spreadsheet shows, so a bad cell is
named `chats.csv › F1207`.
"""

from __future__ import annotations

import csv
import io
import tempfile
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..core.measures import ID, ROW, Aggregated, Feeds, SourceFile, SourceSpec, aggregate, as_pandas, period_days
from ..core.scheme import Scheme
from ..core.values import fold
from ..errors import Finding, InputError, UsageError
from .decode import CHUNK, DecodeProblem, stream_utf8
from .readers import CSV_SUFFIXES, EXCEL_SUFFIXES, HEADER_ROWS, Source, column_letter, header_key, read_table

if TYPE_CHECKING:
    import polars as pl


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
    """One source: its file opened, its needed columns checked, its measures and personal targets read."""
    needed = [spec.id or spec.group or "", *([spec.date] if spec.date and measures else [])]
    needed += [c for m in measures.values() for c in m.columns()]
    personal = [i.name for i in scheme.items if i.rule.needs_target] if targets else []  # those it has
    with ExitStack() as stack:
        frame, src = _opened(path, spec.id or spec.group or "", stack)
        feeds.places[name] = src
        wanted = {fold(c): c for c in needed}
        absent = [c for key, c in wanted.items() if key not in src.letters]
        if absent:
            raise InputError([src.at("columns_missing", {"columns": ", ".join(absent)}, row=src.header_row)])
        keep = list(dict.fromkeys([*wanted, *(fold(c) for c in personal if fold(c) in src.letters)]))
        frame = frame.select([ROW, *keep])
        if targets:
            feeds.targets = _targets(frame, spec, src)
        if not measures:
            feeds.files.append(SourceFile(name, src.file, src.sha256 or "", _count(frame)))
            return
        try:
            got = aggregate(frame, spec, measures, days, scheme.not_applicable_marks)
        except Exception as exc:  # polars found a byte that is no UTF-8: say at which line
            if "utf-8" not in str(exc):
                raise
            try:
                with path.open("rb") as f:
                    stream_utf8(iter(lambda: f.read(CHUNK), b""), None, check=True)
            except DecodeProblem as problem:
                found = src.at("file_encoding", {"line": problem.line, "encoding": problem.encoding})
                raise InputError([found]) from exc
            raise
    if got.bad:
        raise InputError(_bad_cells(got, src))
    feeds.files.append(SourceFile(name, src.file, src.sha256 or "", got.read))
    feeds.rows[name] = _by_folded_id(got.rows.to_frame("rows"))["rows"]
    for key, parts in got.parts.items():
        feeds.parts[key] = _by_folded_id(parts)


def _count(frame: pl.LazyFrame) -> int:
    import polars as pl

    return int(frame.select(pl.len()).collect(engine="streaming").item())


def _by_folded_id(frame: pd.DataFrame) -> pd.DataFrame:
    """Ids as the actuals hold them (NFKC-folded); the query trimmed them only, which is the same for
    nearly every export: where two spellings fold to one id, their counts and sums are added."""
    folded = frame.index.map(fold)
    if folded.equals(frame.index):
        return frame
    frame = frame.set_axis(folded)
    if not folded.has_duplicates:
        return frame
    summed = frame.groupby(level=0, sort=False).sum(min_count=1)
    return summed


def _bad_cells(got: Aggregated, src: Source) -> list[Finding]:
    out = [src.at("source_not_date" if kind == "date" else "source_not_number", {"value": text}, row, column)
           for row, column, text, kind in got.bad]
    if got.more_bad:
        out.append(Finding("source_more_bad", {"count": got.more_bad}, file=src.file, sheet=src.sheet))
    return out


def _targets(frame: pl.LazyFrame, spec: SourceSpec, src: Source) -> pd.DataFrame:
    """The personal targets by row: each id folded (`ID`), and a text column per indicator the file names
    (typed in the indicator's unit when read); an id given twice is an error at its second row."""
    table = as_pandas(frame.collect()).set_index(ROW)
    table.index.name = None
    table[ID] = table.pop(spec.key).map(fold, na_action="ignore")
    twice = table[ID].notna() & table[ID].duplicated()
    if twice.any():
        first = table[ID][~table[ID].duplicated()]
        other = pd.Series(first.index, index=first.to_numpy())
        raise InputError([src.at("id_duplicate", {"id": table.at[r, ID], "other": other[table.at[r, ID]]}, r,
                                 spec.key) for r in table.index[twice]])
    return table


# ---------------------------------------------------------------------------------------------------------
# files to frames of text


def _opened(path: Path, key: str, stack: ExitStack) -> tuple[pl.LazyFrame, Source]:
    """A source file as a lazy frame of text cells, named by folded header, with each row's number as a
    spreadsheet shows it (`ROW`), and where it came from."""
    src = Source(path.name, path=path)
    if not path.exists():
        raise InputError([Finding("file_missing", {"path": str(path)})])
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        try:
            return _csv(path, key, src, stack, suffix == ".tsv"), src
        except DecodeProblem as exc:
            raise InputError([src.at("file_encoding", {"line": exc.line, "encoding": exc.encoding})]) from exc
        except OSError as exc:
            raise InputError([src.at("file_unreadable", {"detail": exc.strerror or str(exc)})]) from None
    if suffix not in EXCEL_SUFFIXES:
        raise InputError([src.at("file_format", {"suffix": suffix or path.name})])
    raw, src = read_table(path, key, None)
    return _texts(raw), src


def _texts(raw: pd.DataFrame) -> pl.LazyFrame:
    """A workbook's raw cells as text, as an export would have written them: 12 (not 12.0), 2024-01-03
    10:22:00; an error value stays its text (#DIV/0!), never a number."""
    import polars as pl

    def text(col: pd.Series) -> pl.Series:
        whole = col.map(lambda v: int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 2**53 else v,
                        na_action="ignore")
        return pl.Series(whole.astype(str).where(col.notna() & col.ne(""), None).tolist(), dtype=pl.String)

    data = {c: text(raw[c]) for c in raw.columns}
    data[ROW] = pl.Series(raw.index.to_numpy(), dtype=pl.Int64)
    return pl.DataFrame(data).lazy()


def _csv(path: Path, key: str, src: Source, stack: ExitStack, tab: bool) -> pl.LazyFrame:
    import polars as pl

    with path.open("rb") as f:
        head = f.read(1 << 16)
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kpiscore-")))
    with path.open("rb") as f, (folder / "utf8.csv").open("wb") as out:
        encoding, src.sha256 = stream_utf8(iter(lambda: f.read(CHUNK), b""), out)
    utf8 = path if encoding.startswith("utf-8") else folder / "utf8.csv"
    text = head.decode(encoding, errors="ignore").removeprefix("\ufeff")
    lines = text.splitlines()[:HEADER_ROWS]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", ";", "\t")}
    delimiter = "\t" if tab else max(counts, key=lambda d: counts[d])
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    at = next((i for i, r in enumerate(rows) if any(header_key(c) == fold(key) for c in r)), None)
    if at is None:
        raise InputError([src.at("header_missing_any", {"column": key})])
    names = [header_key(c.removeprefix("\ufeff")) for c in rows[at]]
    src.header_row = at + 1
    src.letters = {}
    for i, n in enumerate(names):
        if n:
            src.letters.setdefault(n, column_letter(i))
    frame = pl.scan_csv(utf8, has_header=False, skip_lines=at + 1, separator=delimiter, infer_schema=False,
                        schema={f"\x00{i}": pl.String for i in range(len(names))}, truncate_ragged_lines=True,
                        missing_columns="insert", extra_columns="ignore", empty_string_is_null=False)
    chosen = {n: f"\x00{i}" for i, n in reversed(list(enumerate(names))) if n}
    return frame.with_row_index(ROW, offset=at + 2).select(
        pl.col(ROW).cast(pl.Int64), *[pl.col(c).alias(n) for n, c in chosen.items()])


