"""Batch plans and the roll-up, against figures worked by hand in each test."""

import shutil
from pathlib import Path

import pytest
import yaml
from helpers import write_xlsx
from openpyxl import load_workbook
from typer.testing import CliRunner

from kpiscore import SchemeError
from kpiscore.batch import load_plan, run_batch
from kpiscore.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).parents[1] / "examples"

# one ratio indicator of weight 100 against 100%: the total is the actual × 100, so 110% scores 110
SIMPLE = {"name": "单指标", "columns": {"base": "绩效奖金基数"}, "dimensions": [{"name": "D", "indicators": [
    {"name": "达成率", "weight": 100, "target": "100%"}]}],
    "grades": [{"grade": "优秀", "min": 115, "coefficient": 1.2}, {"grade": "良好", "min": 100, "coefficient": 1.0},
               {"grade": "待改进", "min": 0, "coefficient": 0.5}]}


def setup(tmp_path, periods, rollup=None, scheme=SIMPLE, extra=None):
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(scheme, allow_unicode=True), encoding="utf-8")
    specs = []
    for label, rows in periods.items():
        write_xlsx(tmp_path / f"{label}.xlsx", [["工号", "姓名", "部门", "达成率", "绩效奖金基数"], *rows])
        specs.append({"period": label, "input": f"{label}.xlsx"})
    plan = {"name": "年度", "scheme": "s.yaml", "periods": specs, "output": "out", **(extra or {})}
    if rollup:
        plan["rollup"] = rollup
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    return path


def rollup_rows(path):
    ws = load_workbook(path).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


PERIODS = {
    "M1": [["1", "甲", "一部", 1.10, 1000], ["2", "乙", "一部", 1.00, 1000], ["3", "丙", "二部", 0.90, 800]],
    "M2": [["1", "甲", "一部", 1.20, 1000], ["2", "乙", "一部", 0.95, 1000]],
    "M3": [["1", "甲", "一部", 1.18, 1000], ["2", "乙", "一部", 1.05, 1000], ["3", "丙", "二部", 1.00, 800]],
}


def test_mean_over_periods_present(tmp_path):
    report = run_batch(setup(tmp_path, PERIODS, {"period": 2024}))
    assert report.ok and report.rollup_path == tmp_path / "out" / "2024_rollup.xlsx"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "2024_rollup.xlsx", "M1_scored.xlsx", "M2_scored.xlsx", "M3_scored.xlsx"]
    rows = {r["工号"]: r for r in rollup_rows(report.rollup_path)}
    # 甲: (110 + 120 + 118) ÷ 3 = 116 → 优秀 (≥ 115), coefficient 1.2, payout 1000 × 1.2 = 1200
    assert (rows["1"]["2024 总分"], rows["1"]["2024 等级"], rows["1"]["绩效奖金"]) == (116, "优秀", 1200)
    assert (rows["1"]["M1 总分"], rows["1"]["M2 总分"], rows["1"]["M3 总分"]) == (110, 120, 118)
    # 乙: (100 + 95 + 105) ÷ 3 = 100 → 良好 ; 丙, absent from M2: (90 + 100) ÷ 2 = 95 over 2 periods → 待改进
    assert (rows["2"]["2024 总分"], rows["2"]["2024 等级"]) == (100, "良好")
    third = rows["3"]
    assert (third["2024 总分"], third["参与期数"], third["缺期"], third["M2 总分"]) == (95, 2, "是", None)
    assert (rows["1"]["缺期"], rows["1"]["参与期数"]) == ("否", 3)
    # ranks 116, 100, 95 → 1, 2, 3 ; in 一部 1, 2 ; 二部 1
    assert [(rows[i]["排名"], rows[i]["部门内排名"]) for i in "123"] == [(1, 1), (2, 2), (3, 1)]


def test_weights_renormalised_and_last(tmp_path):
    weights = {"period": "年度", "method": "weights", "weights": {"M1": 0.2, "M2": 0.3, "M3": 0.5}}
    rows = {r["工号"]: r for r in rollup_rows(run_batch(setup(tmp_path, PERIODS, weights)).rollup_path)}
    # 甲: 0.2×110 + 0.3×120 + 0.5×118 = 22 + 36 + 59 = 117
    # 丙 (no M2): (0.2×90 + 0.5×100) ÷ (0.2 + 0.5) = 68 ÷ 0.7 = 97.142857… → 97.14
    assert rows["1"]["年度 总分"] == 117 and rows["3"]["年度 总分"] == 97.14
    last = tmp_path / "last"
    last.mkdir()
    rows = {r["工号"]: r for r in rollup_rows(run_batch(setup(last, PERIODS, {"method": "last"})).rollup_path)}
    assert (rows["1"]["rollup 总分"], rows["2"]["rollup 总分"], rows["3"]["rollup 总分"]) == (118, 105, 100)


