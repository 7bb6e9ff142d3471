"""The newer surfaces hardened (issue 23): each case a fuzz campaign or a new user found, a traceback turned
into a located finding, a silently wrong figure worked by hand, or a wrong refusal lifted."""

import pytest
import yaml
from helpers import scheme_dict, write_scheme
from openpyxl import load_workbook
from test_measures import write_csv
from typer.testing import CliRunner

from kpiscore import SchemeError, load_scheme, score
from kpiscore.cli import app

runner = CliRunner()

MEASURED = """\
name: x
period: 2024Q1
missing: skip
sources:
  tickets: {id: 工号, date: 日期}
  ratings: {id: 被评人}
measures:
  A: {source: tickets, agg: mean, of: 日期}
  B: {source: tickets, agg: count, where: {日期: 2024-02-01}}
  C: {source: tickets, agg: count, where: {等级: []}}
  D: {source: tickets, agg: count, where: {等级: {in: []}}}
  E: {source: tickets, agg: count, where: {等级: {"<=": .nan}}}
  F: {source: tickets, agg: count, where: {等级: 1%s}}
  G: {source: tickets, agg: sum, of: 工号}
dimensions:
  - name: 维度
    indicators:
      - {name: A, weight: 10, target: 9}
      - {name: B, weight: 10, rule: {type: count, points: 1}}
      - {name: C, weight: 10, rule: {type: count, points: 1}}
      - {name: D, weight: 10, rule: {type: count, points: 1}}
      - {name: E, weight: 10, rule: {type: count, points: 1}}
      - {name: F, weight: 10, rule: {type: count, points: 1}}
      - {name: G, weight: 10, target: 9}
      - {name: R, weight: 30, rule: {type: rating, source: ratings, rater: 被评人, score: 分}}
""" % ("0" * 400)


def test_a_column_has_one_role_in_a_source_and_where_numbers_are_bounded(tmp_path):
    with pytest.raises(SchemeError) as caught:
        load_scheme(write_scheme(tmp_path / "s.yaml", MEASURED))
    assert [(f.line, f.code, f.params.get("column")) for f in caught.value.findings] == [
        (8, "measure_of_key", "日期"), (9, "where_date_text", "日期"), (10, "where_empty", "等级"),
        (11, "where_empty", "等级"), (12, "where_number_range", "等级"), (13, "where_number_range", "等级"),
        (14, "measure_of_key", "工号"), (25, "rating_column_role", "被评人")]


def test_where_in_whole_numbers_on_a_number_column(tmp_path):
    # 等级 in [1, 2] (written as whole numbers, read as doubles): E1's rows 1, 2, 2 count, 3 and 1.5 do not → 3
    write_scheme(tmp_path / "s.yaml", """\
name: x
period: 2024Q1
missing: skip
sources:
  tickets: {id: 工号}
measures:
  差评: {source: tickets, agg: count, where: {等级: [1, 2]}}
dimensions:
  - name: D
    indicators:
      - {name: 差评, weight: 100, rule: {type: count, points: 10}}
""")
    write_csv(tmp_path / "t.csv", [["工号", "等级"], ["E1", "1"], ["E1", "2"], ["E1", "2.0"], ["E1", "3"],
                                   ["E1", "1.5"]])
    result = score(None, tmp_path / "s.yaml", sources={"tickets": tmp_path / "t.csv"})
    assert result.actuals["差评"].tolist() == [3.0]
    assert result.summary["total"].tolist() == [70.0]  # 100 − 3 × 10


def _first_findings(data):
    with pytest.raises(SchemeError) as caught:
        load_scheme(data)
    return [(f.code, f.field, {k: getattr(v, "key", v) for k, v in f.params.items()}) for f in caught.value.findings]


def test_a_personal_target_or_payout_column_is_no_other_column():
    # the id as a pool weight made every id a float (1001 → 1001.0); an input as the weight skipped its checks
    pool = {"grades": [{"grade": "A", "min": 0, "coefficient": 1}]}
    assert _first_findings(scheme_dict(payout={"mode": "pool", "pool": 1000, "weight": "工号"}, **pool)) == [
        ("column_role", "payout.weight", {"column": "工号", "first": "role_id", "second": "role_payout"})]
    assert _first_findings(scheme_dict(payout={"mode": "pool", "pool": 1000, "weight": "客服响应及时率"}, **pool)) == [
        ("column_role", "payout.weight", {"column": "客服响应及时率", "first": "role_input", "second": "role_payout"})]
    data = scheme_dict()
    data["dimensions"][0]["indicators"][0]["target_column"] = "工号"
    assert _first_findings(data) == [("column_role", "dimensions[0].indicators[0].target_column",
                                      {"column": "工号", "first": "role_id", "second": "role_target"})]
    data = scheme_dict()
    for indicator in data["dimensions"][0]["indicators"]:
        indicator["target_column"] = "个人目标"
    assert _first_findings(data) == [("target_column_shared", "dimensions[0].indicators[1].target_column",
                                      {"column": "个人目标"})]


def test_the_template_of_a_scheme_with_participation_takes_a_roster(tmp_path):
    # the roster has no 状态 column: it pre-fills ids and names, the status column is left to fill
    roster = tmp_path / "roster.csv"
    roster.write_text("工号,姓名,部门\nE1,张三,一部\nE2,李四,二部\n", encoding="utf-8")
    scheme = write_scheme(tmp_path / "s.yaml", yaml.safe_dump(
        scheme_dict(participation={"column": "状态", "exclude": ["离职"]}), allow_unicode=True))
    made = runner.invoke(app, ["template", "--scheme", str(scheme), "--roster", str(roster),
                               "-o", str(tmp_path / "t.xlsx")])
    assert made.exit_code == 0, made.output
    sheet = load_workbook(tmp_path / "t.xlsx").worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3, max_row=5)]  # a title, a how-to line
    assert rows[0][:3] == ["工号", "姓名", "部门"] and "状态" in rows[0]
    assert [r[:3] for r in rows[1:]] == [["E1", "张三", "一部"], ["E2", "李四", "二部"]]
