"""Files laid out the way HR staff and their systems keep them: each scores exactly right, or fails or
warns at its place. The corpus is in tests/data/real (see make_corpus.py there).

Every file holds the six people of examples/service-quality.xlsx, so every file must give the same totals.
By hand, for WX001 张伟 (ratio rule, score = W × A ÷ T, rounded half up):
  15 × 88% ÷ 90% = 14.67, 15 × 75% ÷ 85% = 13.24, 20 × 82% ÷ 80% = 20.50, 15 × 93% ÷ 95% = 14.68,
  10 × 96% ÷ 98% = 9.80, 15 × 92% ÷ 90% = 15.33, 10 × 96% ÷ 95% = 10.11; total 98.33.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import TYPED_SQ

from kpiscore import InputError, load_scheme, score

REAL = Path(__file__).parent / "data" / "real"
TOTALS = {"WX001": 98.33, "WX002": 104.06, "WX003": 91.55, "WX004": 100.43, "WX005": 82.53, "WX006": 101.98}
GROUP_RANKS = {"WX001": 2, "WX002": 1, "WX003": 3, "WX004": 2, "WX005": 3, "WX006": 1}
GROUPS = {"WX001": "维修一部", "WX002": "维修一部", "WX003": "维修一部", "WX004": "维修二部", "WX005": "维修二部",
          "WX006": "维修二部"}
ERROR_CELLS = [("Sheet1", "D3", "cell_error"), ("Sheet1", "I5", "cell_error")]
LIBREOFFICE = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")


def scored(path, scheme=TYPED_SQ):
    result = score(path, scheme)
    people = result.people.set_index("id")
    summary = result.summary.set_index(result.people["id"])
    return result, people, summary


def assert_example(path, scheme=TYPED_SQ):
    result, people, summary = scored(path, scheme)
    assert summary["total"].to_dict() == TOTALS
    assert summary["group_rank"].to_dict() == GROUP_RANKS
    assert people["group"].to_dict() == GROUPS
    return result


def notices(result):
    return [(w.sheet, w.cell, w.code) for w in result.warnings]


def errors(path, scheme=TYPED_SQ):
    with pytest.raises(InputError) as info:
        score(path, scheme)
    return [(f.sheet, f.cell, f.code) for f in info.value.findings]


def test_merged_group_cells_title_rows_and_footers():
    result = assert_example(REAL / "merged_teams.xlsx")
    # 部门 merged down each team reaches every member; the blank line inside the 维修二部 merge is no person;
    # 平均值 (merged over 序号–姓名) and the merged 制表人 line are left out, each with a notice at its row
    assert notices(result) == [("考核表", "C12", "summary_row"), ("考核表", "C13", "summary_row")]
    assert "平均值" in result.warnings[0].message and "制表人" in result.warnings[1].message
    assert list(result.people.index) == [4, 5, 6, 8, 9, 10]


def test_two_row_header_with_merged_dimensions_and_a_line_break():
    result = assert_example(REAL / "two_row_header.xlsx")
    assert result.sources[0].header_row == 3 and list(result.people.index) == [4, 5, 6, 7, 8, 9]


def test_error_values_are_errors_under_every_missing_policy():
    for missing in ("error", "zero", "skip"):
        scheme = load_scheme(TYPED_SQ).model_dump(mode="json") | {"missing": missing}
        assert errors(REAL / "error_cells.xlsx", scheme) == ERROR_CELLS
    with pytest.raises(InputError) as info:
        score(REAL / "error_cells.xlsx", TYPED_SQ)
    assert info.value.findings[0].message.startswith("单元格是错误值 #DIV/0!（客服响应及时率）")
    assert "#N/A" in info.value.findings[1].message


def test_formulas_without_cached_values_say_open_and_save():
    assert errors(REAL / "uncalculated.xlsx") == [("Sheet1", "D2", "formula_uncalculated")]
    with pytest.raises(InputError, match=r"6 个公式没有计算结果.*Excel 或 WPS 打开并保存一次"):
        score(REAL / "uncalculated.xlsx", TYPED_SQ)


def test_not_applicable_marks_are_blank_and_explained():
    assert errors(REAL / "na_marks.xlsx") == [("Sheet1", "G2", "blank_na"), ("Sheet1", "E3", "blank_na"),
                                              ("Sheet1", "J4", "blank_na"), ("Sheet1", "H5", "blank_na"),
                                              ("Sheet1", "I6", "blank_na")]
    with pytest.raises(InputError) as info:
        score(REAL / "na_marks.xlsx", TYPED_SQ)
    assert info.value.findings[0].message.startswith("'/' 表示“不适用”，按空白处理")
    assert "missing: skip" in info.value.findings[0].message
    skip = load_scheme(TYPED_SQ).model_dump(mode="json") | {"missing": "skip"}
    result, _, summary = scored(REAL / "na_marks.xlsx", skip)
    # WX001 has 技术方案准确率 "/" (weight 15): the other 85 points are rescaled by 100 ÷ 85
    #   14.6667 × 100/85 = 17.25, 13.2353 × 100/85 = 15.57, 20.5 × 100/85 = 24.12, 9.7959 × 100/85 = 11.52,
    #   15.3333 × 100/85 = 18.04, 10.1053 × 100/85 = 11.89 → 98.39
    assert summary.at["WX001", "total"] == 98.39
    assert result.scores.loc[2, "技术方案准确率"] != result.scores.loc[2, "技术方案准确率"]  # NaN: skipped
    zero = load_scheme(TYPED_SQ).model_dump(mode="json") | {"missing": "zero"}
    _, _, summary = scored(REAL / "na_marks.xlsx", zero)
    assert summary.at["WX001", "total"] == round(98.33 - 14.68, 2)  # the 14.68 of 技术方案准确率 is 0


def test_scheme_adds_its_own_not_applicable_marks(tmp_path):
    scheme = load_scheme(TYPED_SQ).model_dump(mode="json") | {"missing": "skip", "not_applicable": ["停用"]}
    path = tmp_path / "a.csv"
    lines = (REAL / "gbk_footer.csv").read_bytes().decode("gbk").splitlines()
    lines[1] = lines[1].replace("0.93", "停用", 1)  # WX001's 技术方案准确率
    path.write_text("\n".join(lines), encoding="utf-8")
    _, _, summary = scored(path, scheme)
    assert summary.at["WX001", "total"] == 98.39  # as with "/" above


def test_a_mark_that_is_a_label_stays_a_label():
    scheme = {"name": "s", "dimensions": [{"name": "D", "indicators": [
        {"name": "合作", "weight": 100, "rule": {"type": "mapping", "scale": True, "map": {"好": 2, "无": 0}}}]}]}
    import pandas as pd

    result = score(pd.DataFrame({"工号": ["1", "2"], "姓名": ["a", "b"], "合作": ["好", "无"]}), scheme)
    assert result.summary["total"].tolist() == [100.0, 0.0]  # 100 × 2 ÷ 2; "无" is the label worth 0


def test_hidden_rows_and_columns_are_scored_with_a_notice():
    result = assert_example(REAL / "hidden_rows.xlsx")
    assert notices(result) == [("Sheet1", None, "hidden_rows"), ("Sheet1", None, "hidden_columns")]
    assert "WX003" in result.warnings[0].message and "上门服务到达及时率" in result.warnings[1].message


def test_html_table_named_xls():
    result = assert_example(REAL / "crm_export.xls")
    assert notices(result) == [(None, "A9", "summary_row")]


def test_excel_2003_xml_named_xls():
    result = assert_example(REAL / "callcentre_2003.xls")
    assert result.sources[0].sheet == "话务数据" and notices(result) == []


def test_unicode_text_utf16_tabs():
    assert_example(REAL / "unicode_text.txt")


def test_gbk_csv_with_blank_lines_and_footers():
    result = assert_example(REAL / "gbk_footer.csv")
    assert notices(result) == [(None, "A9", "summary_row"), (None, "B10", "summary_row")]


def test_implausible_id_stays_an_error(tmp_path):
    path = tmp_path / "a.csv"
    text = (REAL / "gbk_footer.csv").read_bytes().decode("gbk").replace("WX003", "***", 1)
    path.write_text(text, encoding="utf-8")
    assert errors(path) == [(None, "A4", "id_implausible")]


@pytest.mark.parametrize(("data", "suffix", "code"), [
    (b"%PDF-1.7 ...", ".xlsx", "file_kind"),
    (b"\x89PNG\r\n\x1a\n....", ".xls", "file_kind"),
    (b"", ".csv", "file_kind"),
])
def test_a_file_that_is_not_a_table_is_named_for_what_it_is(tmp_path, data, suffix, code):
    path = tmp_path / f"a{suffix}"
    path.write_bytes(data)
    assert errors(path) == [(None, None, code)]


def test_a_csv_named_xlsx_is_read_with_a_notice(tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_bytes((REAL / "gbk_footer.csv").read_bytes())
    result = assert_example(path)
    assert notices(result)[0] == (None, None, "file_kind_mismatch")
    assert "文本（CSV）文件" in result.warnings[0].message


def test_encrypted_workbook(tmp_path):
    from kpiscore.io.sheets import sniff

    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le")
    path = tmp_path / "locked.xlsx"
    path.write_bytes(ole)
    assert sniff(ole) == "encrypted"
    assert errors(path) == [(None, None, "file_encrypted")]


def test_utf8_with_one_bad_byte_is_an_error_at_its_line(tmp_path):
    text = (REAL / "gbk_footer.csv").read_bytes().decode("gbk").encode("utf-8")
    path = tmp_path / "a.csv"
    lines = text.split(b"\r\n")
    lines[4] = lines[4] + b"\xff"
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(InputError) as info:
        score(path, TYPED_SQ)
    assert [(f.code, f.cell) for f in info.value.findings] == [("file_encoding", None)]
    assert "第 5 行" in info.value.findings[0].message


@pytest.fixture(scope="module")
def resaved(tmp_path_factory):
    """The corpus's workbooks saved again by LibreOffice as xls and ods, as a colleague would."""
    out = tmp_path_factory.mktemp("lo")
    files = [str(REAL / n) for n in ("merged_teams.xlsx", "two_row_header.xlsx", "error_cells.xlsx",
                                     "hidden_rows.xlsx", "na_marks.xlsx")]
    profile = (out / "profile").as_uri()  # a profile of its own: another soffice's lock never skips a file
    for fmt in ("xls", "ods"):
        for _ in range(2):  # soffice may exit 0 having converted nothing: once more, then the test says so
            subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt,
                            "--outdir", str(out), *files], check=True, capture_output=True, timeout=180)
            if all((out / f"{Path(f).stem}.{fmt}").exists() for f in files):
                break
    return out