def test_rollup_grades_and_forced_distribution(tmp_path):
    rollup = {"period": "Y", "grades": [{"grade": "A", "min": 100, "max_share": "40%"}, {"grade": "B", "min": 0}]}
    rows = {r["工号"]: r for r in rollup_rows(run_batch(setup(tmp_path, PERIODS, rollup)).rollup_path)}
    # 116, 100, 95: A reached by 116 and 100, but floor(3 × 40%) = 1 → 100 drops to B
    assert [rows[i]["Y 等级"] for i in "123"] == ["A", "B", "B"]


def test_failing_period_writes_the_others_but_no_rollup(tmp_path):
    periods = dict(PERIODS)
    periods["M2"] = [["1", "甲", "一部", "abc", 1000], ["1", "乙", "一部", 0.95, 1000]]
    plan = setup(tmp_path, periods)
    result = runner.invoke(app, ["batch", str(plan)])
    assert result.exit_code == 1
    assert "M2.xlsx › Sheet1 › D4" in result.stderr and "M2.xlsx › Sheet1 › A5" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["M1_scored.xlsx", "M3_scored.xlsx"]
    again = runner.invoke(app, ["batch", str(plan)])
    assert again.exit_code == 2 and "--force" in again.stderr  # outputs of the earlier run exist
    assert runner.invoke(app, ["batch", str(plan), "--force"]).exit_code == 1


def test_glob_inputs_and_ids_across_files(tmp_path):
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(SIMPLE, allow_unicode=True), encoding="utf-8")
    header = ["工号", "姓名", "部门", "达成率", "绩效奖金基数"]
    write_xlsx(tmp_path / "Q1_a.xlsx", [header, ["1", "甲", "一部", 1.1, 100]])
    write_xlsx(tmp_path / "Q1_b.xlsx", [header, ["2", "乙", "二部", 0.9, 100]])
    write_xlsx(tmp_path / "Q2_a.xlsx", [header, ["1", "甲", "一部", 1.0, 100]])
    write_xlsx(tmp_path / "Q2_b.xlsx", [header, ["1", "甲", "二部", 0.9, 100]])
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({"name": "g", "scheme": "s.yaml", "output": "out", "periods": [
        {"period": "Q1", "input": "Q1_*.xlsx"}, {"period": "Q2", "input": "Q2_*.xlsx"}]}, allow_unicode=True),
        encoding="utf-8")
    report = run_batch(plan)
    q1, q2 = report.outcomes
    assert q1.ok and len(q1.results["s"].people) == 2  # results by scheme (file stem)
    assert [f.code for f in q2.findings] == ["id_duplicate_across"]
    assert str(q2.findings[0]) == "Q2_b.xlsx › Sheet1 › A4: 工号 1 重复（另见 Q2_a.xlsx › Sheet1 › A4）"
    assert report.rollup_path is None


def test_roles_choose_schemes(tmp_path):
    manager = {**SIMPLE, "name": "经理", "dimensions": [{"name": "D", "indicators": [
        {"name": "投诉", "weight": 100, "rule": {"type": "count", "allow": 1, "points": 10}}]}]}
    (tmp_path / "staff.yaml").write_text(yaml.safe_dump(SIMPLE, allow_unicode=True), encoding="utf-8")
    (tmp_path / "manager.yaml").write_text(yaml.safe_dump(manager, allow_unicode=True), encoding="utf-8")
    header = ["工号", "姓名", "部门", "岗位", "达成率", "投诉", "绩效奖金基数"]
    write_xlsx(tmp_path / "P1.xlsx", [header, ["1", "甲", "一部", "专员", 1.1, None, 100],
                                      ["9", "经理甲", "一部", "经理", None, 3, 500]])
    write_xlsx(tmp_path / "P2.xlsx", [header, ["1", "甲", "一部", "专员", 1.2, None, 100],
                                      ["9", "经理甲", "一部", "经理", None, 0, 500],
                                      ["7", "丁", "一部", "实习生", 1.0, None, 100]])
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({
        "name": "r", "role_column": "岗位", "schemes": {"专员": "staff.yaml", "经理": "manager.yaml"}, "output": "o",
        "periods": [{"period": "P1", "input": "P1.xlsx"}, {"period": "P2", "input": "P2.xlsx"}]},
        allow_unicode=True), encoding="utf-8")
    report = run_batch(plan)
    p1, p2 = report.outcomes
    # 经理甲 P1: 100 − 10 × (3 − 1) = 80 under the manager scheme; 甲: 110 under the staff scheme
    assert p1.results["manager"].summary["total"].tolist() == [80.0]
    assert p1.results["staff"].summary["total"].tolist() == [110.0]
    assert sorted(p.name for p in p1.outputs) == ["P1_manager_scored.xlsx", "P1_staff_scored.xlsx"]
    assert [(f.code, f.cell) for f in p2.findings] == [("role_unknown", "D6")]  # title, blank, header, 3 rows


