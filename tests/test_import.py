"""`kpiscore import`: a department's own KPI table, as HR keeps it, read into a scheme through the command line.

Each table is a real file in `tmp_path` (xlsx with a merged title and merged dimensions, a GBK CSV, an HTML
`.xls`, a Word table); the scheme written is loaded as any scheme is and checked field by field. A rule that is
not understood is a finding at its cell, and nothing is written unless `--draft` asks for the TODOs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from typer.testing import CliRunner

from kpiscore import api
from kpiscore.cli import app
from kpiscore.core.reading import understand

EXAMPLE = Path(__file__).parent.parent / "examples" / "service-manager-kpi.xlsx"
HEADING = ["考核维度", "指标名称", "权重", "目标值", "评分标准"]


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def xlsx(path: Path, rows: list[list[object]], merges: tuple[str, ...] = ()) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "考核表"
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    book.save(path)
    return path


def rules(path: Path) -> dict[str, object]:
    """Each indicator's and adjustment's fields (but its name) of a written scheme, by name."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = [i for d in data["dimensions"] for i in d["indicators"]] + data.get("adjustments", [])
    return {i.pop("name"): i for i in items}


def test_the_shipped_table_imports_into_a_scheme_that_validates(tmp_path):
    out = tmp_path / "sm.yaml"
    result = run("import", str(EXAMPLE), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "已写出" in result.output and "10 个指标" in result.output
    got = rules(out)
    assert got["服务响应速度"] == {"weight": 20, "rule": {"type": "count", "points": 1}}
    assert got["客户服务投诉"] == {"weight": 15, "rule": {"type": "count", "points": 1, "allow": 3}}
    assert got["岗位培训教材内容覆盖率"] == {"weight": 5, "target": "80%", "rule": "threshold"}
    assert got["新转正员工岗位培训合格率"] == {"weight": 5, "rule": {"type": "count", "points": 5}}  # 扣５分
    assert got["周/月/季报提交准时率"] == {"weight": 5, "target": "95%", "rule": {"type": "deduct", "per": "1%",
                                                                                "points": 1}}
    assert got["无效售后服务次数比率"]["direction"] == "lower"
    assert got["无效售后服务次数比率"]["rule"]["bands"][:2] == [{"when": "<= 1%", "score": 10},
                                                             {"when": "(1%, 2%]", "score": [10, 8]}]
    assert got["上级安排临时任务完成情况"]["rule"] == {"type": "rating", "scale": 5, "raters": ["销售总监评分"]}
    assert got["客户书面表扬"] == {"rule": {"type": "bonus", "points": 1, "max": 5}}
    assert got["重大服务事故"] == {"rule": {"type": "veto"}}
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert [(d["name"], d.get("weight")) for d in data["dimensions"]] == [("工作绩效", 70), ("工作能力", 15),
                                                                       ("工作态度", 15)]
    scheme = api.load_scheme(out)
    assert sum(i.weight for d in scheme.dimensions for i in d.indicators) == 100
    assert run("validate", "--scheme", str(out)).exit_code == 0
    # a reading the table leaves to custom is said, at its cell, on screen and above the indicator
    assert "service-manager-kpi.xlsx › 岗位KPI › E6: 2% 两档都写到了，按较好的一档计" in result.output
    text = out.read_text(encoding="utf-8")
    assert "# 原文（E10）：每低于目标1个百分点扣1分，扣完为止\n" in text
    assert "# 读作：deduct: 目标 95%，每低于目标 1% 扣 1 分\n" in text


def test_the_imported_scheme_scores_as_the_table_says(tmp_path):
    """售后服务报告准时率 92%: 12 + (15 − 12) × (92% − 90%) ÷ (95% − 90%) = 13.2; 周报准时率 92.5%:
    5 − 1 × 2.5 = 2.5; 内部合作满意度 较满意: 8 × 2 ÷ 3 = 5.33."""
    out = tmp_path / "sm.yaml"
    assert run("import", str(EXAMPLE), "-o", str(out)).exit_code == 0
    scheme = api.load_scheme(out)
    frame = {"工号": ["S1"], "姓名": ["甲"], "售后服务报告准时率": ["92%"], "周/月/季报提交准时率": ["92.5%"],
             "内部合作满意度": ["较满意"]}
    for item in [i for d in scheme.dimensions for i in d.indicators] + scheme.adjustments:
        for column in item.inputs:
            frame.setdefault(column, [None if item.rule.type in ("count", "bonus", "veto") else "100%"])
    frame.update({"服务响应速度": [0], "销售总监评分": [5]})
    import pandas as pd

    result = api.score(pd.DataFrame(frame), scheme)
    assert float(result.scores["售后服务报告准时率"].iloc[0]) == pytest.approx(13.2)
    assert float(result.scores["周/月/季报提交准时率"].iloc[0]) == pytest.approx(2.5)
    assert float(result.scores["内部合作满意度"].iloc[0]) == pytest.approx(5.33)


def test_a_rule_not_understood_writes_nothing_and_says_where(tmp_path):
    table = xlsx(tmp_path / "考核表.xlsx", [["客服部考核表"], HEADING,
                                             ["业绩", "回款率", "60%", "95%", "低于目标值则按比例扣分"],
                                             ["业绩", "满意度", "40%", "90%", "每低1%扣2分"]])
    out = tmp_path / "考核表.yaml"
    result = run("import", str(table))
    assert result.exit_code == 1
    assert not out.exists()
    assert ("考核表.xlsx › 考核表 › E3: 评分标准没有说清怎样计分：「低于目标值则按比例扣分」"
            "（按比例、基本分、排名、酌情、"
            "分数范围由人定，都需要写明），kpiscore 不会猜：请写出规则") in result.output
    assert "没有写出方案：1 处无法识别" in result.output
    result = run("import", str(table), "--draft")
    assert result.exit_code == 0, result.output
    assert "1 处 TODO 待补" in result.output
    assert rules(out)["回款率"] == {"weight": 60, "rule": "TODO"}
    refused = run("validate", "--scheme", str(out))
    assert refused.exit_code == 1
    assert ("考核表.yaml:11 dimensions[0].indicators[0].rule: 导入时未能识别，写作 TODO："
            "请按上方注释里的表中原文写出规则，"
            "再删掉 TODO") in refused.output
    assert run("import", str(table), "--draft").exit_code == 2  # written already: --force to replace it
    assert run("import", str(table), "--draft", "--force").exit_code == 0


def test_a_gbk_csv_with_fractions_of_one_and_a_summary_row(tmp_path):
    """0.6 + 0.4 = 1: the weights are shares (60, 40); 合计 is no indicator."""
    table = tmp_path / "kpi.csv"
    table.write_bytes("指标名称,权重,目标值,评分标准\n一次解决率,0.6,85%,每低于目标1个百分点扣2分\n"
                      "有责投诉,0.4,,每次扣5分\n合计,1,,\n".encode("gbk"))
    out = tmp_path / "kpi.yaml"
    assert run("import", str(table)).exit_code == 0
    assert rules(out) == {"一次解决率": {"weight": 60, "target": "85%", "rule": {"type": "deduct", "per": "1%",
                                                                               "points": 2}},
                          "有责投诉": {"weight": 40, "rule": {"type": "count", "points": 5}}}


def test_dimension_weights_and_a_two_row_heading(tmp_path):
    """能力指标（85%）, its indicators weighted within it (5% + 95%); the heading 考核指标 merged over 指标名称 and
    权重; 8.5 of 100 is 10% of 85%. A table's 每低1% on a 85%-dimension item keeps the table's own points."""
    table = xlsx(tmp_path / "t.xlsx", [
        ["考核维度", "考核指标", None, "目标值", "评分标准"],
        [None, "指标名称", "权重", None, None],
        ["能力指标（85%）", "客户回访", "10%", None, "完成所有回访安排 10 分完成 90%以上 5 分完成低于 90%为 0 分"],
        [None, "客户满意度", "90%", "95%", "每低1%扣1分"],
        ["态度指标（15%）", "主动性", "100%", None, "1 级 5 分 2 级 10 分 3 级 15 分"]],
        merges=("B1:C1", "A3:A4"))
    out = tmp_path / "t.yaml"
    result = run("import", str(table))
    assert result.exit_code == 0, result.output
    scheme = api.load_scheme(out)
    weights = {i.name: i.weight for d in scheme.dimensions for i in d.indicators}
    assert weights == {"客户回访": pytest.approx(8.5), "客户满意度": pytest.approx(76.5), "主动性": pytest.approx(15)}
    assert rules(out)["客户回访"]["rule"] == {"type": "bands", "out_of": 10, "bands": [
        {"when": ">= 100%", "score": 10}, {"when": "[90%, 100%)", "score": 5}, {"when": "< 90%", "score": 0}]}
    # 15 points at 3级 are the dimension's 15 already: no scaling
    assert rules(out)["主动性"]["rule"] == {"type": "mapping", "map": {"1级": 5, "2级": 10, "3级": 15}}


def test_weights_that_do_not_add_up_are_a_finding_at_the_weight_heading(tmp_path):
    table = xlsx(tmp_path / "w.xlsx", [HEADING, ["业绩", "回款率", "60%", "95%", "每低1%扣2分"],
                                       ["业绩", "满意度", "30%", "90%", "每低1%扣2分"]])
    result = run("import", str(table))
    assert result.exit_code == 1
    assert "w.xlsx › 考核表 › C1: " in result.output and "90" in result.output


def test_html_xls_and_word_tables(tmp_path):
    """The `.xls` an OA system exports (a web page, the dimension as a rowspan) and a table kept in Word."""
    page = ("<html><body><table><tr><td>考核维度</td><td>指标名称</td><td>权重</td><td>评分标准</td></tr>"
            "<tr><td rowspan=2>服务</td><td>有责投诉</td><td>50</td><td>每次扣5分</td></tr>"
            "<tr><td>迟到</td><td>50</td><td>每次扣2分</td></tr></table></body></html>")
    (tmp_path / "oa.xls").write_text(page, encoding="utf-8")
    assert run("import", str(tmp_path / "oa.xls")).exit_code == 0
    data = yaml.safe_load((tmp_path / "oa.yaml").read_text(encoding="utf-8"))
    assert [i["name"] for i in data["dimensions"][0]["indicators"]] == ["有责投诉", "迟到"]
    import docx

    document = docx.Document()
    document.add_paragraph("客服专员考核表")
    table = document.add_table(rows=3, cols=4)
    for r, row in enumerate([["考核维度", "指标名称", "权重", "评分标准"], ["服务", "有责投诉", "50", "每次扣５分"],
                             ["", "迟到", "50", "每次扣两分"]]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(1, 0).merge(table.cell(2, 0))
    document.save(str(tmp_path / "kpi.docx"))
    result = run("import", str(tmp_path / "kpi.docx"))
    assert result.exit_code == 0, result.output
    got = rules(tmp_path / "kpi.yaml")
    assert got == {"有责投诉": {"weight": 50, "rule": {"type": "count", "points": 5}},
                   "迟到": {"weight": 50, "rule": {"type": "count", "points": 2}}}  # 两分 is 2


def test_percents_typed_into_excel_are_the_percents_shown(tmp_path):
    """95% typed into a cell is the number 0.95 in a percent format: the target 95%, not 0.95."""
    book = Workbook()
    sheet = book.active
    for row in (["指标名称", "权重", "目标值", "评分标准"], ["一次解决率", 0.6, 0.95, "每低1%扣2分"],
                ["满意度", 0.4, 0.855, "每低1%扣1分"]):
        sheet.append(row)
    for r in (2, 3):
        sheet.cell(r, 2).number_format, sheet.cell(r, 3).number_format = "0%", "0.0%"
    book.save(tmp_path / "p.xlsx")
    assert run("import", str(tmp_path / "p.xlsx")).exit_code == 0
    got = rules(tmp_path / "p.yaml")
    assert (got["一次解决率"]["weight"], got["一次解决率"]["target"]) == (60, "95%")
    assert (got["满意度"]["weight"], got["满意度"]["target"]) == (40, "85.5%")


def test_cell_text_stays_text(tmp_path):
    """A name that YAML would read as a number, a formula or an alias stays the name it was."""
    table = xlsx(tmp_path / "n.xlsx", [HEADING, ["业绩", "2024", "50", None, "每次扣5分"],
                                       ["业绩", "*别名", "50", None, "每次扣2分"]])
    assert run("import", str(table)).exit_code == 0
    assert list(rules(tmp_path / "n.yaml")) == ["2024", "*别名"]


def test_a_table_without_the_columns_is_said(tmp_path):
    table = xlsx(tmp_path / "x.xlsx", [["工号", "姓名"], ["S1", "甲"]])
    result = run("import", str(table))
    assert result.exit_code == 1
    assert "x.xlsx › 考核表: 找不到考核表的表头：需要「指标名称」和「评分标准」两列" in result.output


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("每低高于1%扣加得分次以上下内,;。:-()最多少满不0123456789.达到目标")),
               max_size=60), st.one_of(st.none(), st.floats(1, 100)))