@LIBREOFFICE
@pytest.mark.parametrize("suffix", ["xls", "ods"])
def test_saved_by_libreoffice(resaved, suffix):
    result = assert_example(resaved / f"merged_teams.{suffix}")
    assert notices(result) == [("考核表", "C12", "summary_row"), ("考核表", "C13", "summary_row")]
    assert_example(resaved / f"two_row_header.{suffix}")
    assert errors(resaved / f"error_cells.{suffix}") == ERROR_CELLS
    result = assert_example(resaved / f"hidden_rows.{suffix}")
    assert notices(result) == [("Sheet1", None, "hidden_rows"), ("Sheet1", None, "hidden_columns")]
    assert [c for _, c, _ in errors(resaved / f"na_marks.{suffix}")] == ["G2", "E3", "J4", "H5", "I6"]


def test_which_rows_are_summaries():
    import pandas as pd

    scheme = {"name": "s", "dimensions": [{"name": "D", "indicators": [{"name": "率", "weight": 100,
                                                                        "target": "100%"}]}]}
    rows = [("E1", "李平均", "一部", 0.9),        # a person whose name ends in 平均: scored
            ("E2", "Notely", "一部", 0.8),        # and an English name that starts like "note"
            ("一部小计", None, "一部", 1.7),
            (None, "合 计", None, 1.7),           # spaced out, as two-character words often are
            (None, "Average", None, 0.85),
            ("部门平均", None, None, 0.85),
            ("注：试用期人员不参加考核", None, None, None),
            (None, None, "审核人：李总", None)]
    frame = pd.DataFrame(rows, columns=["工号", "姓名", "部门", "率"])
    result = score(frame, scheme)
    assert result.people["id"].tolist() == ["E1", "E2"]
    assert [(w.cell, w.code) for w in result.warnings] == [(f"{c}{r}", "summary_row") for c, r in
                                                           [("A", 4), ("B", 5), ("B", 6), ("A", 7), ("A", 8),
                                                            ("C", 9)]]


