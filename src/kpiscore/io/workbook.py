"""The scored workbook: Scores, Audit, Groups, Summary, Improvement and Scheme, written with xlsxwriter.

xlsxwriter writes the workbook: styles, widths, headings, titles, frozen panes, filters, conditional formats,
charts and the page setup. The tables' data rows are built as XML a block at a time by `sheetxml` and placed
among xlsxwriter's rows as the file is finished, so a 100,000-employee result costs no per-cell Python call and
never sits in memory as cell objects; the Audit sheet is put into words a chunk of rows at a time. Every text
cell is an inline string (formulas and URLs off in xlsxwriter besides), so a name such as `=HYPERLINK(...)`
taken from an input cell stays text.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ..core import analysis
from ..core.compare import Comparison
from ..core.engine import Column, Result, blank_meaning
from ..core.grading import has_quotas
from ..core.measures import period_days
from ..core.payout import paid_table
from ..core.rollup import RollupResult
from ..core.scheme import Scheme
from ..core.values import text_width
from ..text import label, msg, voice, words
from ..version import __version__
from ..words import compare as said_compare
from ..words import measures as said_measures
from ..words import payout as said_payout
from ..words.result import Words, scope
from .flat import identity_table, scores_table, yes_no
from .output import atomic_write, scratch
from .sheetxml import Cells, Rows, splice, table_rows

#: rows of the Audit sheet put into words at a time (bounds the memory the strings take)
AUDIT_CHUNK = 20_000
#: the widest an Audit column grows (column-width units); a longer calculation wraps in its cell
AUDIT_WIDTH = 36
#: the height of one line of 10-point text, in points
LINE_HEIGHT = 13.5
#: column-width units a character takes in the 10-point font, as measured on the pages LibreOffice prints
WIDE_UNITS, NARROW_UNITS = 1.4, 0.85
#: what A4 landscape holds between its margins, in column-width units (a digit's width, about 1.85 mm)
PAGE_WIDTH = 150
#: a table is scaled to one page wide only when it still prints at this scale or more; wider ones break
#: across pages with their key columns repeated
MIN_SCALE = 0.6
#: grade fills from the best grade to the worst; middle grades take the middle colours
GRADE_FILLS = ["#C6EFCE", "#DDEBF7", "#FFF2CC", "#FCE4D6", "#FFC7CE"]
HEADER_FILL = "#1F4E78"


def write_workbook(result: Result, path: str | Path, force: bool = True) -> None:
    """Write the scored workbook to `path`, atomically (a temporary file renamed into place); without
    `force` an existing file is never replaced."""
    with scratch() as tmpdir:
        atomic_write(Path(path), lambda tmp: _Writer(result, tmp, tmpdir).write(), force)


class _Book:
    """A workbook being written: its formats, and the table, width and colour helpers its sheets share."""

    def __init__(self, path: Path, tmpdir: str, lang: str, decimals: int, grade_lists: list[list[str]],
                 title: str, period: str | None):
        self.lang, self.name, self.period = lang, title, period
        # each grade's fill by its place in its own list: best green, worst red, whatever the list's length
        self.grade_fill: dict[str, int] = {}
        for names in grade_lists:
            for i, name in enumerate(names):
                self.grade_fill.setdefault(name, _fill(i, len(names)))
        # the zip is built in memory and then written by us: a full disk is one clean OSError, and no
        # half-written ZipFile is left for the garbage collector to fail on again
        self.path, self.buffer, self.tmpdir = path, io.BytesIO(), tmpdir
        self.inserts: list[Rows] = []  # the tables' data rows, placed among xlsxwriter's rows at the end
        self.book = xlsxwriter.Workbook(self.buffer, {
            "constant_memory": True, "tmpdir": tmpdir, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "nan_inf_to_errors": True})
        d = decimals
        fmt = self.book.add_format
        base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "vcenter"}
        self.header = fmt({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_FILL,
                           "text_wrap": True, "border": 1, "align": "center"})
        self.title = fmt({**base, "bold": True, "font_size": 14})
        self.subtitle = fmt({**base, "bold": True, "font_size": 11, "font_color": HEADER_FILL})
        self.text = fmt(base)
        self.wrap = fmt({**base, "text_wrap": True, "valign": "top"})
        self.top = fmt({**base, "valign": "top"})
        self.widths: list[int] = []  # of the table written last, for its later chunks
        self.centre = fmt({**base, "align": "center"})
        self.score = fmt({**base, "num_format": "0." + "0" * d if d else "0"})
        self.percent = fmt({**base, "num_format": "0.00%"})
        self.integer = fmt({**base, "num_format": "0"})
        self.number = fmt({**base, "num_format": "0.####"})
        self.money = fmt({**base, "num_format": "#,##0.00"})
        self.blank_input = fmt({**base, "bg_color": "#FFFFE0", "border": 1, "border_color": "#BFBFBF"})
        self.fills = [fmt({"bg_color": c}) for c in GRADE_FILLS]
        self.veto_fill = fmt({"bg_color": "#FFC7CE", "font_color": "#9C0006"})

    def sheet(self, key: str, fit: bool = False, name: str | None = None) -> Worksheet:
        """A new sheet (named by its label `key`, or `name`), printed on A4 landscape under a header naming
        the scheme, the sheet and the period, over a footer numbering the pages; `fit` sheets go on one page
        wide."""
        name = name or label(key, self.lang)
        ws = self.book.add_worksheet(name)
        ws.hide_gridlines(2)
        on_paper(ws, self.name, name, self.period, self.lang)
        if fit:
            ws.fit_to_pages(1, 0)
        return ws

    # --- generic table writing ------------------------------------------------------------------------

    def table(self, ws: Worksheet, top: int, frame: pd.DataFrame, formats: Sequence[Format | None],
              left: int = 0, widths: bool = True, header: bool = True, empty: Sequence[str | None] = (),
              cap: int = 40) -> int:
        """Header at row `top` (unless `header` is false), then the frame's rows, typed per column, as XML
        placed among xlsxwriter's rows when the workbook is finished; returns the next free row. A None cell
        in a `blank_input` column is written as an empty bordered cell to fill in; one in a column with an
        `empty` text (a skipped score's "—") shows that text. Text in a `wrap` column wraps, and its row is
        made as tall as its longest text needs: a row does not grow by itself in every program, and text that
        runs past its row prints over the next."""
        if widths:
            lines, self.widths = self.fit(ws, frame, left, cap)
            if header:
                ws.set_row(top, 14 * lines + 6)
        if header:
            for c, name in enumerate(frame.columns):
                ws.write_string(top, left + c, str(name), self.header)
            top += 1
        wrapped = [c for c, f in enumerate(formats) if f is self.wrap]
        heights = None
        if wrapped:
            tall = _lines(frame, wrapped, self.widths)
            heights = np.where(tall > 1, LINE_HEIGHT * tall + 2, np.nan)
        columns = [self.cells(frame.iloc[:, c], formats[c] or self.text, empty[c] if empty else None)
                   for c in range(frame.shape[1])]
        self.inserts.append(table_rows(ws.index, top, left, columns, heights, self.tmpdir))
        return top + len(frame)

    def cells(self, column: pd.Series, fmt: Format, empty: str | None) -> Cells:
        """A column as its cells are written: a blank in a `blank_input` column is an empty bordered cell to
        fill in, and one in a column with an `empty` text (a skipped score's "—") shows that text."""
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        values = column.to_numpy(dtype=float, na_value=np.nan) if numeric else column.to_numpy(dtype=object)
        # xlsxwriter numbers a format when a cell first uses it; the rows written here use it the same way
        style = fmt._get_xf_index()
        return Cells(values, numeric, style, style if fmt is self.blank_input else None, empty,
                     self.centre._get_xf_index())

    def fit(self, ws: Worksheet, frame: pd.DataFrame, left: int = 0, cap: int = 40) -> tuple[int, list[int]]:
        """Widths that fit the longest values (CJK counts double), a heading wider than its values
        wrapped on up to three even lines rather than leaving its last character alone on a line, and the
        page: one page wide when that prints at a readable scale. Returns the heading's lines and the widths."""
        most = 1
        chosen = []
        for c, name in enumerate(frame.columns):
            values = frame.iloc[:, c].dropna()  # by place: two columns may share a heading
            numeric = pd.api.types.is_numeric_dtype(values) or not len(values)
            width = 8 if numeric else min(cap, max(5, _widest(values)))
            width, lines = _heading_width(str(name), width)
            most = max(most, lines)
            width = min(cap, width + 1)
            chosen.append(width)
            ws.set_column(left + c, left + c, width)
        if sum(chosen) <= PAGE_WIDTH / MIN_SCALE:
            ws.fit_to_pages(1, 0)
        return most, chosen

    def sheets(self) -> tuple[Callable[[], None], ...]:
        """The methods that write the sheets, in order."""
        raise NotImplementedError

    def write(self) -> None:
        try:
            try:
                for sheet in self.sheets():
                    sheet()
            finally:
                self.book.close()
            splice(self.buffer, self.inserts, self.path)
        finally:
            for rows in self.inserts:
                rows.xml.close()

    def grade_colours(self, ws: Worksheet, first: int, last: int, col: int) -> None:
        """Grade cells coloured best (green) to worst (red), as conditional formats, not per cell."""
        for g, fill in self.grade_fill.items():
            value = '"' + g.replace('"', '""') + '"'
            ws.conditional_format(first, col, last, col, {"type": "cell", "criteria": "==", "value": value,
                                                         "format": self.fills[fill]})

    def distribution(self, ws: Worksheet, top: int, counts: pd.DataFrame, sheet_name: str) -> int:
        """The grade table (grade, count, share) at `top` with a native column chart beside it."""
        lang = self.lang
        ws.write_string(top, 0, label("grade_distribution", lang), self.subtitle)
        counts = counts.copy()
        counts.columns = [label(k, lang) for k in ("grade", "count", "share", "target_share")[:counts.shape[1]]]
        end = self.table(ws, top + 1, counts, [None, self.integer, self.percent, self.centre][:counts.shape[1]],
                         widths=False)
        self.grade_colours(ws, top + 2, end - 1, 0)
        chart = self.book.add_chart({"type": "column"})
        chart.add_series({"name": label("count", lang), "categories": [sheet_name, top + 2, 0, end - 1, 0],
                          "values": [sheet_name, top + 2, 1, end - 1, 1], "data_labels": {"value": True},
                          "points": [{"fill": {"color": GRADE_FILLS[self.grade_fill.get(g, 0)]},
                                      "border": {"color": "#7F7F7F"}} for g in counts.iloc[:, 0]]})
        chart.set_title({"name": label("grade_distribution", lang)})
        chart.set_legend({"none": True})
        y_axis = {"min": 0, "num_format": "0", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
        if counts.iloc[:, 1].max() <= 10:
            y_axis["major_unit"] = 1
        chart.set_y_axis(y_axis)
        ws.insert_chart(top, 5, chart, {"x_scale": 1.1, "y_scale": 1.0})
        return end


class _Writer(_Book):
    """The scored workbook of one result: one method per sheet."""

    def __init__(self, result: Result, path: Path, tmpdir: str):
        super().__init__(path, tmpdir, result.lang, result.scheme.decimals,
                         [[g.grade for g in result.scheme.grades]], result.scheme.name, result.period)
        self.result = result

    def sheets(self) -> tuple[Callable[[], None], ...]:
        left_out = (self.not_assessed,) if self.result.scheme.participation is not None else ()
        sources = (self.sources,) if self.result.source_files else ()
        payout = (self.payout,) if self.result.paid is not None else ()
        return (self.scores, self.audit, *left_out, self.groups, *payout, self.summary, self.improvement,
                self.scheme, *sources)

    # --- sheets ------------------------------------------------------------------------------------------

    def scores(self) -> None:
        r, lang = self.result, self.lang
        ws = self.sheet("scores_sheet")
        columns = r.columns()
        table = scores_table(r)
        formats = [self.column_format(c) for c in columns]
        end = self.table(ws, 0, table, formats,
                         empty=["—" if c.key in ("score", "subtotal") else None for c in columns])
        ws.freeze_panes(1, 2)
        ws.repeat_rows(0)
        ws.repeat_columns(0, 1)
        ws.autofilter(0, 0, max(len(table), 1), len(table.columns) - 1)
        keys = [c.key for c in columns]
        self.grade_colours(ws, 1, max(end - 1, 1), keys.index("grade"))
        vc = keys.index("veto")
        ws.conditional_format(1, vc, max(end - 1, 1), vc, {
            "type": "cell", "criteria": "==", "value": f'"{label("yes", lang)}"', "format": self.veto_fill})

    def column_format(self, column: Column) -> Format | None:
        """The number format of a Scores column, from what the column holds."""
        if column.key == "next_grade":  # words: wrapped in a column of readable width, the row as tall as needed
            return self.wrap
        if column.kind == "actual":
            return {"percent": self.percent, "count": self.integer}.get(column.unit or "", self.number)
        return {"rank": self.integer, "money": self.money, "points": self.score, "score": self.score
                }.get(column.kind)

    def audit(self) -> None:
        r, words = self.result, Words(self.result)
        ws = self.sheet("audit_sheet")
        head = identity_table(r)
        top = 0
        for start in range(0, max(len(head), 1), AUDIT_CHUNK):
            rows = slice(start, start + AUDIT_CHUNK)
            noted = has_quotas(r.scheme.grades) or len(r.calibration)
            notes = [words.grade_notes(rows).rename(label("grade_note", self.lang))] if noted else []
            if r.paid is not None:
                notes.append(words.payout(rows).rename(label("payout_calc", self.lang)))
            chunk = pd.concat([head.iloc[rows], words.audit(rows),
                               words.total(rows).rename(label("total_calc", self.lang)), *notes], axis=1)
            # the header and the widths come with the first chunk; later chunks continue below
            # a long calculation wraps in its cell, which grows to show all of it, "= 13.20" included
            formats = [self.top] * head.shape[1] + [self.wrap] * (chunk.shape[1] - head.shape[1])
            top = self.table(ws, top, chunk, formats, widths=start == 0, header=start == 0, cap=AUDIT_WIDTH)
        ws.freeze_panes(1, head.shape[1])
        ws.repeat_rows(0)
        ws.repeat_columns(0, 1)

    def not_assessed(self) -> None:
        """未参评: who the scheme's participation left out, and why (none is a line saying so)."""
        r, lang, cols = self.result, self.lang, self.result.scheme.columns
        ws = self.sheet("not_assessed_sheet", fit=True)
        headings = {"id": cols.id, "name": cols.name, "group": cols.group or label("group", lang),
                    "reason": label("reason", lang)}
        table = r.not_assessed[[c for c in headings if c in r.not_assessed]]
        end = self.table(ws, 0, table.rename(columns=headings), [None] * len(table.columns))
        if not len(table):
            ws.write_string(end, 0, label("none_not_assessed", lang), self.text)
        ws.freeze_panes(1, 0)
        ws.repeat_rows(0)

    def sources(self) -> None:
        """数据来源: each source file with its SHA-256, rows read and rows used, then each measure in words."""
        r, lang = self.result, self.lang
        ws = self.sheet("sources_sheet", fit=True)
        files = pd.DataFrame([(f.name, f.file, f.sha256, f.read, f.used) for f in r.source_files],
                             columns=[label(k, lang) for k in ("source", "file", "sha256", "rows_read", "rows_used")])
        end = self.table(ws, 0, files, [None, None, None, self.integer, self.integer])
        measures = pd.DataFrame([(name, m.source, said_measures.describe(m, name, voice(lang)))
                                 for name, m in r.scheme.measures.items()],
                                columns=[label(k, lang) for k in ("measure", "source", "definition")])
        if len(measures):  # a long definition runs on over the empty cells to its right
            self.table(ws, end + 1, measures, [None, None, None], widths=False)
            ws.set_column(0, 0, max(text_width(n) for n in measures.iloc[:, 0]) + 2)
        ws.set_column(2, 2, 70)  # a SHA-256 in full
        ws.repeat_rows(0)

    def payout(self) -> None:
        """奖金: per team the amount shared, the headcount, Σ payouts, the cents left over and who took them,
        and the rule in words."""
        r, lang = self.result, self.lang
        assert r.paid is not None
        ws = self.sheet("payout_sheet", fit=True)
        rows = paid_table(r.paid, r.people)
        rows["formula"] = rows["team"].map(said_payout.formula(r.paid, voice(lang)))
        rows["name"] = rows["name"].where(rows["name"].notna(), label("all", lang))
        rows["takers"] = rows["takers"].map(words("enum_sep", lang).join)
        if len(rows) > 1:  # the department's sums under its teams'
            sums = {k: rows[k].sum(min_count=1) for k in ("headcount", "amount", "paid", "remainder")}
            rows.loc[len(rows)] = {**sums, "name": label("all", lang), "base": np.nan, "takers": "", "formula": ""}
            rows["headcount"] = rows["headcount"].astype(int)
        keys = ["name", "headcount", "amount", "base", "paid", "remainder", "takers", "formula"]
        headings = {"name": r.scheme.columns.group or label("group", lang), "headcount": label("headcount", lang),
                    **{k: label(k, lang) for k in keys[2:4]}, "base": label("unit_base", lang),
                    **{k: label(k, lang) for k in keys[4:]}}
        table = rows[keys].rename(columns=headings)
        money = [None, self.integer, self.money, self.money, self.money, self.money, self.wrap, self.wrap]
        self.table(ws, 0, table, money, empty=[None, None, "—", "—", "—", "—", None, None], cap=50)
        ws.freeze_panes(1, 1)
        ws.repeat_rows(0)

    def groups(self) -> None:
        r, lang = self.result, self.lang
        ws = self.sheet("groups_sheet")
        table = analysis.group_table(r)
        table["group"] = scope(table["group"], voice(lang))
        renames = {"group": r.scheme.columns.group or label("group", lang), "headcount": label("headcount", lang),
                   "mean_total": label("mean_total", lang), "group_rank": label("group_rank_of_group", lang),
                   **{d: d + label("subtotal_suffix", lang) for d in r.dimensions.columns},
                   **{i: i + label("score_suffix", lang) for i in r.scores.columns},
                   **{analysis.GRADE + g.grade: g.grade for g in r.scheme.grades}}
        formats = [self.integer if c in ("headcount", "group_rank") or c.startswith(analysis.GRADE) else
                   None if c == "group" else self.score for c in table.columns]
        self.table(ws, 0, table.rename(columns=renames), formats)
        ws.freeze_panes(1, 1)
        ws.repeat_rows(0)
        ws.repeat_columns(0, 0)

    def summary(self) -> None:
        r, lang, s = self.result, self.lang, self.result.scheme
        ws = self.sheet("summary_sheet", fit=True)
        ws.set_column(0, 0, 26)
        ws.set_column(1, 3, 14)
        ws.write_string(0, 0, f"{s.name} · {label('result_title', lang)}", self.title)
        ws.write_string(1, 0, label("period", lang), self.text)
        ws.write_string(1, 1, r.period or "—", self.text)
        ws.write_string(2, 0, label("employees", lang), self.text)
        ws.write_number(2, 1, len(r.people), self.integer)
        end = self.distribution(ws, 4, analysis.grade_distribution(r), label("summary_sheet", lang))
        row = end + 1
        ws.write_string(row, 0, label("total_stats", lang), self.subtitle)
        stats = analysis.total_stats(r)
        for i, key in enumerate(("mean", "median", "min", "max")):
            ws.write_string(row + 1 + i, 0, label(key, lang), self.text)
            ws.write_number(row + 1 + i, 1, stats[key], self.score)
        row += 7
        ws.write_string(row, 0, label("weakest", lang), self.subtitle)
        weak = analysis.weakest(r)[["indicator", "dimension", "achievement"]]
        weak.columns = [label("indicator", lang), label("dimension", lang), label("achievement", lang)]
        self.table(ws, row + 1, weak, [None, None, self.percent], widths=False)

    def improvement(self) -> None:
        r, lang = self.result, self.lang
        ws = self.sheet("improvement_sheet", fit=True)
        threshold = f"{analysis.IMPROVE_BELOW:.0%}"
        ws.write_string(0, 0, msg("improvement_title", lang, name=r.scheme.name, threshold=threshold), self.title)
        plan = analysis.improvement(r)
        problem = plan["achievement"].map(
            lambda a: msg("below_threshold", lang, value=f"{a:.2%}", threshold=threshold)) if len(plan) else []
        table = pd.DataFrame({
            label("scope", lang): scope(plan["scope"], voice(lang)), label("dimension", lang): plan["dimension"],
            label("indicator", lang): plan["indicator"], label("weight", lang): plan["weight"],
            label("mean_score", lang): plan["mean_score"], label("achievement", lang): plan["achievement"],
            label("problem", lang): problem})
        blanks = ["root_cause", "action", "owner", "deadline", "expected"]
        for key in blanks:
            table[label(key, lang)] = None
        formats = [None, None, None, self.number, self.score, self.percent, None] + [self.blank_input] * len(blanks)
        for c, width in enumerate([12, 14, 24, 8, 10, 10, 26, 24, 24, 12, 12, 20]):
            ws.set_column(c, c, width)
        end = self.table(ws, 2, table, formats, widths=False)
        if plan.empty:
            ws.write_string(end + 1, 0, msg("none_below", lang, threshold=threshold), self.text)
        ws.freeze_panes(3, 3)

    def scheme(self) -> None:
        r, lang, s = self.result, self.lang, self.result.scheme
        ws = self.sheet("scheme_sheet", fit=True)
        ws.write_string(0, 0, s.name + (f" · {s.period}" if s.period else ""), self.title)
        rules = scheme_table(s)
        rule_width = max([text_width(str(v)) for v in rules.iloc[:, 7]] + [20])
        for c, width in enumerate([16, 26, 22, 8, 10, 12, 8, min(120, rule_width + 2), 26]):
            ws.set_column(c, c, width)
        end = self.table(ws, 2, rules, [None, None, None, self.number, self.centre, None, None, None, None],
                         widths=False)
        row = end + 1
        ws.write_string(row, 0, label("grades", lang), self.subtitle)
        grades = pd.DataFrame({
            label("grade", lang): [g.grade for g in s.grades],
            label("min_total", lang): [g.min for g in s.grades],
            label("coefficient", lang): [g.coefficient for g in s.grades],
            label("max_share", lang): [g.max_share.value if g.max_share else None for g in s.grades],
            label("min_share", lang): [g.min_share.value if g.min_share else None for g in s.grades]})
        row = self.table(ws, row + 1, grades, [None, self.number, self.number, self.percent, self.percent],
                         widths=False) + 1
        if r.paid is not None:  # the payout rule as applied, once per distinct wording
            ws.write_string(row, 0, label("payout", lang), self.subtitle)
            formulas = dict.fromkeys(said_payout.formula(r.paid, voice(lang)).values())
            for i, said in enumerate(formulas):
                ws.write_string(row + 1 + i, 0, said, self.text)
            row += len(formulas) + 2
        ws.write_string(row, 0, label("provenance", lang), self.subtitle)
        lines = provenance(r)
        for i, (key, value) in enumerate(lines):
            ws.write_string(row + 1 + i, 0, label(key, lang), self.text)
            ws.write_string(row + 1 + i, 1, value, self.text)
        if r.warnings:  # what the run noticed (summary rows left out, hidden rows, scheme traps)
            row += len(lines) + 2
            ws.write_string(row, 0, label("notices", lang), self.subtitle)
            for i, warning in enumerate(r.warnings):  # one cell, running over the empty ones beside it
                ws.write_string(row + 1 + i, 0, str(warning.said_in(lang)), self.text)


def _lines(frame: pd.DataFrame, wrapped: list[int], widths: list[int]) -> np.ndarray:
    """Each row's lines: the most any of its `wrapped` cells takes at its column's width, counted from the
    text's length as `_units` counts it: a CJK character wide (a grade's note, a payout's rule are mostly
    words), digits and signs narrow (a calculation is mostly those)."""
    most = np.ones(len(frame), dtype=int)
    for c in wrapped:
        text = frame.iloc[:, c].astype(str)
        length = text.str.len().fillna(0).to_numpy()
        wide = text.str.count(_WIDE).fillna(0).to_numpy()
        units = WIDE_UNITS * wide + NARROW_UNITS * (length - wide) + 0.5
        most = np.maximum(most, np.ceil(units / max(widths[c] - 1, 1)).astype(int))
    return most


#: the characters a CJK font draws wide: ideographs, kana, hangul, full-width forms and CJK punctuation
_WIDE = r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"


#: a roll-up's sheet by how many months its period spans
_SPANS = {12: "rollup_year", 6: "rollup_half", 3: "rollup_quarter", 1: "rollup_month"}


def rollup_title(period: str, lang: str) -> str:
    """A roll-up's name from its level: 年度汇总 for 2024, 半年度汇总 for 2024H1, 季度汇总 for 2024Q1, else
    "<period> 汇总" (a sheet name: 31 characters, none of [ ] : * ? / \\, no ' at either end)."""
    days = period_days(period, None)
    months = (days[1].year - days[0].year) * 12 + days[1].month - days[0].month + 1 if days else 0
    if months in _SPANS:
        return label(_SPANS[months], lang)
    said = words("rollup_of", lang, period=period).translate(_SHEET_NAME).strip("'")  # no name starts or ends with '
    return said if len(said) <= 31 else said[:30] + "…"


#: what Excel refuses in a sheet name, as it may stand instead: [ ] as （ ）, : * ? / \ as _
_SHEET_NAME = str.maketrans({"[": "（", "]": "）", **dict.fromkeys(":*?/\\", "_")})


def _widest(values: pd.Series) -> int:
    """The units a column's widest value takes, looked for among its longest few by length."""
    text = values.astype(str).to_numpy()
    lengths = pd.Series(text).str.len().to_numpy()
    return max(units(t) for t in text[np.argsort(lengths)[-20:]])


def units(text: str) -> int:
    """Column-width units a text takes in the workbook's 10-point font, a CJK character counting wide."""
    wide = text_width(text) - len(text)
    return math.ceil(WIDE_UNITS * wide + NARROW_UNITS * (len(text) - wide) + 0.5)


def _heading_width(heading: str, width: int) -> tuple[int, int]:
    """The width a column takes for its heading, and the heading's lines: on one line when a little more
    width does it, else on two or three even lines, never with its last character alone on a line."""
    one_line = units(heading)
    if one_line <= width + 3:
        return max(width, one_line), 1
    lines = min(3, -(-one_line // width))
    return max(width, units(heading[: -(-len(heading) // lines)])), lines


def on_paper(ws: Worksheet, title: str, sheet: str, period: str | None, lang: str) -> None:
    """A4 landscape, under a header naming the scheme, the sheet and the period, over `第 N 页 / 共 M 页`."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    ws.center_horizontally()
    ws.set_header(_header(title, sheet, period or ""), {"margin": 0.3})
    ws.set_footer("&C" + label("page_of", lang), {"margin": 0.3})


def _header(left: str, centre: str, right: str) -> str:
    """A page header of three parts, within Excel's 255 characters: a long scheme name is shortened."""
    def amp(text: str) -> str:  # `&` starts a code in a header, so a literal one is doubled
        return text.replace("&", "&&")

    fixed = f"&L&C&B{amp(centre)}&R{amp(right[:60])}"
    room = 255 - len(fixed.encode("utf-16-le")) // 2
    name = left
    while len(amp(name).encode("utf-16-le")) // 2 > room and len(name) > 1:
        name = name[: len(name) * 3 // 4 - 1] + "…"
    return f"&L{amp(name)}&C&B{amp(centre)}&R{amp(right[:60])}"


def _fill(i: int, n: int) -> int:
    """The fill of the i-th of n grades: the best green, the worst red, the others in between."""
    return 0 if n == 1 else round(i * (len(GRADE_FILLS) - 1) / (n - 1))


def scheme_table(scheme: Scheme) -> pd.DataFrame:
    """The scheme as applied, one row per indicator and adjustment, rules in words."""
    lang = scheme.language
    say = voice(lang)
    rows = []
    for dim_name, item in [(d.name, i) for d in scheme.dimensions for i in d.indicators] + [
            (label("adjustments", lang), a) for a in scheme.adjustments]:
        ctx = item.context(say)
        rows.append({
            label("dimension", lang): dim_name, label("indicator", lang): item.name,
            label("column", lang): say("enum_sep").join(item.inputs),
            label("weight", lang): getattr(item, "weight", None),
            label("target", lang): item.target_text(say),
            label("direction", lang): label(item.direction, lang) if item.rule.needs_target or
            item.direction == "lower" else "",
            label("unit", lang): item.unit or ("%" if item.percent else ""),
            label("rule", lang): f"{item.rule.type}: {item.rule.describe(ctx)}",
            label("missing", lang): label(blank_meaning(scheme, item), lang)})
    return pd.DataFrame(rows)


def provenance(result: Result) -> list[tuple[str, str]]:
    """kpiscore version, scheme and input with their SHA-256, the sheet read and the time of the run."""
    scheme_src = result.scheme.source
    lines = [("version", __version__)]
    if scheme_src is not None:
        lines.append(("scheme_file", f"{Path(scheme_src.path).name}  SHA-256 {scheme_src.sha256}"))
    for src in result.sources:
        sha = f"  SHA-256 {src.sha256}" if src.sha256 else ""
        lines.append(("input_file", f"{src.file}{sha}"))
        if src.sheet:
            lines.append(("sheet", src.sheet))
    for f in result.source_files:
        lines.append(("source_file", f"{f.name}: {f.file}  SHA-256 {f.sha256}"))
    lines.append(("generated", datetime.now().astimezone().isoformat(timespec="seconds")))
    return lines



def write_compare_workbook(found: Comparison, path: Path, force: bool = True) -> None:
    """Write a before/after comparison's workbook, atomically."""
    with scratch() as tmpdir:
        atomic_write(path, lambda tmp: _CompareWriter(found, tmp, tmpdir).write(), force)


class _CompareWriter(_Book):
    """The comparison workbook: indicators, groups' grades, people, the plan followed up, the scheme's changes."""

    def __init__(self, found: Comparison, path: Path, tmpdir: str):
        grades = [list(dict.fromkeys(found.grades["grade"]))]
        super().__init__(path, tmpdir, found.lang, 2, grades, label("compare_title", found.lang), None)
        self.found = found

    def sheets(self) -> tuple[Callable[[], None], ...]:
        return self.indicators, self.groups, self.people, self.plan, self.changes

    def headed(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A table headed in the comparison's language, its facts said (everyone's scope, a plan's status)."""
        headings = {c: label(c, self.lang) for c in frame.columns}
        return said_compare.shown(frame, voice(self.lang)).rename(columns=headings)

    def indicators(self) -> None:
        ws = self.sheet("compare_indicators", fit=True)
        table = self.found.indicators
        pct, pts = self.percent, self.score
        self.table(ws, 0, self.headed(table), [None, None, None, pct, pct, pct, pts, pts, pts])
        ws.freeze_panes(1, 3)
        ws.repeat_rows(0)

    def groups(self) -> None:
        ws = self.sheet("compare_groups", fit=True)
        table = self.found.grades.rename(columns={"scope": "scope", "grade": "grade"})
        end = self.table(ws, 0, self.headed(table), [None, None, self.integer, self.integer])
        self.grade_colours(ws, 1, max(end - 1, 1), 1)
        ws.repeat_rows(0)

    def people(self) -> None:
        lang = self.lang
        ws = self.sheet("compare_people", fit=True)
        formats = [None, None, None, self.score, self.score, self.score, None, None]
        end = self.table(ws, 0, self.headed(self.found.people), formats)
        for key in ("only_before", "only_after"):
            alone = getattr(self.found, key)
            if len(alone):
                ws.write_string(end + 1, 0, label(key, lang), self.subtitle)
                end = self.table(ws, end + 2, self.headed(alone), [None, None, None, self.score], widths=False)
        ws.freeze_panes(1, 2)
        ws.repeat_rows(0)

    def plan(self) -> None:
        ws = self.sheet("compare_plan", fit=True)
        table = self.found.improvements
        dates = self.book.add_format({"font_name": "Microsoft YaHei", "font_size": 10, "num_format": "yyyy-mm-dd"})
        end = self.table(ws, 0, self.headed(table), [None, None, None, dates, self.percent, self.percent, None])
        if not len(table):
            ws.write_string(end, 0, msg("compare_no_plan", self.lang), self.text)

    def changes(self) -> None:
        ws = self.sheet("compare_scheme", fit=True)
        ws.set_column(0, 0, 100)
        lines = said_compare.changes(self.found) or [label("no_scheme_changes", self.lang)]
        for i, line in enumerate(lines):
            ws.write_string(i, 0, line, self.text)


def write_rollup(rollup: RollupResult, path: str | Path, force: bool = True) -> None:
    """Write the roll-up workbook (one row per employee over the periods, and its summary), atomically."""
    with scratch() as tmpdir:
        atomic_write(Path(path), lambda tmp: _RollupWriter(rollup, tmp, tmpdir).write(), force)


class _RollupWriter(_Book):
    """The roll-up workbook: the table of every employee's periods and roll-up, and a summary with charts."""

    def __init__(self, rollup: RollupResult, path: Path, tmpdir: str):
        super().__init__(path, tmpdir, rollup.lang, rollup.decimals, rollup.grade_lists, rollup.plan.name,
                         rollup.spec.period)
        self.rollup = rollup

    def sheets(self) -> tuple[Callable[[], None], ...]:
        return self.rollup_table, self.summary

    def rollup_table(self) -> None:
        r, lang = self.rollup, self.lang
        ws = self.sheet("rollup_sheet", name=rollup_title(r.spec.period, lang))
        table = r.table.copy()
        names = {"id": label("id", lang), "name": label("name", lang), "group": r.group_heading,
                 "role": r.plan.role_column or "", "total": f"{r.spec.period} {label('total', lang)}",
                 "grade": f"{r.spec.period} {label('grade', lang)}", "coefficient": label("coefficient", lang),
                 "payout": label("payout", lang), "rank": label("rank", lang), "group_rank": label("group_rank", lang),
                 "present": label("present", lang), "absent": label("absent", lang),
                 "adjusted": label("adjusted", lang)}
        for p in r.periods:
            names[f"total:{p}"] = f"{p} {label('total', lang)}"
            names[f"grade:{p}"] = f"{p} {label('grade', lang)}"
        for key in ("coefficient", "payout"):
            if table[key].isna().all():
                del table[key]
        if table["group"].isna().all():
            table = table.drop(columns=["group", "group_rank"])
        table["absent"] = yes_no(table["absent"], lang)
        formats = []
        for key in table.columns:
            if key.startswith("total") or key in ("coefficient",):
                formats.append(self.score)
            elif key in ("rank", "group_rank", "present"):
                formats.append(self.integer)
            elif key == "payout":
                formats.append(self.money)
            elif key == "adjusted":
                formats.append(self.wrap)
            else:
                formats.append(None)
        headers = [names[k] for k in table.columns]
        grade_cols = [i for i, k in enumerate(table.columns) if k == "grade" or k.startswith("grade:")]
        table.columns = headers
        end = self.table(ws, 0, table, formats)
        for col in grade_cols:
            self.grade_colours(ws, 1, max(end - 1, 1), col)
        ws.freeze_panes(1, 2)
        ws.repeat_rows(0)
        ws.repeat_columns(0, 1)
        ws.autofilter(0, 0, max(end - 1, 1), len(headers) - 1)

    def summary(self) -> None:
        r, lang = self.rollup, self.lang
        ws = self.sheet("summary_sheet", fit=True)
        ws.set_column(0, 0, 26)
        ws.set_column(1, 3, 14)
        ws.write_string(0, 0, f"{r.plan.name} · {r.spec.period}", self.title)
        ws.write_string(1, 0, label("method", lang), self.text)
        ws.write_string(1, 1, label("method_" + r.spec.method, lang), self.text)
        ws.write_string(2, 0, label("employees", lang), self.text)
        ws.write_number(2, 1, len(r.table), self.integer)
        grade = r.table["grade"]
        names = list(dict.fromkeys(g for names in r.grade_lists for g in names))
        counts = pd.DataFrame({"grade": names, "count": [int((grade == g).sum()) for g in names]})
        counts["share"] = counts["count"] / max(len(r.table), 1)
        end = self.distribution(ws, 4, counts, label("summary_sheet", lang))
        top = max(end + 2, 21)
        ws.write_string(top, 0, label("period_means", lang), self.subtitle)
        means = pd.DataFrame({label("period", lang): r.periods,
                              label("mean_total", lang): [r.period_means[p] for p in r.periods]})
        end = self.table(ws, top + 1, means, [None, self.score], widths=False)
        line = self.book.add_chart({"type": "line"})
        sheet_name = label("summary_sheet", lang)
        line.add_series({"name": label("mean_total", lang), "categories": [sheet_name, top + 2, 0, end - 1, 0],
                         "values": [sheet_name, top + 2, 1, end - 1, 1], "marker": {"type": "circle"},
                         "data_labels": {"value": True, "num_format": "0.00"}})
        line.set_title({"name": label("period_means", lang)})
        line.set_legend({"none": True})
        ws.insert_chart(top, 5, line, {"x_scale": 1.1, "y_scale": 1.0})
