"""Input templates: template → filled as a user would (openpyxl) → score → hand-worked totals, per starter."""

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from kpiscore import load_scheme, score
from kpiscore.cli import app
from kpiscore.io.template import input_columns, write_template

runner = CliRunner()
TEMPLATES = Path(__file__).parents[1] / "templates"


def fill(template: Path, rows: list[dict], out: Path) -> Path:
    """Type values under the template's header (row 3) as a user would, from row 4 on."""
    book = load_workbook(template)
    ws = book.worksheets[0]
    header = {cell.value: cell.column for cell in ws[3]}
    for r, row in enumerate(rows, start=4):
        for name, value in row.items():
            ws.cell(r, header[name], value)
    book.save(out)
    return out


def make(tmp_path, scheme_name, rows, sources=None):
    scheme = load_scheme(scheme_name)
    template = tmp_path / f"{scheme_name}_template.xlsx"
    write_template(scheme, template)
    return score(fill(template, rows, tmp_path / "filled.xlsx"), scheme, sources=sources)


def survey(path, satisfied):
    """A satisfaction survey's export for 2024Q1: per person, (satisfied answers, all answers)."""
    lines = ["工号,回访日期,满意度"]
    for person, (yes, total) in satisfied.items():
        lines += [f"{person},2024-02-{1 + i % 28:02d},{'满意' if i < yes else '不满意'}" for i in range(total)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"survey": path}


def chats(path, seconds):
    """A chat export for March 2024: per agent, the 首次响应秒 of each chat."""
    lines = ["客服工号,会话开始时间,首次响应秒"]
    lines += [f"{agent},2024-03-{1 + i:02d} 10:00:00,{s}"
              for agent, each in seconds.items() for i, s in enumerate(each)]
    path.write_text("\n".join(lines) + "\n", encoding="gbk")
    return {"chats": path}


def by_id(result):
    return {e["id"]: e for e in result.to_dict()["employees"]}


def test_template_layout_notes_validation(tmp_path):
    scheme = load_scheme("service-manager")
    path = tmp_path / "t.xlsx"
    write_template(scheme, path)
    book = load_workbook(path)
    assert book.sheetnames == ["考核数据", "填写说明"]
    ws = book["考核数据"]
    assert ws["A1"].value == "售后服务经理岗位KPI · 2024Q1 · 考核数据录入表"
    header = [c.value for c in ws[3]]
    assert header == [c.heading for c in input_columns(scheme)]
    assert header[:3] == ["工号", "姓名", "部门"] and header[-3:] == ["客户书面表扬", "工作失误", "重大服务事故"]
    assert header[12:14] == ["销售总监评分", "售后服务主管评分"]  # the rating's raters, not the indicator
    assert ws.freeze_panes == "C4"
    note = ws.cell(3, header.index("售后服务报告准时率") + 1).comment.text
    assert "目标: 95%" in note and "[90%, 95%): 12–15" in note and "88% 或 0.88" in note
    validations = {str(v.sqref): v for v in ws.data_validations.dataValidation}
    col = {h: ws.cell(3, i + 1).column_letter for i, h in enumerate(header)}
    pct = validations[f"{col['售后服务报告准时率']}4:{col['售后服务报告准时率']}1003"]
    assert (pct.type, pct.operator or "between", pct.formula1, pct.formula2) == ("decimal", "between", "0", "1.5")
    assert pct.promptTitle == "售后服务报告准时率" and pct.showErrorMessage
    count = validations[f"{col['客户服务投诉(次/季度)']}4:{col['客户服务投诉(次/季度)']}1003"]
    assert (count.type, count.operator, count.formula1) == ("whole", "greaterThanOrEqual", "0")
    labels = validations[f"{col['内部合作满意度']}4:{col['内部合作满意度']}1003"]
    assert (labels.type, labels.formula1) == ("list", '"很满意,较满意,不满意,很不满意"')
    rating = validations[f"{col['销售总监评分']}4:{col['销售总监评分']}1003"]
    assert (rating.type, rating.formula1, rating.formula2) == ("decimal", "1", "5")
    assert ws.column_dimensions[col["售后服务报告准时率"]].number_format == "0.00%"
    assert ws.column_dimensions["A"].number_format == "@"  # ids typed as text keep their zeros
    instructions = [r for r in book["填写说明"].iter_rows(values_only=True)]
    line = next(r for r in instructions if r[1] == "售后服务报告准时率")
    assert line[3] == "15" and line[4] == "95%" and line[8].endswith("= 13.50")
    assert any("88% 或 0.88" in (r[0] or "") for r in instructions)
    props = {p.name: p.value for p in book.custom_doc_props.props}
    assert props == {"kpiscore_scheme": "售后服务经理岗位KPI", "kpiscore_scheme_sha256": scheme.content_hash}


