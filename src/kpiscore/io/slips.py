"""Slips for the feedback talk (个人绩效考核表): one printed A4 page per employee, from the one Result.

"考核结果出来后，主管应与客服人员进行一对一的绩效面谈": each page holds what the talk goes through (every indicator's
target, actual, score and calculation, the total, grade and ranks, the payout and any calibration or quota
move, the three strongest and weakest indicators, the way to the next grade) and the boxes and signature
lines the talk fills in. Pages are laid out for A4 portrait: each person's rows are sized to their wrapped text,
a page break follows each person, and the sheet is printed one page wide and a page per person tall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..core.engine import Result
from ..core.rollup import RollupResult
from ..core.values import fmt_plain
from ..text import label, words
from ..words.result import Words
from .book import LINE_HEIGHT, on_paper, units
from .output import atomic_write

#: the slip's columns: dimension, indicator, weight, target, actual, score, calculation (column-width units)
WIDTHS = [8, 14, 5, 7, 7, 6, 24]
#: what A4 portrait holds between on_paper's margins at 100%, as LibreOffice prints it: 65 column-width units
#: (measured with a ruler sheet of numbered columns) and 740 points of rows
PAGE_UNITS, PAGE_POINTS = 65, 740
#: the height of a box the talk writes in (主管评语, 员工意见, 改进计划), in points
BOX = 58


@dataclass
class _Formats:
    title: Any
    head: Any
    cell: Any
    wrap: Any
    number: Any
    label: Any


def write_slips(result: Result, path: str | Path, rows: list[int] | None = None, force: bool = True) -> int:
    """One A4 page per employee (those in the input `rows`, else everyone), atomically; returns the pages
    written."""
    rows = result.people.index if rows is None else pd.Index(rows)
    atomic_write(Path(path), lambda tmp: _SlipWriter(result, tmp).write(rows), force)
    return len(rows)


def write_rollup_slips(rolled: RollupResult, path: str | Path, force: bool = True) -> int:
    """The annual slip: one page per employee with each period's total and grade and the rolled-up result."""
    atomic_write(Path(path), lambda tmp: _RollupSlips(rolled, tmp).write(), force)
    return len(rolled.table)


class _Pages:
    """A workbook of slips: one sheet in A4 portrait, a page per person, each page's rows sized to fit."""

    def __init__(self, path: Path, lang: str, title: str, period: str | None):
        self.lang = lang
        self.book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                                    "strings_to_numbers": False, "nan_inf_to_errors": True})
        base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "vcenter", "border": 1}
        fmt = self.book.add_format
        self.f = _Formats(
            title=fmt({**base, "bold": True, "font_size": 16, "align": "center", "border": 0}),
            head=fmt({**base, "bold": True, "bg_color": "#DDEBF7", "align": "center", "text_wrap": True}),
            cell=fmt({**base, "text_wrap": True}), wrap=fmt({**base, "text_wrap": True, "valign": "top"}),
            number=fmt({**base, "num_format": "0.00"}), label=fmt({**base, "bold": True, "text_wrap": True}))
        self.ws: Worksheet = self.book.add_worksheet(words("slip_sheet", lang)[:31])
        on_paper(self.ws, title, words("slip_title", lang), period, lang)
        self.ws.set_portrait()
        self.ws.hide_gridlines(2)
        for c, width in enumerate(WIDTHS):
            self.ws.set_column(c, c, width)
        self.row = 0
        self.sizes: list[float] = []  # each row's height
        self.breaks: list[int] = []
        # the title heads every page as its print title: page 1 has it once, each later page repeats it
        self.line([(0, 6, words("slip_title", lang), self.f.title)], height=28)

    def line(self, cells: list[tuple[int, int, Any, Any]], height: float | None = None) -> None:
        """One row of merged spans (first column, last column, value, format), as tall as its text needs."""
        tall = height if height is not None else LINE_HEIGHT * max(self.lines(c) for c in cells) + 4
        self.ws.set_row(self.row, tall)
        self.sizes.append(tall)
        for first, last, value, fmt in cells:
            if first != last:
                self.ws.merge_range(self.row, first, self.row, last, "", fmt)
            self.cell(first, value, fmt)
        self.row += 1

    def cell(self, col: int, value: Any, fmt: Any) -> None:
        """A cell as what it is: a number as a number, anything else as text (never a formula)."""
        if isinstance(value, int | float | np.floating) and not isinstance(value, bool):
            if math.isfinite(float(value)):
                self.ws.write_number(self.row, col, float(value), fmt)
                return
            value = "—"
        self.ws.write_string(self.row, col, "" if value is None else str(value), fmt)

    @staticmethod
    def lines(cell: tuple[int, int, Any, Any]) -> int:
        """The lines a span's text wraps to at its width."""
        first, last, value, _ = cell
        width = sum(WIDTHS[first:last + 1]) - 1
        return max(1, math.ceil(units(str(value)) / max(width, 1))) if isinstance(value, str) else 1

    def close_page(self, facts: list[tuple[str, str]]) -> None:
        """A person's page ends the same way: their facts, each a label and its words, then the talk's boxes
        and the signature and date lines, then a page break."""
        f, lang = self.f, self.lang
        for name, text in facts:
            self.line([(0, 1, name, f.label), (2, 6, text, f.wrap)])
        for key in ("slip_manager_comment", "slip_employee_view", "slip_plan"):
            self.line([(0, 0, words(key, lang), f.label), (1, 6, "", f.wrap)], height=BOX)
        for who in ("slip_assessed", "slip_assessor"):
            self.line([(0, 6, words("slip_sign", lang, who=words(who, lang)), f.cell)], height=26)
        self.breaks.append(self.row)

    def finish(self) -> None:
        """A page per person: a break after each but the last, the title repeated on each as its print title,
        and the print scale at which the columns fit A4 portrait's width and the tallest person's rows (with
        the title) its height. A fit-to-pages setting would make spreadsheets ignore the breaks."""
        tops = [1, *self.breaks[:-1]]
        tallest = max((sum(self.sizes[a:b]) for a, b in zip(tops, self.breaks, strict=True)), default=0.0)
        by_height = PAGE_POINTS / (tallest + self.sizes[0]) if tallest else 1.0
        self.ws.set_print_scale(max(10, min(100, int(100 * min(PAGE_UNITS / sum(WIDTHS), by_height)))))
        self.ws.set_h_pagebreaks(self.breaks[:-1])
        self.ws.repeat_rows(0)
        self.book.close()