def test_roles_sharing_a_scheme_are_scored_together(tmp_path):
    (tmp_path / "staff.yaml").write_text(yaml.safe_dump(SIMPLE, allow_unicode=True), encoding="utf-8")
    header = ["工号", "姓名", "部门", "岗位", "达成率", "绩效奖金基数"]
    rows = [header, ["1", "甲", "一部", "专员", 1.1, 100], ["2", "乙", "一部", "技师", 1.2, 100]]
    write_xlsx(tmp_path / "P1.xlsx", rows)
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({
        "name": "r", "role_column": "岗位", "schemes": {"专员": "staff.yaml", "技师": "staff.yaml"}, "output": "o",
        "periods": [{"period": "P1", "input": "P1.xlsx"}]}, allow_unicode=True), encoding="utf-8")
    report = run_batch(plan)
    (p1,) = report.outcomes
    result = p1.results["staff"]
    # one pool: 110 and 120 ranked together (2, 1), one workbook named without the scheme
    assert result.summary["rank"].tolist() == [2, 1] and result.people["role"].tolist() == ["专员", "技师"]
    assert [p.name for p in p1.outputs] == ["P1_scored.xlsx"]
    rows = rollup_rows(report.rollup_path)
    assert [(r["工号"], r["岗位"], r["rollup 总分"]) for r in rows] == [("1", "专员", 110), ("2", "技师", 120)]


def test_plan_errors_with_lines(tmp_path):
    plan = tmp_path / "bad.yaml"
    plan.write_text("name: x\nscheme: s.yaml\nschemes: {a: b.yaml}\nperiods:\n  - {period: Q1, input: a.xlsx}\n"
                    "  - {period: Q1, input: b.xlsx}\nrollup: {method: weights}\nbogus: 1\n", encoding="utf-8")
    with pytest.raises(SchemeError) as info:
        load_plan(plan)
    assert [(f.line, f.code) for f in info.value.findings] == [(8, "extra_forbidden")]
    plan.write_text(plan.read_text(encoding="utf-8").replace("bogus: 1\n", ""), encoding="utf-8")
    with pytest.raises(SchemeError) as info:
        load_plan(plan)
    assert sorted((f.line, f.code) for f in info.value.findings) == [
        (2, "plan_scheme"), (3, "plan_role_column"), (6, "plan_period_duplicate"), (7, "plan_weights_missing")]


def test_example_plan_end_to_end(tmp_path):
    shutil.copytree(EXAMPLES / "batch", tmp_path / "batch", ignore=shutil.ignore_patterns("out"))
    result = runner.invoke(app, ["batch", str(tmp_path / "batch" / "plan-2024.yaml")])
    assert result.exit_code == 0, result.output
    out = tmp_path / "batch" / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"2024Q{q}_{s}_scored.xlsx" for q in range(1, 5) for s in ("aftersales", "service-manager")]
        + ["2024_rollup.xlsx"])
    rows = {r["工号"]: r for r in rollup_rows(out / "2024_rollup.xlsx")}
    # 孙丽 (aftersales): Q1 96% → 30, 99% → 10, 99.5% → 20, 4.5 → 36 = 96 ; Q2 30+10+20+40 = 100 ;
    # Q3 30+10+20+36 = 96 ; Q4 100 → (96+100+96+100) ÷ 4 = 98, 优秀, 2000 × 1.2 = 2400
    assert [rows["00101"][f"2024Q{q} 总分"] for q in range(1, 5)] == [96, 100, 96, 100]
    assert (rows["00101"]["2024 总分"], rows["00101"]["2024 等级"], rows["00101"]["绩效奖金"]) == (98, "优秀", 2400)
    # 马超: Q1 (30−3.5) + (10−1) + 20 + 32 − 3 = 84.5 ; Q2 28+10+20+32 = 90 ; Q3 25+8+19+28−3 = 77 ;
    # Q4 29+10+20+32 = 91 → 342.5 ÷ 4 = 85.625 → 85.63, 良好, 2000 × 1.0
    assert [rows["00102"][f"2024Q{q} 总分"] for q in range(1, 5)] == [84.5, 90, 77, 91]
    assert (rows["00102"]["2024 总分"], rows["00102"]["2024 等级"], rows["00102"]["绩效奖金"]) == (85.63, "良好", 2000)
    # 陈晨 joins in Q2: 27+9+19+32 = 87 ; 29+10+20+32 = 91 ; 30+10+20+36 = 96 → 274 ÷ 3 = 91.33 over 3 periods
    assert rows["00105"]["2024Q1 总分"] is None and (rows["00105"]["参与期数"], rows["00105"]["缺期"]) == (3, "是")
    assert (rows["00105"]["2024 总分"], rows["00105"]["2024 等级"], rows["00105"]["绩效奖金"]) == (91.33, "优秀", 2160)