def test_service_quality_round_trip(tmp_path):
    # 客户满意度(CSAT) from the survey: 46 of 50 answers satisfied = 92%; 9 of 10 = 90%
    r = make(tmp_path, "service-quality", [
        {"工号": "00123", "姓名": "张伟", "部门": "维修一部", "客服响应及时率": 0.88, "上门服务到达及时率": 0.75,
         "问题一次性解决率": 0.82, "技术方案准确率": 0.93, "服务流程合规率": 0.96, "投诉处理及时率": 0.96},
        {"工号": "00124", "姓名": "王芳", "部门": "维修一部", "客服响应及时率": "90%", "上门服务到达及时率": "85%",
         "问题一次性解决率": "80%", "技术方案准确率": "95%", "服务流程合规率": "98%", "投诉处理及时率": "95%"}],
        survey(tmp_path / "survey.csv", {"00123": (46, 50), "00124": (9, 10)}))
    e = by_id(r)
    # 15×88/90=14.67 + 15×75/85=13.24 + 20×82/80=20.50 + 15×93/95=14.68 + 10×96/98=9.80 + 15×92/90=15.33
    # + 10×96/95=10.11 = 98.33 ; every actual at its target: 100.00
    assert (e["00123"]["total"], e["00123"]["grade"]) == (98.33, "优秀")
    assert (e["00124"]["total"], e["00124"]["grade"]) == (100.0, "优秀")


def test_aftersales_round_trip(tmp_path):
    r = make(tmp_path, "aftersales", [
        {"工号": "00101", "姓名": "孙丽", "岗位": "经理", "返修任务达成率": 0.915, "报表准确完整份数": 99,
         "报表应报份数": 100, "返修产品品质合格率": 0.985, "上级评分": 4, "工作失误(次)": 1, "绩效奖金基数": 2000}])
    e = by_id(r)["00101"]
    # 30 − 1×3.5 = 26.50 ; 99 / 100 = 99% ≥ 98%: 10 ; 20 − 1×0.5 = 19.50 ; 40×4÷5 = 32 ; − 3×1 → 85.00, 良好 ×1.0 → 2000
    assert e["scores"] == {"返修任务达成率": 26.5, "售后数据报表、档案管理准确完整率": 10.0, "返修产品品质合格率": 19.5,
                           "上级领导主观评价": 32.0}
    assert (e["penalty"], e["total"], e["grade"], e["coefficient"], e["payout"]) == (3.0, 85.0, "良好", 1.0, 2000.0)


def test_service_manager_round_trip(tmp_path):
    r = make(tmp_path, "service-manager", [
        {"工号": "M001", "姓名": "赵敏", "部门": "华东", "超时响应次数": 1, "售后服务报告准时率": "92%",
         "客户服务投诉(次/季度)": 5, "无效售后服务次数比率": 0.015, "文档PLM使用率": 0.93,
         "岗位培训教材内容覆盖率": "85%", "培训考试不合格人数": 0, "周/月/季报提交准时率": 0.915,
         "内部合作满意度": "较满意", "销售总监评分": 4, "售后服务主管评分": 4.5, "客户书面表扬": 2}])
    e = by_id(r)["M001"]
    # 20−1=19 ; 12+3×0.4=13.20 ; 15−(5−3)=13 ; 10+(8−10)×0.5=9 ; 8+2×0.6=9.20 → 工作绩效 63.40
    # 5 (85% ≥ 80%) ; 5 (no failures) ; 5−3.5=1.50 → 工作能力 11.50
    # 8×2÷3=5.33 ; 7×(60×4+40×4.5)÷100÷5=7×4.2÷5=5.88 → 工作态度 11.21 ; bonus 2 → 88.11
    assert e["dimensions"] == {"工作绩效": 63.4, "工作能力": 11.5, "工作态度": 11.21}
    assert (e["bonus"], e["total"], e["grade"], e["veto"]) == (2.0, 88.11, "良好", False)


