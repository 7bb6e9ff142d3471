"""Input files read for a run: the actuals (one scheme, or several by a role column), a roster, the
adjustments and a scored workbook's improvement plan, each an `InputError` naming every bad cell.

Reading happens in two steps: a file becomes a raw table (`tables`), then the scheme turns the raw table
into typed columns (`typed`), collecting every problem.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import calibration
from ..core.analysis import EVERYONE
from ..core.engine import money_columns
from ..core.measures import Feeds, SourceFile
from ..core.scheme import Scheme
from ..core.values import fold
from ..errors import Finding, InputError
from ..text import label
from .cells import as_text, cell_kinds, numeric_mark, stripped
from .tables import EXCEL_SUFFIXES, STAMP_HASH, STAMP_NAME, Source, column_letter, read_table
from .typed import parse, twice


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


def _number_columns(scheme: Scheme) -> frozenset[str]:
    """The columns a scheme reads only as numbers: the bonus base and inputs of rules without labels (none
    when a not-applicable mark is itself a number, which a cell must then be compared with as text)."""
    cols = scheme.columns
    if numeric_mark(scheme.not_applicable_marks):
        return frozenset()
    labelled = {fold(c) for item in scheme.items if item.rule.labels() is not None for c in item.inputs}
    identity = {fold(c) for c in (cols.id, cols.name, cols.group) if c}
    numbers = {fold(c) for item in scheme.items if item.rule.labels() is None for c in item.inputs}
    return frozenset(numbers | {fold(c) for c in money_columns(scheme)}) - labelled - identity


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
        text = pd.DataFrame({key: stripped(as_text(raw[h], kinds[key])) for key, h in headings.items()})
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


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and str(value).strip() != ""
