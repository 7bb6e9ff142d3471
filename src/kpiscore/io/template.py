"""The blank input workbook HR sends to team leads: one header row the scheme reads as it is, a note,
a number format and data validation under every input column, an Instructions sheet, and a stamp of
the scheme it was made for.

Notes, instructions and examples describe each rule with the same rule definitions that score it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ..core.engine import blank_meaning
from ..core.rulebase import Cell
from ..core.scheme import Adjustment, Indicator, Scheme
from ..core.values import fmt_fixed, one, text_width
from ..text import label, msg, voice, words
from .book import on_paper
from .output import atomic_write
from .tables import STAMP_HASH, STAMP_NAME, column_letter

#: data validation and formats cover at least this many rows (or the roster's length)
MIN_ROWS = 1000
HEADER_ROW = 2  # 0-based: title, hint, header


#: the roles of a payout's columns: numbers of 0 or more
PAYOUT_ROLES = ("base", "weight", "days", "days_of", "units")


@dataclass(frozen=True)
class InputColumn:
    """One column of the data sheet: its header text and what it holds."""

    heading: str
    #: id | name | group | participation | input | part (one of several: a rater, a clause) | target, or a
    #: payout's: base | weight | days | days_of | units
    role: str
    item: Indicator | Adjustment | None = None


def input_columns(scheme: Scheme) -> list[InputColumn]:
    """id, name, group, the participation status, each indicator's column (each rater's for `rating`) in
    dimension order, the adjustments, and the bonus base — exactly the names `score` reads."""
    cols = scheme.columns
    out = [InputColumn(cols.id, "id"), InputColumn(cols.name, "name")]
    if cols.group:
        out.append(InputColumn(cols.group, "group"))
    if scheme.participation:
        out.append(InputColumn(scheme.participation.column, "participation"))
    seen = {c.heading for c in out}
    for item in scheme.items:
        for heading in item.inputs:
            if heading not in seen and scheme.from_source(heading) is None:  # it comes from its source
                seen.add(heading)
                several = item.actual is None and bool(item.rule.carried())  # a rater's, a clause's
                out.append(InputColumn(heading, "part" if several else "input", item))
        if item.target_column and item.target_column not in seen:  # personal targets, beside the actual
            seen.add(item.target_column)
            out.append(InputColumn(item.target_column, "target", item))
    spec = scheme.pay
    if spec is not None:  # the payout's columns, each once
        roles: dict[str | None, str] = {spec.base: "base", spec.weight: "weight",
                                        **dict.fromkeys(spec.unit_columns, "units")}
        if spec.prorate:
            roles.update({spec.prorate.column: "days", spec.prorate.of: "days_of"})
        for column in dict.fromkeys([*spec.person_columns, *spec.unit_columns]):
            if column not in seen:
                out.append(InputColumn(column, roles[column]))
    return out


def example_text(item: Indicator | Adjustment, lang: str) -> str:
    """`88% → 15 × 88% ÷ 90% = 14.67`: the rule's example value put through the rule that scores it."""
    ctx = item.context(voice(lang))
    personal = ctx.target is None and bool(item.target_column)
    if personal:  # an example person's own target
        ctx = replace(ctx, target=item.rule.example_target(ctx))
    value = item.rule.example(ctx)
    if isinstance(value, dict):  # one value per input column (a clause's count): the actual is the rule's
        ctx = replace(ctx, inputs=pd.DataFrame([value]))
        series = item.rule.actual(ctx.inputs, ctx)
    else:
        series = pd.Series([value], dtype=object if isinstance(value, str) else float)
    said = item.rule.words(series, ctx).iloc[0]
    if item.rule.role == "veto":
        return said
    score = item.rule.score(series, ctx)
    mine = ctx.say("aside", text=f"{label('personal_target', lang)} {ctx.num(ctx.target)}") if personal else ""  # type: ignore[arg-type]
    return f"{said} = {fmt_fixed(score.astype(float), 2).iloc[0]}{mine}"


