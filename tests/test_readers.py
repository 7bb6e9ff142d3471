"""Reading inputs: header search, addresses as Excel shows them, encodings, percents, every bad cell."""

import pandas as pd
import pytest
from helpers import HEADER, TYPED_SQ, write_xlsx

from kpiscore import InputError, read_actuals

GOOD_ROW = ["00123", "张三", "一部", 0.88, 0.82, 0.915, 5, 0.92, "较满意"]


def problems(path, scheme, **kw):
    with pytest.raises(InputError) as info:
        read_actuals(path, scheme, **kw)
    return [(f.sheet, f.cell, f.code) for f in info.value.findings]


def test_title_rows_ids_and_percent_forms(tmp_path, base_scheme):
    rows = [HEADER, GOOD_ROW,
            [1001, "李四", "二部", "88%", "８２％", " 91.5 % ", "5", "92%", " 较满意 "]]
    actuals = read_actuals(write_xlsx(tmp_path / "a.xlsx", rows), base_scheme)
    f = actuals.frame
    assert list(f["工号"]) == ["00123", "1001"]          # text ids keep zeros; 1001 is not "1001.0"
    assert list(f.index) == [4, 5]                        # Excel rows: title in 1, header in 3
    assert list(f["客服响应及时率"]) == [0.88, 0.88]
    assert list(f["问题一次性解决率"]) == [0.82, 0.82]
    assert list(f["返修任务达成率"]) == [0.915, 0.915]
    assert list(f["内部合作满意度"]) == ["较满意", "较满意"]
    assert actuals.source.sheet == "Sheet1" and actuals.source.header_row == 3


def test_every_bad_cell_with_its_place(tmp_path, base_scheme):
    rows = [HEADER,
            ["1", "甲", "一部", "abc", 0.8, 88, -1, 0.9, "满意"],
            ["1", "乙", "一部", 0.9, None, 0.9, 0, 0.9, "很满意"],
            [None, "丙", "一部", 0.9, 0.8, 0.9, 0, 0.9, "很满意"],
            [None] * 9,  # a blank row is skipped
            ["4", "丁", "一部", 0.9, 0.8, 0.9, "2.5%", 0.9, "很满意"]]
    path = write_xlsx(tmp_path / "bad.xlsx", rows, origin=(1, 2))  # data starts in column B
    assert problems(path, base_scheme) == [
        ("Sheet1", "E4", "not_number"),
        ("Sheet1", "G4", "percent_ambiguous"),
        ("Sheet1", "H4", "negative"),
        ("Sheet1", "J4", "unknown_label"),
        ("Sheet1", "B5", "id_duplicate"),
        ("Sheet1", "F5", "blank"),
        ("Sheet1", "B6", "id_blank"),
        ("Sheet1", "H8", "percent_unexpected"),
    ]


def test_message_names_value_and_indicator(tmp_path, base_scheme):
    rows = [HEADER, ["1", "甲", "一部", "abc", 0.8, 0.9, 0, 0.9, "很满意"]]
    with pytest.raises(InputError) as info:
        read_actuals(write_xlsx(tmp_path / "m.xlsx", rows), base_scheme)
    assert str(info.value.findings[0]) == "m.xlsx › Sheet1 › D4: 'abc' 不是数字（客服响应及时率）"


def test_missing_columns_listed_together(tmp_path, base_scheme):
    rows = [["工号", "姓名", "客服响应及时率"], ["1", "甲", 0.9]]
    found = problems(write_xlsx(tmp_path / "c.xlsx", rows, title=None), base_scheme)
    assert found == [("Sheet1", "1:1", "columns_missing")]
    with pytest.raises(InputError, match="问题一次性解决率, 返修任务达成率, 客户服务投诉"):
        read_actuals(tmp_path / "c.xlsx", base_scheme)


def test_header_names_fold_full_width(tmp_path, base_scheme):
    header = [h.replace("率", "率 ") for h in HEADER]
    header[0] = "　工号　"  # ideographic spaces
    actuals = read_actuals(write_xlsx(tmp_path / "f.xlsx", [header, GOOD_ROW]), base_scheme)
    assert list(actuals.frame["工号"]) == ["00123"]


def test_sheet_choice(tmp_path, base_scheme):
    from openpyxl import load_workbook

    path = write_xlsx(tmp_path / "s.xlsx", [HEADER, GOOD_ROW], sheet="数据")
    book = load_workbook(path)
    notes = book.create_sheet("说明", 0)  # first sheet has no header: skipped
    notes["A1"] = "填写说明"
    book.save(path)
    assert read_actuals(path, base_scheme).source.sheet == "数据"
    assert problems(path, base_scheme, sheet="无此表") == [(None, None, "sheet_missing")]
    assert problems(path, base_scheme, sheet="说明") == [("说明", None, "header_missing")]


@pytest.mark.parametrize(("encoding", "sep"), [("utf-8", ","), ("utf-8-sig", ";"), ("gbk", "\t"), ("gb18030", ",")])
def test_csv_encodings_and_separators(tmp_path, base_scheme, encoding, sep):
    lines = ["考核数据导出", sep.join(HEADER), sep.join(["00123", "张三", "一部", "88%", "82%", "91.5%", "5", "92%",
                                                       "较满意"])]
    path = tmp_path / "a.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    f = read_actuals(path, base_scheme).frame
    assert list(f["工号"]) == ["00123"] and list(f["返修任务达成率"]) == [0.915] and list(f.index) == [3]