def test_any_text_is_a_rule_or_a_finding(text, weight):
    """Whatever a cell holds, the grammar ends in a rule or a finding, never an exception."""
    got = understand(text, weight, None)
    assert bool(got.fields.get("rule")) != bool(got.problems) or not text.strip()


def _round(scheme: object, frame: object, sources: dict[str, Path] | None, tmp_path: Path) -> api.Scheme:
    """Score, write the workbook, import it, load what import wrote."""
    loaded = api.load_scheme(scheme)  # type: ignore[arg-type]
    result = api.score(frame, loaded, sources=sources or {})
    book = tmp_path / "scored.xlsx"
    api.write_result(result, book, "xlsx", True)
    out = tmp_path / "back.yaml"
    run_result = run("import", str(book), "-o", str(out), "--force")
    assert run_result.exit_code == 0, run_result.output
    return api.load_scheme(out)


EXAMPLES = Path(__file__).parent.parent / "examples"
STARTERS = {"aftersales": ("aftersales.xlsx", {}), "service-manager": ("service-manager.xlsx", {}),
            "service-quality": ("service-quality.xlsx", {"survey": "service-quality-survey.csv"}),
            "express-cs": ("express-cs.csv", {"chats": "express-cs-chats.csv"})}


@pytest.mark.parametrize("starter", sorted(STARTERS))
def test_a_scored_workbook_gives_back_its_starter_scheme(starter, tmp_path):
    actuals, sources = STARTERS[starter]
    back = _round(starter, EXAMPLES / actuals, {k: EXAMPLES / v for k, v in sources.items()}, tmp_path)
    assert back.content_hash == api.load_scheme(starter).content_hash


