"""Nested roll-ups (issue 15, part 3): months → quarters → the year, each level its workbook, and managers
assessed annually only in the same plan."""

import pytest
import yaml
from helpers import write_xlsx
from openpyxl import load_workbook
from typer.testing import CliRunner

from kpiscore import SchemeError
from kpiscore.batch import load_plan, run_batch
from kpiscore.cli import app

# one indicator of weight 100 against 100: the total is the actual
SIMPLE = {"name": "单指标", "columns": {"group": None}, "dimensions": [{"name": "D", "indicators": [
    {"name": "业绩", "weight": 100, "target": 100}]}]}
MONTHS = {"2024-01": 84.5, "2024-02": 90, "2024-03": 77, "2024-07": 88, "2024-10": 91}


def rows(path):
    table = list(load_workbook(path).worksheets[0].iter_rows(values_only=True))
    return [dict(zip(table[0], r, strict=True)) for r in table[1:]]


def plan(tmp_path, rollups, periods=MONTHS, extra=None):
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(SIMPLE, allow_unicode=True), encoding="utf-8")
    specs = []
    for period, total in periods.items():
        write_xlsx(tmp_path / f"{period}.xlsx", [["工号", "姓名", "业绩"], ["E1", "甲", total]])
        specs.append({"period": period, "input": f"{period}.xlsx"})
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump({"name": "年度", "scheme": "s.yaml", "output": "out", "periods": specs,
                                    "rollups": rollups, **(extra or {})}, allow_unicode=True), encoding="utf-8")
    return path


LEVELS = [{"period": "2024Q1", "of": ["2024-01", "2024-02", "2024-03"], "method": "mean"},
          {"period": "2024Q3", "of": ["2024-07"]}, {"period": "2024Q4", "of": ["2024-10"]},
          {"period": "2024", "of": ["2024Q1", "2024Q3", "2024Q4"], "method": "mean"}]


def test_months_to_quarters_to_the_year(tmp_path):
    report = run_batch(plan(tmp_path, LEVELS))
    assert report.ok
    assert [p.name for p, _ in report.rollups] == ["2024Q1_rollup.xlsx", "2024Q3_rollup.xlsx", "2024Q4_rollup.xlsx",
                                                   "2024_rollup.xlsx"]
    # (84.5 + 90 + 77) ÷ 3 = 251.5 ÷ 3 = 83.8333 → 83.83
    [q1] = rows(tmp_path / "out" / "2024Q1_rollup.xlsx")
    assert q1["2024Q1 总分"] == 83.83
    # the year rolls up the quarters as rounded: (83.83 + 88 + 91) ÷ 3 = 262.83 ÷ 3 = 87.61
    [year] = rows(tmp_path / "out" / "2024_rollup.xlsx")
    assert (year["2024Q1 总分"], year["2024Q3 总分"], year["2024Q4 总分"], year["2024 总分"]) == (83.83, 88, 91, 87.61)


def test_a_quarter_absent_counts_over_the_quarters_present(tmp_path):
    levels = [*LEVELS[:3], {"period": "2024Q2", "of": ["2024-05"]},
              {"period": "2024", "of": ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]}]
    months = {**MONTHS, "2024-05": None}
    path = plan(tmp_path, levels, months)
    write_xlsx(tmp_path / "2024-05.xlsx", [["工号", "姓名", "业绩"], ["E2", "乙", 80]])  # E1 absent in Q2
    report = run_batch(path)
    year = {r["工号"]: r for r in rows(report.rollup_path)}
    # E1: Q2 absent, so (83.83 + 88 + 91) ÷ 3 = 87.61, marked absent
    assert (year["E1"]["2024 总分"], year["E1"]["缺期"]) == (87.61, "是")


def test_managers_assessed_annually_sit_in_the_same_plan(tmp_path):
    manager = {**SIMPLE, "name": "经理"}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(manager, allow_unicode=True), encoding="utf-8")
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(SIMPLE, allow_unicode=True), encoding="utf-8")
    periods = []
    for q, total in (("2024Q1", 80), ("2024Q2", 90)):
        write_xlsx(tmp_path / f"{q}.xlsx", [["工号", "姓名", "岗位", "业绩"], ["E1", "甲", "专员", total]])
        periods.append({"period": q, "input": f"{q}.xlsx"})
    write_xlsx(tmp_path / "annual.xlsx", [["工号", "姓名", "岗位", "业绩"], ["M1", "王经理", "经理", 95]])
    periods.append({"period": "2024年度", "input": "annual.xlsx"})
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump({
        "name": "年度", "role_column": "岗位", "schemes": {"专员": "s.yaml", "经理": "m.yaml"}, "output": "out",
        "periods": periods, "rollups": [{"period": "2024", "of": ["2024Q1", "2024Q2", "2024年度"]}]},
        allow_unicode=True), encoding="utf-8")
    report = run_batch(path)
    assert report.ok
    year = {r["工号"]: r for r in rows(report.rollup_path)}
    # the staff's year: (80 + 90) ÷ 2 = 85, not absent from the managers' annual period; the manager's: 95
    assert (year["E1"]["2024 总分"], year["E1"]["缺期"]) == (85, "否")
    assert (year["M1"]["2024 总分"], year["M1"]["缺期"]) == (95, "否")


def test_plan_errors_for_levels(tmp_path):
    bad = [{"period": "2024Q1", "of": ["2024-01", "2024-13"]}, {"period": "2024-02", "of": ["2024Q1"]},
           {"period": "2024", "of": ["2024Q9"], "method": "weights", "weights": {"2024Q1": 1}}]
    with pytest.raises(SchemeError) as exc:
        load_plan(plan(tmp_path, bad))
    assert [(f.code, f.field) for f in exc.value.findings] == [
        ("plan_rollup_unknown", "rollups[0].of[1]"), ("plan_period_duplicate", "rollups[1].period"),
        ("plan_rollup_unknown", "rollups[2].of[0]"), ("plan_weights_unknown", "rollups[2].weights.2024Q1")]


def test_the_cli_says_every_level_written(tmp_path):
    result = CliRunner().invoke(app, ["batch", str(plan(tmp_path, LEVELS))])
    assert result.exit_code == 0, result.output
    assert result.output.count("已写入汇总") == 4