def how_to_type(item: Indicator | Adjustment, lang: str, column: str | None = None) -> str:
    """The rule's hint for its input cell (its `column`'s), in `lang`."""
    cell = item.cell(column)
    return words(cell.hint, lang, **cell.params)


def note(scheme: Scheme, col: InputColumn) -> str:
    """The header cell's note: what the column is, its unit and target, the rule in words, how to type it."""
    lang = scheme.language
    if col.role == "participation" and scheme.participation:
        return words("note_participation", lang, reasons=words("enum_sep", lang).join(scheme.participation.exclude))
    if col.role == "target" and col.item is not None:
        fallback = col.item.target.text if col.item.target else "—"
        return words("note_target", lang, indicator=col.item.name, target=fallback)
    if col.item is None:
        return label("note_" + col.role, lang)
    item, ctx = col.item, col.item.context(voice(lang))
    lines = [item.name if col.role != "part" else f"{item.name} · {col.heading}"]
    if item.description:
        lines.append(item.description)
    facts = []
    if item.unit or item.percent:
        facts.append(f"{label('unit', lang)}: {item.unit or '%'}")
    if item.target is not None:
        facts.append(f"{label('target', lang)}: {item.target.text}")
    if isinstance(item, Indicator):
        facts.append(f"{label('weight', lang)}: {one(item.weight)}")
    if facts:
        lines.append("  ".join(facts))
    lines.append(f"{label('rule', lang)}: {item.rule.describe(ctx)}")
    lines.append(f"{words('template_enter', lang)}: {how_to_type(item, lang, col.heading)}")
    lines.append(f"{label('missing', lang)}: {label(blank_meaning(scheme, item), lang)}")
    return "\n".join(lines)


def write_template(scheme: Scheme, path: str | Path, roster: pd.DataFrame | None = None, force: bool = True) -> None:
    """Write the input template for `scheme`; `roster` (from `read_roster`) pre-fills id, name and group;
    without `force` an existing file is never replaced."""
    atomic_write(Path(path), lambda tmp: _write(scheme, tmp, roster), force)


def _write(scheme: Scheme, path: Path, roster: pd.DataFrame | None) -> None:
    buffer = io.BytesIO()  # built in memory, written by us: a full disk is one clean OSError
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    try:
        book.set_custom_property(STAMP_NAME, scheme.name)
        book.set_custom_property(STAMP_HASH, scheme.content_hash)
        book.set_properties({"title": f"{scheme.name} · {words('template_title', scheme.language)}",
                             "comments": "kpiscore input template"})
        lists = _data_sheet(book, scheme, roster)
        _instructions(book, scheme)
        if lists:
            _lists_sheet(book, scheme, lists)
    finally:
        book.close()
    path.write_bytes(buffer.getbuffer())


#: Excel keeps an inline drop-down list as one string of at most this many characters, split at commas
INLINE_LIST = 255


def _inline(labels: list[str]) -> bool:
    """Whether labels fit an inline list: no comma or quote inside one, and 255 characters in all."""
    return not any("," in x or '"' in x for x in labels) and len(",".join(labels)) <= INLINE_LIST


def _lists_name(scheme: Scheme) -> str:
    return words("template_lists_sheet", scheme.language)


def _lists_sheet(book: xlsxwriter.Workbook, scheme: Scheme, lists: list[list[str]]) -> None:
    """A hidden sheet holding the drop-down labels that cannot be inline: one column per list."""
    ws = book.add_worksheet(_lists_name(scheme))
    for c, labels in enumerate(lists):
        for r, text in enumerate(labels):
            ws.write_string(r, c, text)
    ws.hide()