def test_csv_error_place(tmp_path, base_scheme):
    path = tmp_path / "e.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(["1", "a", "b", "x", "82%", "91%", "5", "92%", "较满意"]) + "\n",
                    encoding="utf-8")
    assert problems(path, base_scheme) == [(None, "D2", "not_number")]


def test_no_header_anywhere(tmp_path, base_scheme):
    path = write_xlsx(tmp_path / "n.xlsx", [["姓名", "x"], ["a", 1]])
    assert problems(path, base_scheme) == [(None, None, "header_missing_any")]


def test_unsupported_and_missing_files(tmp_path, base_scheme):
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    assert problems(tmp_path / "a.pdf", base_scheme) == [(None, None, "file_format")]
    assert problems(tmp_path / "none.xlsx", base_scheme) == [(None, None, "file_missing")]


def test_zip_bomb_refused_before_parsing(tmp_path, base_scheme):
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 2**20))
    assert problems(path, base_scheme) == [(None, None, "zip_bomb")]


def test_dataframe_input(base_scheme):
    frame = pd.DataFrame([GOOD_ROW], columns=HEADER)
    assert list(read_actuals(frame, base_scheme).frame["返修任务达成率"]) == [0.915]


def test_skip_row_with_nothing_applicable(tmp_path):
    from kpiscore import load_scheme

    scheme = load_scheme({"name": "s", "missing": "skip", "dimensions": [{"name": "D", "indicators": [
        {"name": "A", "weight": 50, "target": "90%"}, {"name": "B", "weight": 50, "target": "90%"}]}]})
    rows = [["工号", "姓名", "A", "B"], ["1", "甲", None, None], ["2", "乙", 0.9, None]]
    path = write_xlsx(tmp_path / "k.xlsx", rows)
    assert problems(path, scheme) == [("Sheet1", "4:4", "no_applicable")]


@pytest.mark.parametrize("suffix", ["ods", "xls"])
def test_ods_and_xls_read_like_xlsx(suffix):
    from pathlib import Path

    from kpiscore import load_scheme

    scheme = load_scheme(TYPED_SQ)
    path = Path(__file__).parent / "data" / f"service-quality.{suffix}"  # the example, saved by LibreOffice
    frame = read_actuals(path, scheme).frame
    assert list(frame["工号"][:2]) == ["WX001", "WX002"] and list(frame.index[:2]) == [4, 5]
    assert frame["客服响应及时率"].iloc[0] == 0.88 and frame["客服响应及时率"].iloc[3] == 0.915


def test_rating_range_and_duplicate_columns(tmp_path):
    from kpiscore import load_scheme

    scheme = load_scheme({"name": "r", "dimensions": [{"name": "D", "indicators": [
        {"name": "评分", "weight": 100, "rule": {"type": "rating", "raters": ["上级", "同事"], "scale": 5}}]}]})
    rows = [["工号", "姓名", "上级", "同事", "上级"], ["1", "甲", 6, -1, 3]]
    assert problems(write_xlsx(tmp_path / "r.xlsx", rows, title=None), scheme) == [
        ("Sheet1", "C1", "column_duplicate"), ("Sheet1", "C2", "rating_range"), ("Sheet1", "D2", "rating_range")]


def test_kinds_of_text_columns_with_and_without_blanks():
    # a column of text only (a CSV's) is settled in one pass; a blank among text is found whether the column
    # is of Python objects or of pandas' own string dtype, which keeps its blanks in a mask
    from kpiscore.io.cells import cell_kinds

    every = ["E1", "", "88", "#DIV/0!", " / "]
    assert list(cell_kinds(pd.Series(every, dtype=object), {"/"})) == ["text", "blank", "text", "error", "na"]
    for dtype in (object, "str"):
        column = pd.Series(["E1", None, "88%"], dtype=dtype)
        assert list(cell_kinds(column)) == ["text", "blank", "text"], dtype


def test_edge_spaces_found_once_are_stripped_everywhere(base_scheme):
    # whether a column's text has edge spaces is found while its kinds are: ids and names still lose them,
    # a number typed as text with a space (" 1003") included, and the ids are still checked for duplicates
    rows = [[" E1", "张三 ", *GOOD_ROW[2:]], ["E2\u3000", "\t李四", *GOOD_ROW[2:]], [" 1003", "王五", *GOOD_ROW[2:]],
            ["E1", "赵六", *GOOD_ROW[2:]]]
    with pytest.raises(InputError) as caught:
        read_actuals(pd.DataFrame(rows, columns=HEADER), base_scheme)
    found = [(f.code, f.cell, f.params) for f in caught.value.findings]
    assert found == [("id_duplicate", "A5", {"id": "E1", "other": 2})]
    frame = read_actuals(pd.DataFrame(rows[:3], columns=HEADER), base_scheme).frame
    assert frame["工号"].tolist() == ["E1", "E2", "1003"] and frame["姓名"].tolist() == ["张三", "李四", "王五"]
