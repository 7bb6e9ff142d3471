"""The generic book the workbooks are written in, with xlsxwriter: formats, sheets on A4 under a header and
over a page footer, column widths that fit their values, and tables whose data rows are built as XML a block
at a time by `sheetxml` and placed among xlsxwriter's rows as the file is finished, so a 100,000-employee
result costs no per-cell Python call and never sits in memory as cell objects. Every text cell is an inline
string (formulas and URLs off in xlsxwriter besides), so a name such as `=HYPERLINK(...)` taken from an input
cell stays text. The slips and the template print on the same paper (`on_paper`, `units`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ..core.values import text_width
from ..text import label
from .sheetxml import Cells, Rows, splice, table_rows

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


class Book:
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