def test_a_scored_workbook_gives_back_a_scheme_of_every_rule(tmp_path):
    from test_english import SCHEME, _frame

    back = _round(SCHEME, _frame(), None, tmp_path)
    assert back.content_hash == api.load_scheme(SCHEME).content_hash
    assert {i.rule.type for d in back.dimensions for i in d.indicators} | {a.rule.type for a in back.adjustments} \
        == {"ratio", "deduct", "count", "clauses", "checklist", "bands", "threshold", "mapping", "rating", "bonus",
            "penalty", "veto"}


def test_a_scheme_sheet_changed_by_hand_is_said_never_taken(tmp_path):
    """The workbook recorded weight 30; the sheet now shows 35: a finding at D4, and a draft's TODO there."""
    from openpyxl import load_workbook

    result = api.score(EXAMPLES / "aftersales.xlsx", api.load_scheme("aftersales"))
    book = tmp_path / "scored.xlsx"
    api.write_result(result, book, "xlsx", True)
    edited = load_workbook(book)
    edited["方案"]["D4"] = 35
    edited.save(book)
    refused = run("import", str(book), "-o", str(tmp_path / "back.yaml"))
    assert refused.exit_code == 1
    assert ("scored.xlsx › 方案 › D4: 方案表这一格显示「35」，工作簿记录的方案是「30」：方案要改在 YAML 方案文件里，"
            "而不是评分结果的方案表（--draft 写出时这一项为 TODO）") in refused.output
    assert run("import", str(book), "-o", str(tmp_path / "back.yaml"), "--draft").exit_code == 0
    assert rules(tmp_path / "back.yaml")["返修任务达成率"]["weight"] == "TODO"
