"""Raw tables to typed columns: the scheme reads a raw table into ids, names and numbers (percents as
fractions, ids as text, labels folded), leaving out summary and note lines and the rows its participation
excludes, and collecting every problem at its cell.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from ..core.engine import missing_problems, money_columns
from ..core.measures import Feeds, SourceSpec
from ..core.payout import team_keys, team_values
from ..core.query import ID
from ..core.rules import Rating
from ..core.scheme import Adjustment, Indicator, Participation, Scheme
from ..core.values import MONEY_LIMIT, NUMBER_LIMIT, PERCENT_MAX, first_rows, fold, label_key, mark_key, one
from ..errors import Finding, InputError
from .cells import (
    as_text,
    classified,
    contains,
    folded,
    longer,
    of_kind,
    read_already,
    show,
    stripped,
    text_kinds,
    text_numbers,
    typed_as,
    without,
    wordless,
)
from .tables import XLSX_TEXT, Source


def twice(raw: pd.DataFrame, names: list[str], src: Source) -> list[Finding]:
    """Each of `names` that heads two columns of the table, at its column: which of them is meant?"""
    return [src.at("column_duplicate", {"column": c}, column=c) for c in names if (raw.columns == c).sum() > 1]


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
        read = {c: read_already(raw[c]) if c in src.plain else
                      classified(raw[c], {m for m in marks if mark_key(m) not in labels.get(c, {})})
                      for c in raw.columns}
        kinds = pd.DataFrame({c: k for c, (k, _, _) in read.items()}, index=raw.index)
        #: whether a text cell of the column begins or ends with a space, by column
        self.spaced = {c: spaced for c, (_, _, spaced) in read.items()}
        #: numbers read from text cells while they were classified, by column
        self.plain = {c: p for c, (_, p, _) in read.items() if p is not None}
        keep = ~of_kind(kinds, "blank", "na").all(axis=1)
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
        out = participation.excluded(_text(raw, kinds, column, as_id=False)).to_numpy(dtype=bool)
        if out.any():
            self.raw, self.kinds = raw[~out], kinds[~out]
        return raw[out], kinds[out]

    def _unusable(self, scheme: Scheme, src: Source) -> None:
        """Report error values and uncalculated formulas, remember not-applicable marks; all then blank."""
        special = of_kind(self.kinds, "error", "uncalculated", "na")
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
            out[key] = _text(raw, kinds, fold(column), as_id=key == "id")
    status = _status(scheme)
    if status is not None and status in raw.columns:  # a roster is read without it
        out["reason"] = _text(raw, kinds, status, as_id=False)
    return out


def _text(raw: pd.DataFrame, kinds: pd.DataFrame, key: str, as_id: bool, spaced: bool | None = None
          ) -> pd.Series:
    """A column's cells as text: ids (`as_id`) NFKC-folded, other text stripped of its edge spaces (`spaced`,
    whether it has any, when that is known already)."""
    text = as_text(raw[key], kinds[key])
    return folded(text, spaced) if as_id else stripped(text, spaced)


def _identity(cells: _Cells, scheme: Scheme, src: Source) -> tuple[pd.DataFrame, list[Finding]]:
    """Ids (checked), names and groups as text; notices for long text and hidden rows and columns."""
    cols = scheme.columns
    raw, kinds = cells.raw, cells.kinds
    out = pd.DataFrame(index=raw.index)
    id_col = fold(cols.id)
    ids = _text(raw, kinds, id_col, as_id=True, spaced=cells.spaced[id_col])
    out[id_col] = ids
    findings = _id_problems(ids, kinds[id_col], raw[id_col], src, id_col, cells.invalid)
    for text_column in (cols.name, cols.group):
        if text_column and fold(text_column) in raw.columns:
            key = fold(text_column)
            out[key] = _text(raw, kinds, key, as_id=False, spaced=cells.spaced[key])
            for row in longer(out[key], XLSX_TEXT):  # xlsx keeps this much of a cell's text
                length = {"count": len(out.at[row, key]), "limit": XLSX_TEXT}
                src.notices.append(src.at("text_too_long", length, row, key))
    status = _status(scheme)
    if status is not None and status in raw.columns:  # carried to Scores, so that it reads back
        out[status] = _text(raw, kinds, status, as_id=False).where(kinds[status] != "blank")
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
            out[key], bad = _typed(raw[key], kinds[key], item, src, cells.plain.get(key), item.rule.whole_input(column))
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
        found += [src.at("payout_negative", {"value": show(out.at[r, key]), "column": column}, r, key)
                  for r in out.index[out[key] < 0]]
        found += _too_much(out[key], src, column, key, cells.raw[key])
    group = out[fold(scheme.columns.group)] if scheme.columns.group and fold(scheme.columns.group) in out else None
    if spec.prorate is not None:
        days, of = (fold(c) for c in (spec.prorate.column, spec.prorate.of))
        found += [src.at("prorate_zero", {"of": spec.prorate.of}, r, of) for r in out.index[out[of] == 0]]
        found += [src.at("prorate_over", {"column": spec.prorate.column, "value": show(out.at[r, days]),
                                          "of": spec.prorate.of, "limit": show(out.at[r, of])}, r, days)
                  for r in out.index[(out[days] > out[of]) & (out[of] != 0)]]
    keys = team_keys(group, spec)
    team = keys if keys is not None else pd.Series("", index=out.index)
    for column in spec.unit_columns:
        key = fold(column)
        first, first_row, differs = team_values(out[key], keys)
        found += [src.at("team_value_differs", {"column": column, "value": show(out.at[r, key]),
                                                "expected": show(first[team[r]]), "other": first_row[team[r]]},
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
    return [src.at("payout_amount_large", {"value": show(written[r]), "column": column,
                                           "limit": f"{MONEY_LIMIT:,.0f}"}, r, key)
            for r in values.index[values > MONEY_LIMIT]]


def _targets(cells: _Cells, out: pd.DataFrame, item: Indicator | Adjustment, src: Source) -> list[Finding]:
    """An indicator's personal targets, typed in its unit into `out`: each above 0, and present wherever the
    scheme has no target to fall back to."""
    key = fold(item.target_column or "")
    values, found = _numbers(cells.raw[key], cells.kinds[key], src, item.name, item.percent,
                             plain=cells.plain.get(key))
    low = values <= 0
    found += [src.at("target_not_positive", {"value": show(cells.raw.at[r, key]), "indicator": item.name}, r, key)
              for r in values.index[low]]
    if item.target is None:
        blank = cells.kinds[key].eq("blank")
        found += [src.at("target_blank", {"indicator": item.name}, r, key) for r in values.index[blank]]
    out[key] = without(values, low)
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
    kinds = text_kinds(text)
    values, found = _numbers(text, kinds, src, item.name, item.percent)
    low = values <= 0
    found += [src.at("target_not_positive", {"value": text[r], "indicator": item.name}, r, column)
              for r in values.index[low]]
    targets = pd.Series(without(values, low).to_numpy(), index=goals[ID])
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
        filled = pd.concat([text_kinds(table[fold(c)]) != "blank" for c in columns], axis=1).any(axis=1)
        found += [src.at("team_row_no_group", {"column": key}, r, key) for r in table.index[keyless & filled]]
        table = table[~keyless]
    out = pd.DataFrame(index=table.index)
    for column in columns:
        key = fold(column)
        text = table[key]
        kinds = text_kinds(text)
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
    kinds = text_kinds(text)
    values, found = _numbers(text, kinds, src, item.name, percent=False)
    found += [src.at("rating_scale", {"value": text[r], "scale": one(rule.scale), "indicator": item.name}, r, score)
              for r in values.index[(values < 0) | (values > rule.scale)]]
    found += [src.at("blank", {"indicator": item.name}, r, score) for r in kinds.index[kinds.eq("blank")]]
    table = pd.DataFrame({"id": rows[id_key].map(fold, na_action="ignore"),
                          "rater": stripped(rows[rater].astype(object)),
                          "role": stripped(rows[role].astype(object)) if role else None, "score": values})
    for key, column in (("id", id_key), ("rater", rater)):
        found += [src.at("blank", {"indicator": item.name}, r, column) for r in table.index[table[key].isna()]]
    pair = table["id"] + "\x00" + table["rater"].map(fold, na_action="ignore")
    twice = pair.notna() & pair.duplicated()
    first = first_rows(pair)
    found += [src.at("rating_duplicate", {"id": table.at[r, "id"], "rater": table.at[r, "rater"],
                                          "other": first[pair[r]]}, r, rater) for r in table.index[twice]]
    return table.dropna(subset=["id", "score"]), found


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
        text = text[contains(text, _HINT)]  # few ids and names hold a character a label holds
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


def _id_problems(ids: pd.Series, kinds: pd.Series, cells: pd.Series, src: Source, column: str,
                 invalid: set[tuple[Any, str]]) -> list[Finding]:
    """Blank, implausible and duplicate ids, each at its cell."""
    found = [src.at("id_blank", {}, row, column) for row in ids.index[ids.isna()]
             if (row, column) not in invalid]
    text = ids.dropna().astype(str)
    numbers = cells[kinds.eq("number")].astype(float)
    long = text.index.isin(longer(text, 64))
    implausible = (long | wordless(text)
                   | text.index.isin(kinds.index[kinds.isin(["bool", "other"])])
                   | text.index.isin(numbers.index[(numbers % 1 != 0) | (numbers < 0)]))
    found += [src.at("id_implausible", {"value": show(cells[row])}, row, column)
              for row in text.index[implausible]]
    ids = ids.where(~ids.index.isin(text.index[implausible]))
    dup = ids.notna() & ids.duplicated(keep="first")
    first_row = first_rows(ids)
    for row, value in ids[dup].items():
        found.append(src.at("id_duplicate", {"id": value, "other": first_row[value]}, row, column))
    return found


def _typed(col: pd.Series, kinds: pd.Series, item: Indicator | Adjustment, src: Source,
           plain: pd.Series | None = None, whole: bool = False) -> tuple[pd.Series, list[Finding]]:
    """One input column, typed by the rule that reads it (each count of a ratio of counts, as a count)."""
    counted = item.actual is not None or item.rule.value_kind == "count"
    known = item.rule.labels() if item.actual is None else None
    if known is not None:
        labels = as_text(col, kinds).map(label_key, na_action="ignore")
        bad = labels.notna() & ~labels.isin(list(known))
        names = " / ".join(item.rule.shown_labels())
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
        found += [src.at(code, {"value": typed_as(col, kinds, r), "scale": f"{hi:g}", "indicator": item.name}, r,
                         fold(col.name)) for r in values.index[invalid]]
    if whole or item.actual is not None:
        fraction = values.notna() & (values % 1 != 0) & ~invalid
        found += [src.at("count_whole", {"value": show(col[r]), "indicator": item.name}, r,
                         fold(col.name)) for r in values.index[fraction]]
        invalid |= fraction
    return without(values, invalid), found


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
        read, written_pct, ok = text_numbers(col[is_text], plain)
        values[read.index] = read
        found += [src.at("not_number", {"value": show(col[r]), "indicator": indicator}, r, name)
                  for r in ok.index[~ok]]
    other = ~(is_num | is_text | kinds.eq("blank") | (is_bool & counts))
    for r in col.index[other]:
        found.append(src.at("not_number", {"value": show(col[r]), "indicator": indicator}, r, name))
    unusable = values.notna() & ~(values.abs() <= NUMBER_LIMIT)
    for r in values.index[unusable]:
        found.append(src.at("number_unusable", {"value": show(col[r])[:40]}, r, name))
    values = without(values, unusable)
    if percent:
        bare = (is_num | (is_text & ~written_pct.reindex(col.index, fill_value=False))) & (values.abs() > PERCENT_MAX)
        for r in values.index[bare]:
            params = {"value": show(col[r]), "frac": f"{values[r] / 100:g}", "indicator": indicator}
            found.append(src.at("percent_ambiguous", params, r, name))
        values = without(values, bare)
    else:
        pct = written_pct.reindex(col.index, fill_value=False) & ok.reindex(col.index, fill_value=False)
        for r in values.index[pct]:
            found.append(src.at("percent_unexpected", {"value": show(col[r]), "indicator": indicator}, r, name))
        values = without(values, pct)
    return values, found