class _SlipWriter(_Pages):
    """The slips of one scored round."""

    def __init__(self, result: Result, path: Path):
        s = result.scheme
        super().__init__(path, result.lang, s.name, result.period)
        self.result = result

    def write(self, rows: pd.Index) -> None:
        r, words = self.result, Words(self.result)
        audit = words.audit()
        totals = words.total()
        notes = words.grade_notes()
        pays = words.payout()
        ach = r.achievement()
        ways = words.next_grade()
        self.shown = {}  # each indicator's actuals and targets as typed, for everyone at once
        for ind in r.scheme.indicators:
            ctx, a = r.context_of(ind), r.actuals[ind.name]
            target = pd.Series(np.broadcast_to(np.asarray(ctx.target if ctx.target is not None else np.nan,
                                                          dtype=float), len(a)), index=a.index)
            actual = a.astype(str) if ind.rule.labels() is not None else fmt_plain(a.astype(float), ind.percent)
            self.shown[ind.name] = (actual.where(a.notna(), "—"),
                                    fmt_plain(target, ind.percent).where(target.notna(), ""))
        for row in rows:
            self.person(row, audit.loc[row], totals[row], notes[row], pays[row], ach.loc[row], ways[row])
        self.finish()

    def person(self, row: Any, audit: pd.Series, total_words: str, note: str, pay: str, ach: pd.Series,
               way: str) -> None:
        r, f, lang, s = self.result, self.f, self.lang, self.result.scheme
        person, sm = r.people.loc[row], r.summary.loc[row]
        d = s.decimals
        who = [_labelled(label("name", lang), person["name"] or "", lang),
               _labelled(label("id", lang), person["id"], lang)]
        if "group" in person and isinstance(person["group"], str):
            who.append(_labelled(s.columns.group or label("group", lang), person["group"], lang))
        when = [_labelled(label("period", lang), r.period or "—", lang),
                _labelled(label("scheme_sheet", lang), s.name, lang)]
        gap = words("gap", lang)
        self.line([(0, 3, gap.join(who), f.label), (4, 6, gap.join(when), f.label)])
        heads = [label(k, lang) for k in ("dimension", "indicator", "weight", "target", "actual", "score",
                                          "calculation")]
        self.line([(c, c, h, f.head) for c, h in enumerate(heads)])
        for dim in s.dimensions:
            for ind in dim.indicators:
                actual, target = (texts[row] for texts in self.shown[ind.name])
                score = r.scores.at[row, ind.name]
                self.line([(0, 0, dim.name, f.cell), (1, 1, ind.name, f.cell), (2, 2, ind.weight, f.number),
                           (3, 3, target, f.cell), (4, 4, actual, f.cell),
                           (5, 5, score, f.number), (6, 6, audit[ind.name], f.wrap)])
        subtotals = words("list_sep", lang).join(f"{dim} {v:.{d}f}" for dim, v in r.dimensions.loc[row].items()
                                                  if pd.notna(v))
        facts = [(label("dimension", lang) + label("subtotal_suffix", lang), subtotals)]
        facts += [(adj.name, audit[adj.name]) for adj in s.adjustments]
        gap = words("gap", lang)
        ranks = [f"{label('rank', lang)} {sm['rank']}"]
        if pd.notna(sm["group_rank"]):
            ranks.append(f"{label('group_rank', lang)} {sm['group_rank']}")
        facts.append((label("total", lang), gap.join([total_words, f"{label('grade', lang)} {sm['grade'] or '—'}",
                                                      *ranks])))
        if pd.notna(sm["coefficient"]):
            paid = [f"{label('coefficient', lang)} {sm['coefficient']:g}"]
            if pd.notna(sm["payout"]):
                paid.append(f"{label('payout', lang)} {pay}")
            facts.append((label("payout", lang), gap.join(paid)))
        if note:
            facts.append((label("grade_note", lang), note))
        present = ach.dropna().sort_values(kind="stable")
        said = {k: words("comma", lang).join(f"{n} {v * 100:.1f}%" for n, v in part.items())
                for k, part in (("slip_strong", present[::-1].head(3)), ("slip_weak", present.head(3)))}
        facts += [(words(k, lang), v) for k, v in said.items() if v]
        if way:
            facts.append((words("slip_next", lang), way))
        self.close_page(facts)


