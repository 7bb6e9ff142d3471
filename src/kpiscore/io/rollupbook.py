"""The roll-up workbook: every employee's periods and roll-up, and a summary with charts, on the generic
`Book`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..core.measures import period_days
from ..core.rollup import RollupResult
from ..text import label, words
from .book import Book
from .flat import yes_no
from .output import atomic_write, scratch

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


def write_rollup(rollup: RollupResult, path: str | Path, force: bool = True) -> None:
    """Write the roll-up workbook (one row per employee over the periods, and its summary), atomically."""
    with scratch() as tmpdir:
        atomic_write(Path(path), lambda tmp: _RollupWriter(rollup, tmp, tmpdir).write(), force)


class _RollupWriter(Book):
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
