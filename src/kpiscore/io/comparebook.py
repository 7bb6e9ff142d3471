"""The comparison workbook: indicators, groups' grades, people, the improvement plan followed up, the scheme's
changes, on the generic `Book`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..core.compare import Comparison
from ..text import label, msg, voice
from ..words import compare as said_compare
from .book import Book
from .output import atomic_write, scratch


def write_compare_workbook(found: Comparison, path: Path, force: bool = True) -> None:
    """Write a before/after comparison's workbook, atomically."""
    with scratch() as tmpdir:
        atomic_write(path, lambda tmp: _CompareWriter(found, tmp, tmpdir).write(), force)


class _CompareWriter(Book):
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