class _RollupSlips(_Pages):
    """The annual slips: each period's total and grade, then the rolled-up total, grade, ranks and payout."""

    def __init__(self, rolled: RollupResult, path: Path):
        super().__init__(path, rolled.lang, rolled.plan.name, rolled.spec.period)
        self.rolled = rolled

    def write(self) -> None:
        r, f, lang = self.rolled, self.f, self.lang
        for row in r.table.itertuples(index=False):
            rec = dict(zip(r.table.columns, row, strict=True))
            who = words("gap", lang).join([_labelled(label("name", lang), rec["name"] or "", lang),
                                           _labelled(label("id", lang), rec["id"], lang)])
            self.line([(0, 3, who, f.label), (4, 6, _labelled(label("period", lang), r.spec.period, lang), f.label)])
            self.line([(0, 1, label("period", lang), f.head), (2, 4, label("total", lang), f.head),
                       (5, 6, label("grade", lang), f.head)])
            for p in r.periods:
                total = rec[f"total:{p}"]
                if pd.isna(total):  # not in that period's round: said, not left as "— —"
                    self.line([(0, 1, p, f.cell), (2, 6, words("slip_not_in_period", lang), f.cell)])
                    continue
                self.line([(0, 1, p, f.cell), (2, 4, total, f.number),
                           (5, 6, rec[f"grade:{p}"] if isinstance(rec[f"grade:{p}"], str) else "—", f.cell)])
            rolled = f"{rec['total']:.{r.decimals}f}" if pd.notna(rec["total"]) else "—"
            gap, rank = words("gap", lang), rec["rank"] if pd.notna(rec["rank"]) else "—"
            facts = [(label("total", lang), gap.join([rolled, f"{label('grade', lang)} {rec['grade'] or '—'}",
                                                      f"{label('rank', lang)} {rank}"]))]
            if pd.notna(rec.get("payout")):
                facts.append((label("payout", lang), gap.join([f"{label('coefficient', lang)} {rec['coefficient']:g}",
                                                               f"{rec['payout']:.2f}"])))
            if rec.get("adjusted"):
                facts.append((label("adjusted", lang), rec["adjusted"]))
            self.close_page(facts)
        self.finish()


def _labelled(name: str, value: object, lang: str) -> str:
    """`姓名：张三` / `Name: Ann`."""
    return words("labelled", lang, label=name, text=value)
