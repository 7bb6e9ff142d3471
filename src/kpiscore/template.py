"""The blank input workbook HR sends to team leads: one header row the scheme reads as it is, a note,
a number format and data validation under every input column, an Instructions sheet, and a stamp of
the scheme it was made for.

Notes, instructions and examples describe each rule with the same rule definitions that score it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import xlsxwriter

from .engine import blank_meaning
from .i18n import label, msg
from .output import atomic_write
from .readers import STAMP_HASH, STAMP_NAME, column_letter
from .scheme import Adjustment, Indicator, Scheme
from .values import PERCENT_MAX, fmt_fixed, one, text_width

#: data validation and formats cover at least this many rows (or the roster's length)
MIN_ROWS = 1000
HEADER_ROW = 2  # 0-based: title, hint, header


@dataclass(frozen=True)
class InputColumn:
    """One column of the data sheet: its header text and what it holds."""

    heading: str
    role: str  # id | name | group | base | input | rater
    item: Indicator | Adjustment | None = None


def input_columns(scheme: Scheme) -> list[InputColumn]:
    """id, name, group, each indicator's column (each rater's for `rating`) in dimension order, the
    adjustments, and the bonus base — exactly the names `score` reads."""
    cols = scheme.columns
    out = [InputColumn(cols.id, "id"), InputColumn(cols.name, "name")]
    if cols.group:
        out.append(InputColumn(cols.group, "group"))
    seen = {c.heading for c in out}
    for item in scheme.items:
        for heading in item.inputs:
            if heading not in seen:
                seen.add(heading)
                out.append(InputColumn(heading, "rater" if item.rule.type == "rating" else "input", item))
    if cols.base:
        out.append(InputColumn(cols.base, "base"))
    return out


def example_actual(item: Indicator | Adjustment) -> object:
    """A plausible value to show how an input is typed and what it scores."""
    rule, ctx = item.rule, item.context("zh")
    if rule.type == "mapping":
        labels = list(rule.map)
        return labels[1] if len(labels) > 1 else labels[0]
    if rule.type == "rating":
        return rule.scale * 0.8
    if rule.type == "count":
        return rule.allow + 2
    if rule.value_kind == "count":  # bonus, penalty, veto
        return 1
    if rule.type == "bands":
        band = next((b for b in rule.bands if b.when.bounded), rule.bands[0])
        lo, hi = band.when.lo, band.when.hi
        return round((lo + hi) / 2, 4) if band.when.bounded else (lo if lo > float("-inf") else hi)
    target = ctx.target if ctx.target is not None else (0.9 if item.percent else 10.0)
    if item.percent:
        return round(min(PERCENT_MAX, max(0.0, target - 0.02 if ctx.higher else target + 0.02)), 4)
    return round(target * 0.9 if ctx.higher else target * 1.25, 2)


def example_text(item: Indicator | Adjustment, lang: str) -> str:
    """`88% → 15 × 88% ÷ 90% = 14.67`: the example value put through the rule that scores it."""
    ctx = item.context(lang)
    value = example_actual(item)
    series = pd.Series([value], dtype=object if isinstance(value, str) else float)
    words = item.rule.words(series, ctx).iloc[0]
    if item.rule.type == "veto":
        return words
    score = item.rule.score(series, ctx)
    return f"{words} = {fmt_fixed(score.astype(float), 2).iloc[0]}"


def how_to_type(item: Indicator | Adjustment, lang: str, rater: bool = False) -> str:
    rule = item.rule
    zh = lang == "zh"
    if rater:
        scale = one(rule.scale)  # type: ignore[union-attr]
        return f"填 1–{scale} 分" if zh else f"a rating from 1 to {scale}"
    if rule.type == "mapping":
        labels = " / ".join(rule.map)
        return f"从下拉列表选择：{labels}" if zh else f"choose from the list: {labels}"
    if rule.value_kind == "count":
        return "填次数（整数，没有填 0 或留空）" if zh else "a whole count (0 or blank when none)"
    if item.percent:
        return "填百分比，如 88% 或 0.88" if zh else "a percent: 88% or 0.88"
    unit = f"（{item.unit}）" if zh and item.unit else (f" ({item.unit})" if item.unit else "")
    return f"填数值{unit}" if zh else f"a number{unit}"


def note(scheme: Scheme, col: InputColumn) -> str:
    """The header cell's note: what the column is, its unit and target, the rule in words, how to type it."""
    lang = scheme.language
    zh = lang == "zh"
    if col.item is None:
        return label("note_" + col.role, lang)
    item, ctx = col.item, col.item.context(lang)
    lines = [item.name if col.role != "rater" else f"{item.name} · {col.heading}"]
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
    lines.append(("填写" if zh else "Enter") + f": {how_to_type(item, lang, col.role == 'rater')}")
    lines.append(f"{label('missing', lang)}: {label(blank_meaning(scheme, item), lang)}")
    return "\n".join(lines)


