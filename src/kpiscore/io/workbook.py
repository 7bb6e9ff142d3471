"""The scored workbook: Scores, Audit, Groups, Summary, Improvement and Scheme, with Not assessed, Payout and
Sources where the round has them; one method per sheet on the generic `Book`. The Audit sheet is put into words
a chunk of rows at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from xlsxwriter.format import Format

from ..core import analysis
from ..core.engine import Column, Result, blank_meaning
from ..core.grading import has_quotas
from ..core.payout import paid_table
from ..core.say import Say
from ..core.scheme import Adjustment, Indicator, Scheme
from ..core.values import text_width
from ..text import label, msg, voice, words
from ..version import __version__
from ..words import measures as said_measures
from ..words import payout as said_payout
from ..words.result import Words, scope, who_ranked
from .book import Book
from .flat import identity_table, scores_table
from .output import atomic_write, scratch
from .tables import RECORD_CHUNK, RECORD_SHEET

#: rows of the Audit sheet put into words at a time (bounds the memory the strings take)
AUDIT_CHUNK = 20_000
#: the widest an Audit column grows (column-width units); a longer calculation wraps in its cell
AUDIT_WIDTH = 36


def write_workbook(result: Result, path: str | Path, force: bool = True) -> None:
    """Write the scored workbook to `path`, atomically (a temporary file renamed into place); without
    `force` an existing file is never replaced."""
    with scratch() as tmpdir:
        atomic_write(Path(path), lambda tmp: _Writer(result, tmp, tmpdir).write(), force)


class _Writer(Book):
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
                self.scheme, self.record, *sources)

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

    def record(self) -> None:
        """The scheme recorded where no one sees or prints it: `kpiscore import` of this workbook gives the
        scheme back, once it has checked that the Scheme sheet still shows it."""
        text = scheme_document(self.result.scheme)
        if text is None:
            return
        ws = self.book.add_worksheet(RECORD_SHEET)
        ws.very_hidden()
        for i in range(0, len(text), RECORD_CHUNK):
            ws.write_string(i // RECORD_CHUNK, 0, text[i:i + RECORD_CHUNK])

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
        row = self.table(ws, row + 1, grades_table(s), [None, self.number, self.number, self.percent, self.percent],
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


def scheme_document(scheme: Scheme) -> str | None:
    """The scheme's document as it was written (JSON), which gives the scheme back; none for a scheme built
    without one."""
    doc = scheme._doc
    return json.dumps(doc.data, ensure_ascii=False, default=str) if doc is not None else None


def scheme_table(scheme: Scheme) -> pd.DataFrame:
    """The scheme as applied, one row per indicator and adjustment, rules in words."""
    lang = scheme.language
    say = voice(lang)
    rows = []
    dims = [(d.name + (say("aside", text=d.weight.text) if d.weight else ""), d) for d in scheme.dimensions]
    for dim_name, item in [(name, i) for name, d in dims for i in d.indicators] + [
            (label("adjustments", lang), a) for a in scheme.adjustments]:
        rows.append({
            label("dimension", lang): dim_name, label("indicator", lang): item.name,
            label("column", lang): say("enum_sep").join(item.inputs),
            label("weight", lang): getattr(item, "weight", None),
            label("target", lang): item.target_text(say),
            label("direction", lang): label(item.direction, lang) if item.rule.needs_target or
            item.direction == "lower" else "",
            label("unit", lang): item.unit or ("%" if item.percent else ""),
            label("rule", lang): rule_words(item, say),
            label("missing", lang): label(blank_meaning(scheme, item), lang)})
    return pd.DataFrame(rows)


def grades_table(scheme: Scheme) -> pd.DataFrame:
    """The grades as the Scheme sheet shows them, under the rules, a blank row and its subtitle."""
    lang, grades = scheme.language, scheme.grades
    return pd.DataFrame({
        label("grade", lang): [g.grade for g in grades],
        label("min_total", lang): [g.min for g in grades],
        label("coefficient", lang): [g.coefficient for g in grades],
        label("max_share", lang): [g.max_share.value if g.max_share else None for g in grades],
        label("min_share", lang): [g.min_share.value if g.min_share else None for g in grades]})


def rule_words(item: Indicator | Adjustment, say: Say) -> str:
    """An item's rule as the Scheme sheet says it: its type, who a rank adjustment ranks, its description."""
    rank = item.rank if isinstance(item, Adjustment) else None
    ranked = who_ranked(rank, say) + say("list_sep") if rank else ""
    return f"{item.rule.type}: {ranked}" + item.rule.describe(item.context(say))


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
