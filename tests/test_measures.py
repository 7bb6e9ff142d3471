"""Sources and measures: actuals computed per employee from system exports, each cell located, the period's
rows kept by date, every input of a measure in the audit."""

import csv
import json

import pandas as pd
import pytest
from helpers import write_scheme, write_xlsx
from typer.testing import CliRunner

from kpiscore import InputError, SchemeError, UsageError, load_scheme, read_actuals, score
from kpiscore.cli import app
from kpiscore.core.measures import period_days
from kpiscore.text import voice
from kpiscore.words.result import Words

runner = CliRunner()

SCHEME = """\
name: 客服
period: 2024Q1
missing: skip
sources:
  chats: {id: 坐席工号, date: 会话时间}
  survey: {id: 工号}
measures:
  首次响应时长: {source: chats, agg: mean, of: 首次响应秒}
  30秒接通率: {source: chats, agg: share, where: {接通秒数: {"<=": 30}}}
  NPS: {source: survey, agg: nps, of: 推荐分}
  满意度: {source: survey, agg: share, where: {满意: [非常满意, 满意]}}
dimensions:
  - name: 服务
    indicators:
      - {name: 首次响应时长, weight: 15, target: 20, direction: lower, rule: {type: ratio, cap: 1.2}}
      - {name: 30秒接通率, weight: 25, target: 90%}
      - {name: NPS, weight: 30, target: 50}
      - {name: 满意度, weight: 30, target: 90%}
"""

CHATS = [["坐席工号", "会话时间", "首次响应秒", "接通秒数"],
         ["E1", "2024-01-03 10:00:00", "12", "10"], ["E1", "2024/2/3 9:00", "18", "31"],
         ["E1", "2024年3月31日", "25", "30"], ["E1", "2024-03-05T08:00:00", "45", "5"],
         ["E1", "2024-04-01 00:00:00", "999", "99"],  # after the quarter: not read
         ["E2", "2023-12-31", "1", "1"]]  # before it: E2 has no row in the period


def survey_rows() -> list[list[str]]:
    # E1: 20 answers, 12 of 9–10, 5 of 7–8, 3 of 0–6; 19 very satisfied or satisfied
    scores = [10] * 6 + [9] * 6 + [8] * 5 + [6, 3, 0]
    said = ["非常满意"] * 10 + ["满意"] * 9 + ["不满意"]
    return [["工号", "推荐分", "满意"]] + [["E1", str(s), w] for s, w in zip(scores, said, strict=True)] + [
        ["E2", "10", "满意"], ["X9", "9", "满意"], ["X8", "9", "满意"]]