def write_template(scheme: Scheme, path: str | Path, roster: pd.DataFrame | None = None, force: bool = True) -> None:
    """Write the input template for `scheme`; `roster` (from `read_roster`) pre-fills id, name and group;
    without `force` an existing file is never replaced."""
    atomic_write(Path(path), lambda tmp: _write(scheme, tmp, roster), scheme.language, force)


def _write(scheme: Scheme, path: Path, roster: pd.DataFrame | None) -> None:
    lang = scheme.language
    zh = lang == "zh"
    buffer = io.BytesIO()  # built in memory, written by us: a full disk is one clean OSError
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    try:
        book.set_custom_property(STAMP_NAME, scheme.name)
        book.set_custom_property(STAMP_HASH, scheme.content_hash)
        book.set_properties({"title": f"{scheme.name} · " + ("考核数据录入表" if zh else "data entry sheet"),
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
    return "下拉选项" if scheme.language == "zh" else "Lists"


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
    zh = lang == "zh"
    base = {"font_name": "Microsoft YaHei", "font_size": 10}
    fmt = book.add_format
    header = fmt({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "border": 1,
                  "align": "center", "valign": "vcenter", "text_wrap": True})
    formats = {"text": fmt({**base, "num_format": "@"}), "percent": fmt({**base, "num_format": "0.00%"}),
               "count": fmt({**base, "num_format": "0"}), "number": fmt({**base, "num_format": "General"}),
               "money": fmt({**base, "num_format": "#,##0.00"}), "label": fmt(base)}
    ws = book.add_worksheet("考核数据" if zh else "Data")
    ws.set_paper(9)
    ws.set_landscape()
    period = f" · {scheme.period}" if scheme.period else ""
    ws.write_string(0, 0, f"{scheme.name}{period} · " + ("考核数据录入表" if zh else "data entry sheet"),
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
        validation = _validation(scheme, col, kind)
        labels = [str(x) for x in col.item.rule.map] if kind == "label" and col.item else []  # type: ignore[union-attr]
        if validation and labels and not _inline(labels):
            lists.append(labels)
            column = column_letter(len(lists) - 1)
            validation["source"] = f"='{_lists_name(scheme)}'!${column}$1:${column}${len(labels)}"
        if validation:
            ws.data_validation(first, c, last, c, validation)
    if roster is not None:
        keys = {"id": scheme.columns.id, "name": scheme.columns.name, "group": scheme.columns.group}
        for c, col in enumerate(columns):
            if col.role in keys and keys[col.role] in roster:
                for r, value in enumerate(roster[keys[col.role]].tolist()):
                    if isinstance(value, str):
                        ws.write_string(first + r, c, value, formats["text"])
    ws.freeze_panes(HEADER_ROW + 1, 2)
    return lists


def _kind(col: InputColumn) -> str:
    if col.role in ("id", "name", "group"):
        return "text"
    if col.role == "base":
        return "money"
    item = col.item
    assert item is not None
    if col.role == "rater":
        return "number"
    if item.rule.value_kind == "label":
        return "label"
    if item.rule.value_kind == "count":
        return "count"
    return "percent" if item.percent else "number"


def _validation(scheme: Scheme, col: InputColumn, kind: str) -> dict[str, object] | None:
    """Excel data validation for a column: a range for numbers, a list for labels, an input message."""
    zh = scheme.language == "zh"
    if col.item is None and col.role != "base":
        return None
    title = (col.item.name if col.item else col.heading)[:32]
    if col.role == "rater":
        scale = col.item.rule.scale  # type: ignore[union-attr]
        rule: dict[str, object] = {"validate": "decimal", "criteria": "between", "minimum": 1,
                                   "maximum": int(scale) if float(scale).is_integer() else scale}
        text = f"评分 1–{one(scale)}" if zh else f"a rating from 1 to {one(scale)}"
    elif kind == "label":
        labels = list(col.item.rule.map)  # type: ignore[union-attr]
        rule = {"validate": "list", "source": labels}
        text = ("请从下拉列表选择：" if zh else "choose: ") + " / ".join(labels)
    elif kind == "percent":
        rule = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": PERCENT_MAX}
        text = "填百分比，如 88% 或 0.88" if zh else "a percent: 88% or 0.88"
    elif kind == "count":
        rule = {"validate": "integer", "criteria": ">=", "value": 0}
        text = "填次数：0 或正整数" if zh else "a whole count: 0 or more"
    else:
        rule = {"validate": "decimal", "criteria": ">=", "value": 0}
        text = "填数值（不小于 0）" if zh else "a number, 0 or more"
    return {**rule, "input_title": title, "input_message": text[:255], "error_title": title,
            "error_message": (("输入无效：" if zh else "Not valid: ") + text)[:255], "error_type": "stop"}


def _instructions(book: xlsxwriter.Workbook, scheme: Scheme) -> None:
    lang = scheme.language
    zh = lang == "zh"
    base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "top"}
    fmt = book.add_format
    header = fmt({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "border": 1})
    text = fmt({**base, "text_wrap": True})
    ws = book.add_worksheet("填写说明" if zh else "Instructions")
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.write_string(0, 0, ("填写说明 · " if zh else "Instructions · ") + scheme.name, fmt({**base, "bold": True,
                                                                                      "font_size": 14}))
    policy = label("missing_" + scheme.missing, lang)
    general = [
        "每人一行，从“考核数据”表第 4 行起填写；不要修改表头文字，也不要插入列。" if zh else
        "One row per employee from row 4 of the Data sheet; do not change the header or insert columns.",
        "工号按文字填写，00123 会保留前导 0；同一工号只能出现一次。" if zh else
        "Ids are text (00123 keeps its zeros); each id appears once.",
        "百分比指标：填 88% 或 0.88（两者相同）；不要填 88，系统会报错而不是猜测。" if zh else
        "Percent indicators: type 88% or 0.88 (the same); a bare 88 is an error, never a guess.",
        (f"空白单元格：默认“{policy}”；次数、加分、扣分、否决项留空按 0 计。各指标的处理见下表。" if zh else
         f"Blank cells: by default \"{policy}\"; counts, bonus, penalty and veto blanks count as 0. "
         "Each indicator's rule is in the table below."),
        "填好后运行：kpiscore score 本文件.xlsx --scheme 方案.yaml" if zh else
        "When filled: kpiscore score this-file.xlsx --scheme scheme.yaml",
    ]
    for i, line in enumerate(general):
        ws.write_string(2 + i, 0, f"{i + 1}. {line}", fmt(base))
    top = 3 + len(general)
    heads = [label(k, lang) for k in ("dimension", "indicator", "column", "weight", "target", "rule",
                                      "missing")] + ["填写" if zh else "Enter", "示例" if zh else "Example"]
    widths = [14, 22, 22, 8, 10, 48, 18, 26, 44]
    for c, (head, width) in enumerate(zip(heads, widths, strict=True)):
        ws.write_string(top, c, head, header)
        ws.set_column(c, c, width)
    r = top + 1
    items = [(d.name, i) for d in scheme.dimensions for i in d.indicators] + [
        (label("adjustments", lang), a) for a in scheme.adjustments]
    for dim, item in items:
        ctx = item.context(lang)
        cells = [dim, item.name, "、".join(item.inputs), one(item.weight) if isinstance(item, Indicator) else "",
                 item.target.text if item.target else "", item.rule.describe(ctx),
                 label(blank_meaning(scheme, item), lang), how_to_type(item, lang, item.rule.type == "rating"),
                 example_text(item, lang)]
        # rows do not grow by themselves in every program: size each to its longest wrapped cell
        lines = max(-(-text_width(v) // max(1, widths[c] - 1)) for c, v in enumerate(cells))
        ws.set_row(r, 14 * max(1, lines))
        for c, value in enumerate(cells):
            ws.write_string(r, c, value, text)
        r += 1
    ws.write_string(r + 1, 0, msg("template_note", lang), fmt({**base, "font_color": "#595959"}))