def _data_sheet(book: xlsxwriter.Workbook, scheme: Scheme, roster: pd.DataFrame | None) -> list[list[str]]:
    """The data sheet; returns the drop-down lists that live on the hidden lists sheet."""
    lang = scheme.language
    base = {"font_name": "Microsoft YaHei", "font_size": 10}
    fmt = book.add_format
    header = fmt({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "border": 1,
                  "align": "center", "valign": "vcenter", "text_wrap": True})
    formats = {"text": fmt({**base, "num_format": "@"}), "percent": fmt({**base, "num_format": "0.00%"}),
               "count": fmt({**base, "num_format": "0"}), "number": fmt({**base, "num_format": "General"}),
               "money": fmt({**base, "num_format": "#,##0.00"}), "label": fmt(base)}
    ws = book.add_worksheet(words("template_data_sheet", lang))
    on_paper(ws, scheme.name, words("template_data_sheet", lang), scheme.period, lang)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)
    period = f" · {scheme.period}" if scheme.period else ""
    ws.write_string(0, 0, f"{scheme.name}{period} · {words('template_title', lang)}",
                    fmt({**base, "bold": True, "font_size": 14}))
    ws.write_string(1, 0, label("template_hint", lang), fmt({**base, "font_color": "#595959"}))
    columns = input_columns(scheme)
    n = max(MIN_ROWS, len(roster) if roster is not None else 0)
    first, last = HEADER_ROW + 1, HEADER_ROW + n
    lists: list[list[str]] = []
    ws.set_row(HEADER_ROW, 36)
    for c, col in enumerate(columns):
        kind = _kind(col)
        ws.set_column(c, c, max(10, -(-text_width(col.heading) // 2) + 4), formats[kind])
        ws.write_string(HEADER_ROW, c, col.heading, header)
        ws.write_comment(HEADER_ROW, c, note(scheme, col), {"x_scale": 2.2, "y_scale": 2.4,
                                                             "font_name": "Microsoft YaHei"})
        validation = _validation(scheme, col)
        if validation:
            _drop_down(validation, lists, scheme)
            ws.data_validation(first, c, last, c, validation)
    if roster is not None:
        _prefill(ws, scheme, columns, roster, formats["text"])
    ws.freeze_panes(HEADER_ROW + 1, 2)
    return lists


def _drop_down(validation: dict[str, object], lists: list[list[str]], scheme: Scheme) -> None:
    """A drop-down list too long for Excel's inline list (or with a comma or a quote in a label) points at
    its own column of the hidden lists sheet instead."""
    labels = validation.get("source")
    if isinstance(labels, list) and not _inline([str(x) for x in labels]):
        lists.append([str(x) for x in labels])
        column = column_letter(len(lists) - 1)
        validation["source"] = f"='{_lists_name(scheme)}'!${column}$1:${column}${len(labels)}"


def _prefill(ws: Worksheet, scheme: Scheme, columns: list[InputColumn], roster: pd.DataFrame, text: Format) -> None:
    """Ids, names and groups from the roster, as text, below the header."""
    keys = {"id": scheme.columns.id, "name": scheme.columns.name, "group": scheme.columns.group}
    for c, col in enumerate(columns):
        if col.role in keys and keys[col.role] in roster:
            for r, value in enumerate(roster[keys[col.role]].tolist()):
                if isinstance(value, str):
                    ws.write_string(HEADER_ROW + 1 + r, c, value, text)


def _kind(col: InputColumn) -> str:
    """The column's number format: text for identity, money for the base, else what its rule's cell takes."""
    if col.item is None:
        return "money" if col.role in ("base", "weight") else "number" if col.role in PAYOUT_ROLES else "text"
    return _cell(col).kind


def _cell(col: InputColumn) -> Cell:
    """How a column's cells are typed: a personal target in its indicator's unit, else as its item asks."""
    assert col.item is not None
    return col.item.rule.cell(col.item.context()) if col.role == "target" else col.item.cell(col.heading)


def _validation(scheme: Scheme, col: InputColumn) -> dict[str, object] | None:
    """Excel data validation for a column, as its rule asks (the base: a number, 0 or more), with the hint."""
    lang = scheme.language
    if col.item is None:
        if col.role not in PAYOUT_ROLES:
            return None
        rule: dict[str, object] = {"validate": "decimal", "criteria": ">=", "value": 0}
        hint = words("hint_number", lang, unit="")
    else:
        cell = _cell(col)
        rule, hint = dict(cell.validation), words(cell.hint, lang, **cell.params)
    title = (col.item.name if col.item else col.heading)[:32]
    return {**rule, "input_title": title, "input_message": hint[:255], "error_title": title,
            "error_message": words("hint_invalid", lang, hint=hint)[:255], "error_type": "stop"}


def _general_lines(scheme: Scheme) -> list[str]:
    """The numbered lines above the instructions' table: rows, ids, who is not assessed, percents, blanks."""
    lang = scheme.language
    codes = ["template_rows", "template_ids", "template_percent", "template_blank", "template_run"]
    facts = {"policy": label("missing_" + scheme.missing, lang), "column": "", "reasons": "", "sources": "",
             "options": "".join(f" --source {name}=…" for name in scheme.sources)}
    if scheme.participation:
        codes.insert(2, "template_participation")
        facts.update(column=scheme.participation.column, reasons="、".join(scheme.participation.exclude))
    if scheme.sources:
        codes.insert(-1, "template_sources")
        facts["sources"] = words("list_sep", lang).join(_source_said(scheme, name) for name in scheme.sources)
    return [words(code, lang, **facts) for code in codes]


def _source_said(scheme: Scheme, name: str) -> str:
    """A source as the instructions list it: chats（坐席工号、会话时间：首次响应时长）."""
    spec = scheme.sources[name]
    columns = [c for c in (spec.id or spec.group, spec.date) if c]
    feeds = [key for key, m in scheme.measures.items() if m.source == name]
    if scheme.targets is not None and scheme.targets.source == name:
        feeds.append(label("personal_target", scheme.language))
    sep, lang = words("enum_sep", scheme.language), scheme.language
    said = words("labelled", lang, label=sep.join(columns), text=sep.join(feeds) or "—")
    return name + words("aside", lang, text=said)


def _instructions(book: xlsxwriter.Workbook, scheme: Scheme) -> None:
    lang = scheme.language
    base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "top"}
    fmt = book.add_format
    header = fmt({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "border": 1})
    text = fmt({**base, "text_wrap": True})
    ws = book.add_worksheet(words("template_instructions_sheet", lang))
    on_paper(ws, scheme.name, words("template_instructions_sheet", lang), scheme.period, lang)
    ws.fit_to_pages(1, 0)
    ws.write_string(0, 0, f"{words('template_instructions_sheet', lang)} · {scheme.name}",
                    fmt({**base, "bold": True, "font_size": 14}))
    general = _general_lines(scheme)
    for i, line in enumerate(general):
        ws.write_string(2 + i, 0, f"{i + 1}. {line}", fmt(base))
    top = 3 + len(general)
    heads = [label(k, lang) for k in ("dimension", "indicator", "column", "weight", "target", "rule",
                                      "missing")] + [words("template_enter", lang), words("template_example", lang)]
    widths = [14, 22, 22, 8, 10, 48, 18, 26, 44]
    for c, (head, width) in enumerate(zip(heads, widths, strict=True)):
        ws.write_string(top, c, head, header)
        ws.set_column(c, c, width)
    r = top + 1
    items = [(d.name, i) for d in scheme.dimensions for i in d.indicators] + [
        (label("adjustments", lang), a) for a in scheme.adjustments]
    for dim, item in items:
        ctx = item.context(voice(lang))
        measured = [m for c in item.inputs if (m := scheme.from_source(c)) is not None]
        enter = words("hint_measure", lang, source=measured[0]) if measured else how_to_type(item, lang)
        cells = [dim, item.name, ctx.say("enum_sep").join(item.inputs),
                 one(item.weight) if isinstance(item, Indicator) else "", item.target_text(voice(lang)),
                 item.rule.describe(ctx),
                 label(blank_meaning(scheme, item), lang), enter, example_text(item, lang)]
        # rows do not grow by themselves in every program: size each to its longest wrapped cell
        lines = max(-(-text_width(v) // max(1, widths[c] - 1)) for c, v in enumerate(cells))
        ws.set_row(r, 14 * max(1, lines))
        for c, value in enumerate(cells):
            ws.write_string(r, c, value, text)
        r += 1
    ws.write_string(r + 1, 0, msg("template_note", lang), fmt({**base, "font_color": "#595959"}))