def write_csv(path, rows, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.fixture
def files(tmp_path):
    write_scheme(tmp_path / "s.yaml", SCHEME)
    write_csv(tmp_path / "chats.csv", CHATS)
    write_csv(tmp_path / "survey.csv", survey_rows(), "gbk")
    return tmp_path


def sources(tmp_path):
    return {"chats": tmp_path / "chats.csv", "survey": tmp_path / "survey.csv"}


def test_the_worked_checks(files):
    result = score(None, files / "s.yaml", sources=sources(files))
    e1 = result.people.index[result.people["id"] == "E1"][0]
    # chats of 12, 18, 25 and 45 s in 2024Q1 → mean 100 / 4 = 25 s → lower-is-better ratio 15 × 20 ÷ 25 = 12.00
    assert result.scores.at[e1, "首次响应时长"] == 12.0
    assert Words(result).audit().at[e1, "首次响应时长"] == "首次响应时长 100 / 4 = 25 → 15 × 20 ÷ 25 = 12.00"
    # 20 answers, 12 of them 9–10 and 3 of them 0–6 → NPS (12 − 3) / 20 × 100 = 45 → 30 × 45 ÷ 50 = 27.00
    assert result.actuals.at[e1, "NPS"] == 45.0
    assert Words(result).audit().at[e1, "NPS"] == "NPS (12 − 3) / 20 = 45 → 30 × 45 ÷ 50 = 27.00"
    # 19 of 20 satisfied → 95% → 30 × 95% ÷ 90% = 31.666… → 31.67
    assert Words(result).audit().at[e1, "满意度"] == "满意度 19 / 20 = 95% → 30 × 95% ÷ 90% = 31.67"
    # answered within 30 s: 10, 30 and 5 of 10, 31, 30, 5 → 3 / 4 = 75% → 25 × 75% ÷ 90% = 20.83
    assert Words(result).audit().at[e1, "30秒接通率"] == "30秒接通率 3 / 4 = 75% → 25 × 75% ÷ 90% = 20.83"


def test_who_is_scored_and_what_each_source_gave(files):
    result = score(None, files / "s.yaml", sources=sources(files))
    # the people are the ids of the sources; E2's chat is outside the quarter, so its chat measures are blank
    # and do not apply (missing: skip): 100 × (30 × 10 ÷ 50 + 30 × 100% ÷ 90%) ÷ 60
    assert list(result.people["id"]) == ["E1", "E2", "X9", "X8"]  # in the order first seen
    e2 = result.people.index[result.people["id"] == "E2"][0]
    assert result.scores.loc[e2, ["首次响应时长", "30秒接通率"]].isna().all()
    files_read = {f.name: (f.file, f.read, f.used) for f in result.source_files}
    # survey: 23 rows, all used by someone in the round; chats: 6 rows, 4 in the quarter
    assert files_read == {"chats": ("chats.csv", 6, 4), "survey": ("survey.csv", 23, 23)}
    assert all(len(f.sha256) == 64 for f in result.source_files)


def test_ids_that_match_nobody_are_a_notice(files, tmp_path):
    roster = write_xlsx(tmp_path / "roster.xlsx", [["工号", "姓名"], ["E1", "甲"], ["E2", "乙"]])
    result = score(roster, files / "s.yaml", sources=sources(files))
    assert list(result.people["id"]) == ["E1", "E2"]
    notices = [w for w in result.warnings if w.code == "source_ids_unmatched"]
    assert [(w.file, w.params["count"], w.params["rows"], w.params["examples"].said(voice("zh"))) for w in notices] == [
        ("survey.csv", 2, 2, "X9、X8")]
    assert notices[0].message == "survey 中有 2 个工号（2 行）不属于本次考核的任何人，已忽略，如 X9、X8"
    assert {f.name: f.used for f in result.source_files} == {"chats": 4, "survey": 21}


def test_no_rows_is_blank_and_the_missing_policy_decides(files):
    strict = load_scheme(files / "s.yaml").model_dump(exclude_unset=True) | {"missing": "error"}
    with pytest.raises(InputError) as caught:
        score(None, strict, period="2024Q1", sources=sources(files))
    blank = [(f.file, f.params["id"], f.params["measure"]) for f in caught.value.findings]
    assert ("chats.csv", "E2", "首次响应时长") in blank and ("chats.csv", "X9", "30秒接通率") in blank
    said = next(f for f in caught.value.findings if f.params["id"] == "E2" and f.params["measure"] == "首次响应时长")
    assert str(said) == ("chats.csv: E2 的 首次响应时长 无法计算：chats 中没有此人可用的数据（首次响应时长）；"
                         "本期不适用请在方案中设 missing: skip")


def test_bad_cells_are_located_and_the_number_grammar_reads_the_rest(files):
    rows = [*CHATS, ["E3", "2024-02-01", "1,234", "９"], ["E3", "2024-02-02", "88%", "/"],
            ["E3", "2024-02-03", "十二", "3"], ["E3", "2024-02-30", "1", "3"], ["E3", "2024-02-04", "nan", "3"]]
    write_csv(files / "chats.csv", rows)
    with pytest.raises(InputError) as caught:
        score(None, files / "s.yaml", sources=sources(files))
    assert [(f.code, f.place, f.params["value"]) for f in caught.value.findings] == [
        ("source_not_number", "chats.csv › C10", "十二"),
        ("source_not_date", "chats.csv › B11", "2024-02-30"),
        ("source_not_number", "chats.csv › C12", "nan")]


def test_the_grammar_reads_what_polars_does_not(files):
    # 1,234 and ８８% are numbers; a not-applicable mark is a blank cell, not counted
    rows = [CHATS[0], ["E1", "2024-01-01", "1,234", "1"], ["E1", "2024-01-02", "８８%", "1"],
            ["E1", "2024-01-03", " 2 ", "1"], ["E1", "2024-01-04", "/", "1"]]
    write_csv(files / "chats.csv", rows)
    result = score(None, files / "s.yaml", sources=sources(files))
    e1 = result.people.index[result.people["id"] == "E1"][0]
    # (1234 + 0.88 + 2) / 3
    assert result.measured["首次响应时长"].loc[e1, ["a", "n"]].tolist() == [1236.88, 3.0]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_every_encoding_gives_the_same_measures(files, encoding):
    write_csv(files / "survey.csv", survey_rows(), encoding)
    result = score(None, files / "s.yaml", sources=sources(files))
    e1 = result.people.index[result.people["id"] == "E1"][0]
    assert result.actuals.loc[e1, ["NPS", "满意度"]].tolist() == [45.0, 0.95]


def test_a_workbook_source_with_a_title_row(files, tmp_path):
    write_xlsx(tmp_path / "survey.xlsx", [[r[0], int(r[1]) if r[1].isdigit() else r[1], r[2]] for r in survey_rows()],
               title="2024年一季度满意度调查")
    result = score(None, files / "s.yaml", sources={**sources(files), "survey": tmp_path / "survey.xlsx"})
    e1 = result.people.index[result.people["id"] == "E1"][0]
    assert result.actuals.at[e1, "NPS"] == 45.0


def test_where_conditions(tmp_path):
    # 投诉: count of 类型 == 投诉 (full-width spaces trimmed and folded); 大单: sum of 金额 where 金额 >= 100
    # and 日期 in February; 解决率: Σ 已解决 / Σ 工单 over rows whose 渠道 is not 邮件
    write_scheme(tmp_path / "s.yaml", """\
name: x
period_dates: [2024-01-01, 2024-03-31]
missing: skip
sources:
  tickets: {id: 工号, date: 日期}
measures:
  投诉: {source: tickets, agg: count, where: {类型: 投诉}}
  大单: {source: tickets, agg: sum, of: 金额, where: {金额: {">=": 100}, 日期: {">=": 2024-02-01, "<": 2024-03-01}}}
  解决率: {source: tickets, agg: ratio, of: [已解决, 工单], where: {渠道: {"!=": 邮件}}}
  中位: {source: tickets, agg: median, of: 金额}
dimensions:
  - name: D
    indicators:
      - {name: 投诉, weight: 25, rule: {type: count, points: 1}}
      - {name: 大单, weight: 25, target: 1000}
      - {name: 解决率, weight: 25, target: 100%}
      - {name: 中位, weight: 25, target: 100}
""")
    write_csv(tmp_path / "t.csv", [["工号", "日期", "类型", "金额", "已解决", "工单", "渠道"],
                                   ["E1", "2024-01-05", "投诉\u3000", "50", "1", "2", "电话"],
                                   ["E1", "2024-02-05", "咨询", "150", "2", "2", "邮件"],
                                   ["E1", "2024-02-29", "投诉", "300", "3", "4", "电话"],
                                   ["E1", "2024-03-01", "咨询", "400", "0", "1", "在线"]])
    result = score(None, tmp_path / "s.yaml", sources={"tickets": tmp_path / "t.csv"})
    assert result.actuals.loc[2].to_dict() == {"投诉": 2.0, "大单": 450.0, "解决率": 4 / 7, "中位": 225.0}
    assert Words(result).audit().at[2, "大单"].startswith("大单 = 450（2 条之和） → ")
    assert Words(result).audit().at[2, "中位"].startswith("中位 = 225（4 条的中位数） → ")
    assert Words(result).audit().at[2, "投诉"].startswith("投诉 2 条 → ")


def test_the_period_label_gives_the_dates():
    assert [period_days(p, None) for p in ("2024", "2024Q2", "2024年第3季度", "2024H2", "2024-02", "2024年2月",
                                            "Q1")] == [
        (pd.Timestamp("2024-01-01").date(), pd.Timestamp("2024-12-31").date()),
        (pd.Timestamp("2024-04-01").date(), pd.Timestamp("2024-06-30").date()),
        (pd.Timestamp("2024-07-01").date(), pd.Timestamp("2024-09-30").date()),
        (pd.Timestamp("2024-07-01").date(), pd.Timestamp("2024-12-31").date()),
        (pd.Timestamp("2024-02-01").date(), pd.Timestamp("2024-02-29").date()),
        (pd.Timestamp("2024-02-01").date(), pd.Timestamp("2024-02-29").date()),
        None]


def test_a_period_without_dates_is_said(files):
    data = load_scheme(files / "s.yaml").model_dump(exclude_unset=True) | {"period": "第一批"}
    with pytest.raises(InputError) as caught:
        score(None, data, sources=sources(files))
    assert [(f.code, f.params["source"]) for f in caught.value.findings] == [("period_unknown", "chats")]


def test_scheme_checks_at_their_lines(tmp_path):
    path = write_scheme(tmp_path / "s.yaml", """\
name: x
sources:
  chats: {id: 坐席工号}
  teams: {group: 部门}
  both: {id: 工号, group: 部门}
measures:
  A: {source: chat, agg: mean, of: 秒}
  B: {source: chats, agg: share}
  C: {source: chats, agg: ratio, of: 秒}
  D: {source: teams, agg: count}
  E: {source: chats, agg: count, where: {秒: {"<=": 快}}}
  F: {source: chats, agg: mean, of: 秒}
dimensions:
  - name: D
    indicators:
      - {name: B, weight: 50, target: 90}
      - {name: F, weight: 50, target: 90%}
""")
    with pytest.raises(SchemeError) as caught:
        load_scheme(path)
    assert [(f.line, f.code) for f in caught.value.findings] == [
        (5, "source_key"), (7, "source_unknown"), (8, "measure_share_where"), (9, "measure_of_2"),
        (10, "source_not_by_id"), (11, "where_order_text"), (16, "measure_percent"), (17, "measure_not_percent")]


def test_a_measure_feeds_no_label_rule(tmp_path):
    with pytest.raises(SchemeError) as caught:
        load_scheme({"name": "x", "sources": {"s": {"id": "工号"}},
                     "measures": {"评价": {"source": "s", "agg": "mean", "of": "分"}},
                     "dimensions": [{"name": "D", "indicators": [
                         {"name": "评价", "weight": 100, "rule": {"type": "mapping", "map": {"好": 100}}}]}]})
    assert [f.code for f in caught.value.findings] == ["measure_rule"]


def test_sources_named_wrong_or_not_given(files):
    with pytest.raises(UsageError) as caught:
        score(None, files / "s.yaml", sources={"chat": files / "chats.csv"})
    assert [(f.code, f.params["source"]) for f in caught.value.findings] == [
        ("source_undeclared", "chat"), ("source_not_given", "chats"), ("source_not_given", "survey")]


def test_personal_targets_from_a_targets_source(tmp_path):
    # 返修达成率 deduct W 30 below 95%: 91.5% → 26.50; with E2's target of 90% in goals.csv → 30.00
    data = {"name": "x", "sources": {"goals": {"id": "工号"}}, "targets": {"source": "goals"},
            "dimensions": [{"name": "D", "indicators": [
                {"name": "返修达成率", "weight": 30, "target": "95%", "rule": {"type": "deduct", "per": "1%"}},
                {"name": "销量", "weight": 70, "rule": "ratio"}]}]}
    write_csv(tmp_path / "goals.csv", [["工号", "返修达成率", "销量"], ["E1", "", "100"], ["E2", "90%", "120"]])
    frame = pd.DataFrame([["E1", "甲", 0.915, 100], ["E2", "乙", 0.915, 108]],
                         columns=["工号", "姓名", "返修达成率", "销量"])
    result = score(frame, data, sources={"goals": tmp_path / "goals.csv"})
    assert result.scores["返修达成率"].tolist() == [26.5, 30.0]
    audit = Words(result).audit()
    assert audit["返修达成率"].tolist() == ["30 − 1 × 3.5 = 26.50", "30 − 1 × 0 = 30.00（个人目标 90%）"]
    assert result.scores["销量"].tolist() == [70.0, 63.0]  # 70 × 100 ÷ 100; 70 × 108 ÷ 120
    # a person with no target where the scheme has none either is said, with the file
    write_csv(tmp_path / "goals.csv", [["工号", "销量"], ["E1", "100"]])
    with pytest.raises(InputError) as caught:
        score(frame, data, sources={"goals": tmp_path / "goals.csv"})
    assert [(f.code, f.file, f.params.get("id")) for f in caught.value.findings] == [
        ("target_source_blank", "goals.csv", "E2")]


def test_the_command_line(files):
    out = files / "out.xlsx"
    done = runner.invoke(app, ["score", "-s", str(files / "s.yaml"), "--source", f"chats={files / 'chats.csv'}",
                               "--source", f"survey={files / 'survey.csv'}", "-o", str(out)])
    assert done.exit_code == 0, done.output
    from openpyxl import load_workbook

    book = load_workbook(out)
    assert book.sheetnames[-1] == "数据来源"
    rows = list(book["数据来源"].values)
    assert rows[0] == ("来源", "文件", "SHA-256", "读取行数", "使用行数")
    assert [r[:2] + r[3:5] for r in rows[1:3]] == [("chats", "chats.csv", 6, 4), ("survey", "survey.csv", 23, 23)]
    assert rows[4] == ("指标数据", "来源", "定义", None, None)
    assert rows[5][2] == "首次响应时长 = chats 中 首次响应秒 的平均值"
    assert rows[8][2] == "满意度 = survey 中满足条件的行占比（条件：满意 ∈ {非常满意, 满意}）"
    document = runner.invoke(app, ["score", "-s", str(files / "s.yaml"), "--source", f"chats={files / 'chats.csv'}",
                                   "--source", f"survey={files / 'survey.csv'}", "-o", "-"]).stdout
    assert [s["name"] for s in json.loads(document)["sources"]] == ["chats", "survey"]
    missing = runner.invoke(app, ["score", "-s", str(files / "s.yaml"), "--source", "chats", "-o", "-"])
    assert missing.exit_code == 2 and "--source 'chats' 应写成 名字=文件" in missing.output


def test_a_plan_gives_each_period_its_sources(files, tmp_path):
    # Q1 keeps E1's four January–March chats (mean 25); Q2 the April one (999 s: 15 × 20 ÷ 999 → 0.30)
    roster = write_xlsx(tmp_path / "people.xlsx", [["工号", "姓名"], ["E1", "甲"]])
    (tmp_path / "plan.yaml").write_text(f"""\
name: 年度
scheme: s.yaml
periods:
  - {{period: 2024Q1, input: {roster.name}, sources: {{chats: chats.csv, survey: survey.csv}}}}
  - {{period: 2024Q2, input: {roster.name}, sources: {{chats: chats.csv, survey: survey.csv}}}}
output: out/
""", encoding="utf-8")
    from kpiscore import run_batch

    report = run_batch(tmp_path / "plan.yaml")
    assert report.ok, [str(f) for o in report.outcomes for f in o.findings]
    q1, q2 = (o.results[next(iter(o.results))] for o in report.outcomes)
    assert Words(q1).audit().iloc[0]["首次响应时长"] == "首次响应时长 100 / 4 = 25 → 15 × 20 ÷ 25 = 12.00"
    assert Words(q2).audit().iloc[0]["首次响应时长"] == "首次响应时长 999 / 1 = 999 → 15 × 20 ÷ 999 = 0.30"
    assert [f.used for f in q2.source_files] == [1, 20]  # the roster has E1 only: its one chat, its 20 answers


def test_the_template_leaves_measures_to_their_sources(files, tmp_path):
    from python_calamine import CalamineWorkbook

    from kpiscore import write_template

    write_template(load_scheme(files / "s.yaml"), tmp_path / "t.xlsx")
    book = CalamineWorkbook.from_path(tmp_path / "t.xlsx")
    assert book.get_sheet_by_name("考核数据").to_python()[2] == ["工号", "姓名", "部门"]
    lines = [r[0] for r in book.get_sheet_by_name("填写说明").to_python()]
    said = ("5. 部分指标由系统导出计算，不在本表填写；评分时用 --source 名字=文件 给出这些导出："
            "chats（坐席工号、会话时间：首次响应时长、30秒接通率）；survey（工号：NPS、满意度）")
    assert said in lines
    assert "6. 填好后运行：kpiscore score 本文件.xlsx --scheme 方案.yaml --source chats=… --source survey=…" in lines


def test_measures_in_words_and_as_sql(files):
    words = runner.invoke(app, ["measures", "-s", str(files / "s.yaml")], env={"COLUMNS": "60"})
    assert words.exit_code == 0
    assert "满意度: 满意度 = survey 中满足条件的行占比（条件：满意 ∈ {非常满意, 满意}）" in words.stdout.splitlines()
    sql = runner.invoke(app, ["measures", "-s", str(files / "s.yaml"), "--sql"]).stdout
    # one query per measure: the cells folded as kpiscore folds them, the quarter's days kept as numbers (no DATE
    # literal), one GROUP BY of the id; a share as the mean of doubles (test_sql_engines executes them)
    queries = sql.split(";\n")
    assert len(queries) == 5 and all(q.startswith("WITH raw AS (") for q in queries[:4])
    assert '"会话时间 day" BETWEEN 20240101 AND 20240331' in queries[0]
    assert queries[0].rstrip().endswith('GROUP BY\n  "坐席工号"')
    assert "AVG(CASE WHEN \"接通秒数\" <= 30 THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END)" in queries[1]


def test_an_export_polars_refuses_is_read_as_a_spreadsheet_opens_it(files):
    # a quote that spans a line: polars' reader refuses the file, the reader of inputs takes it as Excel does
    rows = [*CHATS[:3], ["E1", "2024-03-01", "25", "30"]]
    text = "\n".join(",".join(r) for r in rows) + '\nE1,2024-03-02,45,"5\n"\n'
    (files / "chats.csv").write_text(text, encoding="utf-8")
    result = score(None, files / "s.yaml", sources=sources(files))
    e1 = result.people.index[result.people["id"] == "E1"][0]
    assert Words(result).audit().at[e1, "首次响应时长"].startswith("首次响应时长 100 / 4 = 25 → ")


def test_a_column_typed_beside_a_measure_is_said_not_read(files, tmp_path):
    typed = write_xlsx(tmp_path / "typed.xlsx", [["工号", "姓名", "满意度"], ["E1", "甲", "99%"]])
    result = score(typed, files / "s.yaml", sources=sources(files))
    assert result.actuals.at[4, "满意度"] == 0.95  # the survey's 19 of 20, not the 99% typed
    said = next(w for w in result.warnings if w.code == "measure_column_unused")
    assert str(said) == ("typed.xlsx › Sheet1 › C3: “满意度”列没有使用：方案从 survey 导出计算该指标数据；"
                         "如要手填，请从方案的 measures 中删去它")


def test_error_values_in_a_workbook_source_are_no_numbers(files, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["2024年一季度满意度调查"])
    ws.append(["工号", "推荐分", "满意"])
    ws.append(["E1", 10, "满意"])
    ws.append(["E1", None, "满意"])
    ws.cell(4, 2, "#DIV/0!").data_type = "e"  # what Excel shows for a division by zero: no number, never 0
    ws.append(["E1", "=B3/2", "满意"])  # a formula nothing ever calculated
    book.save(tmp_path / "survey.xlsx")
    with pytest.raises(InputError) as caught:
        score(None, files / "s.yaml", sources={**sources(files), "survey": tmp_path / "survey.xlsx"})
    assert [(f.code, f.place) for f in caught.value.findings] == [
        ("source_not_number", "survey.xlsx › Sheet › B4"), ("source_uncalculated", "survey.xlsx › Sheet › B5")]
    assert caught.value.findings[1].message == "公式没有计算结果：请用 Excel 或 WPS 打开该文件、保存后再运行"


def test_a_spelling_first_seen_late_in_an_export_is_learnt(files):
    # E1's 2,500 answers: the first 2,000 (with E2's, the rows spellings are learnt from) say 不满意; the 500 after
    # them say 满意 with a full-width space, which folds to 满意: 500 / 2,500 = 20%
    rows = [["工号", "推荐分", "满意"], ["E2", "10", "满意"]] + [["E1", "5", "不满意"]] * 2000 + [
        ["E1", "9", "满意\u3000"]] * 500
    write_csv(files / "survey.csv", rows)
    result = score(None, files / "s.yaml", sources=sources(files))
    e1 = result.people.index[result.people["id"] == "E1"][0]
    assert Words(result).audit().at[e1, "满意度"].startswith("满意度 500 / 2500 = 20% → ")


def test_a_large_gbk_export_is_decoded_in_two_halves_that_read_as_one(files, monkeypatch):
    import hashlib

    from kpiscore.io import decode

    monkeypatch.setattr(decode, "SPLIT_MIN", 64)  # every export here is "large": split after a line break
    path = files / "survey.csv"
    with path.open("w", encoding="gbk", newline="") as f:
        f.write("2024年一季度满意度调查\r\n")  # a title row above the header: skipped in both halves
        csv.writer(f).writerows(survey_rows())
    parts, sha = decode.transcode_file(path, "gb18030", files, skip=2)
    assert len(parts) == 2 and sha == hashlib.sha256(path.read_bytes()).hexdigest()
    # the second half starts with the two lines a reader skips of each file, then a row of the body (E… or X…)
    second = parts[1].read_bytes()
    assert second[:2] == b"\n\n" and second[2:3] in (b"E", b"X")
    # title, header and 23 rows, and the two empty lines
    assert b"".join(p.read_bytes() for p in parts).count(b"\n") == 1 + 1 + 23 + 2
    result = score(None, files / "s.yaml", sources=sources(files))
    e1 = result.people.index[result.people["id"] == "E1"][0]
    assert result.actuals.loc[e1, ["NPS", "满意度"]].tolist() == [45.0, 0.95]
    assert {f.name: (f.read, f.sha256) for f in result.source_files}["survey"] == (23, sha)


@pytest.mark.parametrize("line", [3, 24])
def test_a_bad_byte_in_either_half_is_said_at_its_line(files, monkeypatch, line):
    from kpiscore.io import decode

    monkeypatch.setattr(decode, "SPLIT_MIN", 64)
    lines = (files / "survey.csv").read_bytes().split(b"\r\n")
    lines[line - 1] = b"\xff" + lines[line - 1][1:]  # 0xFF starts no GB18030 character
    (files / "survey.csv").write_bytes(b"\r\n".join(lines))
    with pytest.raises(InputError) as caught:
        score(None, files / "s.yaml", sources=sources(files))
    assert [(f.code, f.file, f.params["line"]) for f in caught.value.findings] == [
        ("file_encoding", "survey.csv", line)]


def test_people_from_sources_come_in_the_order_first_seen(files):
    import random

    agents = [f"A{i:03d}" for i in random.Random(7).sample(range(600), 600)]  # first seen in this order
    later = random.Random(8).choices(agents, k=30_000)  # then in any order, many rows each
    write_csv(files / "chats.csv", [CHATS[0], *([a, "2024-01-05", "9", "9"] for a in [*agents, *later])])
    write_csv(files / "survey.csv", survey_rows()[:1])
    ids = [list(score(None, files / "s.yaml", sources=sources(files)).people["id"]) for _ in range(2)]
    assert ids[0] == ids[1] == agents


def _said(exc: InputError) -> list[tuple]:
    return [(f.code, f.params, f.file, f.sheet, f.cell) for f in exc.findings]


def _docx(path):
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")


BAD_FILES = {  # name → how the file is made (None: not made at all)
    "missing.csv": None,
    "folder.csv": lambda p: p.mkdir(),
    "report.pdf": lambda p: p.write_bytes(b"%PDF-1.4\n"),
    "empty.csv": lambda p: p.write_bytes(b""),
    "pdf-named.csv": lambda p: p.write_bytes(b"%PDF-1.4\n" + b"x" * 70_000),  # past the head a text is told by
    "cut.xlsx": lambda p: p.write_bytes(b"PK\x03\x04" + b"\0" * 100),
    "locked.xlsx": lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500
                                           + "EncryptedPackage".encode("utf-16-le")),
    "letter.xlsx": _docx,
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_source_passes_the_gate_an_input_passes_with_the_same_findings(files, name):
    # one read path: a file that cannot be read is the same finding whether it is the actuals or a source
    path = files / name
    if BAD_FILES[name] is not None:
        BAD_FILES[name](path)
    scheme = load_scheme(files / "s.yaml")
    with pytest.raises(InputError) as as_input:
        read_actuals(path, scheme)
    with pytest.raises(InputError) as as_source:
        score(None, scheme, sources={**sources(files), "chats": path})
    assert _said(as_source.value) == _said(as_input.value)
    assert as_input.value.findings[0].code in {"file_missing", "file_is_dir", "file_format", "file_kind",
                                               "file_damaged", "file_encrypted"}


def test_a_workbook_named_as_a_csv_is_read_as_a_workbook_and_said(files):
    # an export saved as xlsx but named .csv: read for what it is, as an input would be, with the same notice
    write_xlsx(files / "chats.csv", CHATS)
    result = score(None, files / "s.yaml", sources=sources(files))
    mismatch = [w for w in result.warnings if w.code == "file_kind_mismatch"]
    said = [(w.file, w.params["suffix"], w.params["kind"].key) for w in mismatch]
    assert said == [("chats.csv", ".csv", "kind_xlsx")]
    e1 = result.people.index[result.people["id"] == "E1"][0]
    assert Words(result).audit().at[e1, "首次响应时长"].startswith("首次响应时长 100 / 4 = 25 → ")