def test_spaced_out_header_names_and_a_header_merged_across(tmp_path):
    import xlsxwriter

    path = tmp_path / "a.xlsx"
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("S")
    ws.write_row(0, 0, ["工  号", "姓　名", "部门"])
    ws.merge_range(0, 3, 0, 4, "客服响应及时率")  # one indicator merged over two columns: the first holds it
    for r, (pid, value) in enumerate([("E1", 0.9), ("E2", 0.81)], start=1):
        ws.write_row(r, 0, [pid, f"员工{r}", "一部", value, "备注"])
    ws.write_string(3, 0, "主管签字：王五")
    ws.write_string(4, 1, "部门负责人：李四")
    book.close()
    scheme = {"name": "s", "dimensions": [{"name": "D", "indicators": [
        {"name": "客服响应及时率", "weight": 100, "target": "90%"}]}]}
    result = score(path, scheme)
    # 100 × 90% ÷ 90% = 100.00; 100 × 81% ÷ 90% = 90.00
    assert result.summary["total"].tolist() == [100.0, 90.0]
    assert [(w.cell, w.code) for w in result.warnings] == [("A4", "summary_row"), ("B5", "summary_row")]


def test_a_biff8_workbook_keeps_its_error_values_and_hidden_rows():
    # errors-hidden.xls: an xlsx with =1/0, =NA(), =VALUE("x"), rows 4 and 8 and column D hidden, saved by
    # LibreOffice as Excel 97 (BIFF8). calamine reads an error value as a blank; the BIFF records say it
    from kpiscore.io.tables import read_table

    raw, src = read_table(REAL.parent / "errors-hidden.xls", "工号", None)
    assert (raw.at[3, "及时率"], raw.at[5, "满意度"], raw.at[7, "及时率"]) == ("#DIV/0!", "#N/A", "#VALUE!")
    assert (src.sheet, src.hidden_rows, src.hidden_columns) == ("考核", {4, 8}, {"满意度"})
