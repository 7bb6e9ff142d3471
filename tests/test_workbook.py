"""The scored workbook, opened again with openpyxl: sheets, values, formats, chart, plan, provenance."""

import hashlib
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from helpers import EXAMPLE_SOURCES, HEADER, scheme_dict, write_xlsx
from openpyxl import load_workbook

from kpiscore import analysis, load_scheme, score, write_workbook

EXAMPLES = Path(__file__).parents[1] / "examples"
ZH_SHEETS = ["得分", "计算明细", "团队汇总", "统计摘要", "改进计划", "方案"]
EN_SHEETS = ["Scores", "Audit", "Groups", "Summary", "Improvement", "Scheme"]


@pytest.fixture(scope="module")
def service_quality(tmp_path_factory):
    out = tmp_path_factory.mktemp("wb") / "sq.xlsx"
    result = score(EXAMPLES / "service-quality.xlsx", "service-quality", sources=EXAMPLE_SOURCES["service-quality"])
    write_workbook(result, out)
    return out


def rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_sheets_and_scores(service_quality):
    book = load_workbook(service_quality)
    # its 客户满意度(CSAT) is worked out from a survey export; the scheme recorded where no one sees it, for import
    assert book.sheetnames == [*ZH_SHEETS, "kpiscore", "数据来源"]
    assert book["kpiscore"].sheet_state == "veryHidden"
    ws = book["得分"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["工号", "姓名", "部门", "客服响应及时率", "客服响应及时率得分"]
    assert header[-6:] == ["总分", "等级", "排名", "部门内排名", "一票否决", "距下一等级"]
    first = dict(zip(header, [c for c in ws[2]], strict=True))
    assert first["客服响应及时率"].value == 0.88 and first["客服响应及时率"].number_format == "0.00%"
    assert first["客服响应及时率得分"].value == 14.67 and first["客服响应及时率得分"].number_format == "0.00"
    assert (first["总分"].value, first["等级"].value, first["一票否决"].value) == (98.33, "优秀", "否")
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref == f"A1:{ws.cell(1, len(header)).column_letter}7"
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    assert {r.formula[0] for r in rules} >= {'"优秀"', '"良好"', '"达标"', '"待改进"', '"是"'}


def test_audit_first_row(service_quality):
    ws = load_workbook(service_quality)["计算明细"]
    header, first = rows(ws)[0], rows(ws)[1]
    line = dict(zip(header, first, strict=True))
    assert line["工号"] == "WX001"
    assert line["客服响应及时率"] == "15 × 88% ÷ 90% = 14.67"
    assert line["问题一次性解决率"] == "20 × 82% ÷ 80% = 20.50"
    assert line["总分计算"] == "27.91 + 35.18 + 9.80 + 25.44 = 98.33"


def test_groups_and_summary(service_quality):
    book = load_workbook(service_quality)
    groups = rows(book["团队汇总"])
    assert groups[0][:4] == ["部门", "人数", "平均总分", "团队排名"]
    by_name = {g[0]: g for g in groups[1:]}
    assert by_name["维修一部"][1] == 3 and by_name["维修二部"][1] == 3 and by_name["全部"][1] == 6
    # 维修一部: 98.33, 104.06, 91.55 → mean 97.98 ; 维修二部: 100.43, 82.53, 101.98 → 94.98 ; ranks 1, 2
    assert by_name["维修一部"][2] == pytest.approx(97.98) and by_name["维修一部"][3] == 1
    assert by_name["维修二部"][2] == pytest.approx(94.98) and by_name["维修二部"][3] == 2
    summary = rows(book["统计摘要"])
    assert ["优秀", 5, pytest.approx(5 / 6)] in [r[:3] for r in summary]
    assert ["良好", 1, pytest.approx(1 / 6)] in [r[:3] for r in summary]


def test_native_chart_on_summary(service_quality):
    with zipfile.ZipFile(service_quality) as zf:
        names = zf.namelist()
        assert "xl/charts/chart1.xml" in names
        chart = zf.read("xl/charts/chart1.xml").decode()
        assert "<c:barChart>" in chart and "统计摘要" in chart


def test_provenance_hashes(service_quality):
    cells = [v for r in rows(load_workbook(service_quality)["方案"]) for v in r if isinstance(v, str)]
    scheme_sha = hashlib.sha256((Path(__file__).parents[1] / "templates" / "service-quality.yaml").read_bytes())
    input_sha = hashlib.sha256((EXAMPLES / "service-quality.xlsx").read_bytes()).hexdigest()
    assert f"service-quality.yaml  SHA-256 {scheme_sha.hexdigest()}" in cells
    assert f"service-quality.xlsx  SHA-256 {input_sha}" in cells
    assert "0.1.0" in cells and "得分 = 15 × 实际值 ÷ 90%" in " ".join(cells)


def improvement_case(tmp_path, language="zh"):
    s = load_scheme({"name": "改进", "language": language, "dimensions": [{"name": "D", "indicators": [
        {"name": "A", "weight": 50, "target": "100%"}, {"name": "B", "weight": 50, "target": "100%",
                                                        "rule": {"type": "ratio", "cap": 1}}]}]})
    frame = pd.DataFrame([["1", "a", "X", 0.7, 1.0], ["2", "b", "X", 0.9, 1.0], ["3", "c", "Y", 0.6, 0.5]],
                         columns=["工号", "姓名", "部门", "A", "B"])
    return score(frame, s)


def test_improvement_rows_by_hand(tmp_path):
    r = improvement_case(tmp_path)
    # A: 35, 45, 30 of 50 → 0.7, 0.9, 0.6: mean 0.7333 < 0.8 ; B: 1, 1, 0.5 → 0.8333 (not listed)
    # group X: A 0.8 (not below 0.8), B 1.0 ; group Y: A 0.6, B 0.5
    plan = analysis.improvement(r)
    assert [(p.scope, p.indicator, round(p.achievement, 4)) for p in plan.itertuples()] == [
        (analysis.EVERYONE, "A", 0.7333), ("Y", "A", 0.6), ("Y", "B", 0.5)]
    out = tmp_path / "imp.xlsx"
    write_workbook(r, out)
    sheet = rows(load_workbook(out)["改进计划"])
    assert sheet[2] == ["范围", "维度", "指标", "权重", "平均得分", "达成率", "问题", "根因", "改进措施", "责任人",
                        "完成时限", "预期效果"]
    assert [r[:3] for r in sheet[3:6]] == [["全部", "D", "A"], ["Y", "D", "A"], ["Y", "D", "B"]]
    assert sheet[3][5] == pytest.approx(0.7333, abs=1e-4) and sheet[3][6] == "达成率 73.33% 低于 80%"
    assert sheet[3][7:] == [None] * 5


def test_english_sheet_names_and_labels(tmp_path):
    out = tmp_path / "en.xlsx"
    write_workbook(improvement_case(tmp_path, "en"), out)
    book = load_workbook(out)
    assert book.sheetnames == [*EN_SHEETS, "kpiscore"]
    assert [c.value for c in book["Scores"][1]][-5:] == ["Grade", "Rank", "Rank in group", "Veto",
                                                         "To the next grade"]
    assert rows(book["Improvement"])[2][:3] == ["Scope", "Dimension", "Indicator"]
    assert rows(book["Improvement"])[3][0] == "All"


def test_hostile_text_stays_text(tmp_path):
    hostile = '=HYPERLINK("http://evil","click")'
    path = write_xlsx(tmp_path / "h.xlsx", [HEADER, ["+1-2", hostile, "http://x.y", 0.9, 0.8, 0.95, 0, 0.95, "很满意"]])
    out = tmp_path / "h_scored.xlsx"
    write_workbook(score(path, load_scheme(scheme_dict())), out)
    book = load_workbook(out)
    for ws in (book["得分"], book["计算明细"]):
        a, b, c = ws["A2"], ws["B2"], ws["C2"]
        assert (a.value, b.value, c.value) == ("+1-2", hostile, "http://x.y")
        assert a.data_type == b.data_type == c.data_type == "s" and b.hyperlink is None
    with zipfile.ZipFile(out) as zf:
        assert not any("<f>" in zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/"))


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    import xlsxwriter

    r = improvement_case(tmp_path)
    out = tmp_path / "keep.xlsx"
    out.write_bytes(b"old")

    close = xlsxwriter.Workbook.close

    def boom(self):
        close(self)
        raise RuntimeError("disk full")

    monkeypatch.setattr(xlsxwriter.Workbook, "close", boom)  # the library fails as it finishes the workbook
    with pytest.raises(RuntimeError):
        write_workbook(r, out)
    assert out.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["keep.xlsx"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_it(service_quality, tmp_path):
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(service_quality)], check=True, capture_output=True, timeout=240)
    pdf = tmp_path / "sq.pdf"
    assert pdf.exists() and pdf.stat().st_size > 10_000
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "客服响应及时率" in text and "15 × 88% ÷ 90% = 14.67" in text
