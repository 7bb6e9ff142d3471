"""Table rows written as worksheet XML and spliced into xlsxwriter's workbook: every cell reads back as it was
given, in openpyxl and calamine, text stays text, and the rows sit in order among xlsxwriter's own."""

import io
import zipfile

import numpy as np
import pytest
import xlsxwriter
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from kpiscore.io.sheetxml import BLOCK, MAX_TEXT, Cells, splice, table_rows

TEXTS = ['=HYPERLINK("http://evil","click")', "+1-2", "a & b < c > d", "_x0041_", "bell\x07here",
         " leading", "trailing ", "two\nlines", "张三丰", None]


def write(tmp_path, columns, top=1, after=None, heights=None):
    """A sheet with a header row and a title row below the table written by xlsxwriter, the table's rows by us."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False})
    ws = book.add_worksheet("表")
    bold, fmt = book.add_format({"bold": True}), book.add_format({"num_format": "0.00"})
    ws.write_string(0, 0, "标题", bold)
    rows = table_rows(ws.index, top, 0, columns(fmt._get_xf_index()), heights, str(tmp_path))
    if after is not None:
        ws.write_string(after, 0, "脚注")
    book.close()
    out = tmp_path / "t.xlsx"
    try:
        splice(buffer, [rows], out)
    finally:
        rows.xml.close()
    return out


def test_text_reads_back_as_given_and_stays_text(tmp_path):
    out = write(tmp_path, lambda s: [Cells(np.array(TEXTS, dtype=object), False, s)], after=len(TEXTS) + 2)
    # calamine reads `_xHHHH_` back as Excel does; openpyxl leaves it, so it is asked only for the types
    calamine = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("表").to_python()
    assert [r[0] for r in calamine[1:len(TEXTS) + 1]] == [*TEXTS[:-1], ""]
    ws = load_workbook(out)["表"]
    got = [ws.cell(row=2 + i, column=1) for i in range(len(TEXTS))]
    assert {c.data_type for c in got[:-1]} == {"s"} and got[-1].value is None
    assert [c.value for c in got[:3]] == TEXTS[:3]
    assert ws.cell(row=len(TEXTS) + 3, column=1).value == "脚注"
    with zipfile.ZipFile(out) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and '<dimension ref="A1:A13"/>' in sheet
    assert '<t xml:space="preserve"> leading</t>' in sheet and "_x005F_x0041_" in sheet and "bell_x0007_here" in sheet


def test_numbers_read_back_exactly_and_blanks_by_column(tmp_path):
    values = np.array([0.1 + 0.2, 1 / 3, 85.0, -0.0, 1e-12, 123456789.123, np.nan, np.inf])
    out = write(tmp_path, lambda s: [
        Cells(values, True, s),
        Cells(values, True, s, empty="—", empty_style=0),
        Cells(values, True, s, blank_style=s)])
    ws = load_workbook(out)["表"]
    # the first six are numbers, each the same float; NaN is no cell, "—", or an empty styled cell; inf is #DIV/0!
    for c in (1, 2, 3):
        assert [ws.cell(row=2 + i, column=c).value for i in range(6)] == values[:6].tolist()
        assert ws.cell(row=2, column=c).number_format == "0.00"
        assert ws.cell(row=9, column=c).value == "#DIV/0!"
    assert ws.cell(row=8, column=1).value is None and ws.cell(row=8, column=2).value == "—"
    assert ws.cell(row=8, column=3).value is None and ws.cell(row=8, column=3).number_format == "0.00"
    with zipfile.ZipFile(out) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="A8"' not in sheet and '<c r="C8" s="' in sheet and "<v>0.30000000000000004</v>" in sheet


def test_long_text_is_cut_to_excels_limit_and_rows_keep_heights(tmp_path):
    long = "长" * (MAX_TEXT + 10)
    out = write(tmp_path, lambda s: [Cells(np.array([long, "短"], dtype=object), False, s)],
                heights=np.array([40.5, np.nan]))
    ws = load_workbook(out)["表"]
    assert ws["A2"].value == "长" * MAX_TEXT and ws["A3"].value == "短"
    assert ws.row_dimensions[2].height == 40.5 and ws.row_dimensions[3].height is None


@pytest.mark.parametrize("n", [1, BLOCK, BLOCK + 1])
def test_blocks_join_without_a_gap(tmp_path, n):
    out = write(tmp_path, lambda s: [Cells(np.arange(n, dtype=float), True, s),
                                     Cells(np.array([f"E{i}" for i in range(n)], dtype=object), False, s)])
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("表").to_python()[1:]
    assert [r[0] for r in rows] == list(range(n)) and rows[-1][1] == f"E{n - 1}"


PARITY_TEXTS = [*TEXTS[:-1], "😀" * 20_000, "a" * 40_000, "\ufffe", "tab\there", "€ ≤ 90%", ""]
#: numbers of at most 15 significant digits: xlsxwriter writes %.16g, the splice repr (17 digits, exact: see
#: test_numbers_read_back_exactly_and_blanks_by_column), and the two read back alike only up to there
PARITY_NUMBERS = [0.3, 1 / 4, 85.0, 1e-7, 1e20, -2.5, 123456789.123456, 7.0]


def _read_back(path):
    """The cells as calamine reads them, and as openpyxl reads them with their types (openpyxl leaves a
    literal `_xHHHH_` of an inline string escaped, so it is asked only for the type of such a text)."""
    calamine = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("表").to_python()
    ws = load_workbook(path)["表"]
    typed = [[(c.value if not (isinstance(c.value, str) and "_x" in c.value) else "_x", c.data_type) for c in row]
             for row in ws.iter_rows(min_row=2, max_row=1 + len(PARITY_TEXTS))]
    return calamine[1:], typed


def test_the_splice_and_xlsxwriters_own_cells_read_back_alike(tmp_path):
    # the same values through xlsxwriter's write_string/write_number, cell by cell, and through the splice;
    # xlsxwriter 3.3 cuts a text at 32,767 UTF-16 units (20,000 emoji are 40,000): the splice cuts alike
    numbers = PARITY_NUMBERS + [np.nan] * (len(PARITY_TEXTS) - len(PARITY_NUMBERS))
    own = tmp_path / "own.xlsx"
    book = xlsxwriter.Workbook(str(own), {"strings_to_formulas": False, "strings_to_urls": False,
                                          "nan_inf_to_errors": True})
    ws = book.add_worksheet("表")
    ws.write_string(0, 0, "标题")
    for i, (text, number) in enumerate(zip(PARITY_TEXTS, numbers, strict=True)):
        ws.write_string(1 + i, 0, text)
        if number == number:
            ws.write_number(1 + i, 1, number)
    book.close()
    spliced = write(tmp_path, lambda s: [Cells(np.array(PARITY_TEXTS, dtype=object), False, 0),
                                         Cells(np.array(numbers), True, 0)])
    ours, theirs = _read_back(spliced), _read_back(own)
    assert ours == theirs
    assert len(ours[0][len(TEXTS) - 1][0]) == MAX_TEXT // 2  # 16,383 emoji: one more would split a pair


def test_a_chartsheet_first_moves_the_worksheets_part(tmp_path):
    # the worksheet is the second sheet (index 1) but its part is sheet1.xml: the rows go there, not nowhere
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    charts = book.add_chartsheet("图")
    chart = book.add_chart({"type": "column"})
    ws = book.add_worksheet("表")
    ws.write_string(0, 0, "标题")
    chart.add_series({"values": "=表!$A$2:$A$3"})
    charts.set_chart(chart)
    rows = table_rows(ws.index, 1, 0, [Cells(np.array([1.5, 2.5]), True, 0)], None, str(tmp_path))
    book.close()
    splice(buffer, [rows], tmp_path / "c.xlsx")
    rows.xml.close()
    assert ws.index == 1
    assert load_workbook(tmp_path / "c.xlsx")["表"]["A3"].value == 2.5


def test_a_row_written_twice_is_refused(tmp_path):
    from kpiscore.io.sheetxml import SpliceError

    with pytest.raises(SpliceError, match=r"row 3 of xl/worksheets/sheet1\.xml"):
        write(tmp_path, lambda s: [Cells(np.array([1.0, 2.0, 3.0]), True, s)], after=2)  # 脚注 in row 3