def test_express_cs_round_trip_with_skip(tmp_path):
    r = make(tmp_path, "express-cs", [
        {"工号": "KF1001", "姓名": "何雪", "班组": "早班", "一次性解决率": "88%",
         "工单处理及时率": 0.97, "信息准确率": "99%", "质检员A": 92, "质检员B": 88, "质检员C": 95, "有责投诉(次)": 0,
         "客户满意度评分(CSAT)": 0.93, "团队协作性": "优", "客户表扬次数": 3},
        {"工号": "KF1002", "姓名": "高峰", "班组": "早班", "一次性解决率": 0.8,
         "信息准确率": "97.5%", "质检员A": 85, "质检员B": 90, "质检员C": 80, "有责投诉(次)": 1,
         "客户满意度评分(CSAT)": "88%", "团队协作性": "良"}],
        chats(tmp_path / "chats.csv", {"KF1001": [12, 18, 24], "KF1002": [20, 25, 30]}))  # means 18 s and 25 s
    e = by_id(r)
    # KF1001: 15×min(20÷18, 1)=15 ; 20×88÷85=20.71 ; 15×97÷95=15.32 ; 10 ; trimmed mean of 92,88,95 = 92:
    # 15×0.92=13.80 ; 10 ; 10×93÷90=10.33 ; 优 5×5÷5=5 ; bonus 3 → 103.16
    assert e["KF1001"]["total"] == 103.16
    # KF1002: 工单处理及时率 blank → skipped, the rest × 100÷85:
    # 12→14.12 ; 18.8235→22.15 ; (10−2×ceil(0.5))=8→9.41 ; 12.75→15.00 ; 5→5.88 ; 9.7778→11.50 ; 4→4.71 = 82.77
    assert e["KF1002"]["scores"]["工单处理及时率"] is None
    assert e["KF1002"]["total"] == 82.77


def test_cli_template_roster_and_stamp_warning(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text("花名册\n工号,姓名,部门\n00123,张三,一部\n00124,李四,二部\n", encoding="gbk")
    made = runner.invoke(app, ["template", "--scheme", "service-quality", "--roster", str(roster)])
    assert made.exit_code == 0, made.output
    path = tmp_path / "service-quality_template.xlsx"
    ws = load_workbook(path).worksheets[0]
    assert [[c.value for c in row[:3]] for row in ws.iter_rows(min_row=4, max_row=5)] == [
        ["00123", "张三", "一部"], ["00124", "李四", "二部"]]
    assert runner.invoke(app, ["template", "--scheme", "service-quality"]).exit_code == 2  # exists
    values = {"客服响应及时率": 0.9, "上门服务到达及时率": 0.85, "问题一次性解决率": 0.8, "技术方案准确率": 0.95,
              "服务流程合规率": 0.98, "投诉处理及时率": 0.95}
    filled = fill(path, [values, values], tmp_path / "filled.xlsx")
    given = survey(tmp_path / "survey.csv", {"00123": (9, 10), "00124": (9, 10)})
    option = f"--source=survey={given['survey']}"
    ok = runner.invoke(app, ["score", str(filled), "-s", "service-quality", option, "-o", "-"])
    assert ok.exit_code == 0 and "方案已修改" not in ok.stderr
    changed = tmp_path / "changed.yaml"
    text = (TEMPLATES / "service-quality.yaml").read_text(encoding="utf-8")
    changed.write_text(text.replace("target: 98%", "target: 97%"), encoding="utf-8")
    warned = runner.invoke(app, ["score", str(filled), "-s", str(changed), option, "-o", "-"])
    assert warned.exit_code == 0 and "方案已修改" in warned.stderr
    comments_only = tmp_path / "comments.yaml"
    comments_only.write_text("# a new comment\n" + text, encoding="utf-8")
    same = runner.invoke(app, ["score", str(filled), "-s", str(comments_only), option, "-o", "-"])
    assert "方案已修改" not in same.stderr  # the hash is of the scheme as applied, not of its file


def test_roster_duplicates_reported(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("工号,姓名,岗位\n1,甲,经理\n1,乙,客服专员\n", encoding="utf-8")
    result = runner.invoke(app, ["template", "-s", "aftersales", "--roster", str(roster), "-o",
                                 str(tmp_path / "t.xlsx")])
    assert result.exit_code == 1 and "r.csv › A3" in result.stderr and not (tmp_path / "t.xlsx").exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_keeps_drop_downs_and_notes(tmp_path):
    import subprocess

    path = tmp_path / "t.xlsx"
    write_template(load_scheme("service-manager"), path)
    out = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=240)
    ws = load_workbook(out / "t.xlsx").worksheets[0]
    assert any(v.type == "list" for v in ws.data_validations.dataValidation)
    assert "很满意 3" in ws["L3"].comment.text
