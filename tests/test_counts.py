"""Counts over counts: `actual: {ratio: [准时提交次数, 应提交次数]}` reads two count columns, A = first ÷ second."""

import pandas as pd
import pytest
from helpers import write_xlsx
from openpyxl import load_workbook

from kpiscore import InputError, SchemeError, load_scheme, score, write_template
from kpiscore.words.result import Words

COUNTS = ["准时提交次数", "应提交次数"]
HEAD = ["工号", "姓名", *COUNTS, "达成率"]


def scheme(**changes):
    """报告准时率 W 40 from counts against 100%, 达成率 W 60 against 100%, both ratio."""
    return load_scheme({"name": "计数", "dimensions": [{"name": "D", "indicators": [
        {"name": "报告准时率", "weight": 40, "target": "100%", "actual": {"ratio": COUNTS}},
        {"name": "达成率", "weight": 60, "target": "100%"}]}], **changes})


def test_nineteen_of_twenty_is_95_percent_and_the_audit_shows_the_counts():
    # 19 / 20 = 95% → 40 × 95% ÷ 100% = 38.00; 3 / 4 = 75% → 30.00; 达成率 90% → 60 × 90% = 54.00
    result = score(pd.DataFrame([["E1", "甲", 19, 20, 0.9], ["E2", "乙", 3, 4, 0.9]], columns=HEAD), scheme())
    assert result.actuals["报告准时率"].tolist() == [0.95, 0.75]
    assert result.scores["报告准时率"].tolist() == [38.0, 30.0]
    assert result.summary["total"].tolist() == [92.0, 84.0]
    assert Words(result).audit()["报告准时率"].tolist() == ["19 / 20 = 95% → 40 × 95% ÷ 100% = 38.00",
                                                  "3 / 4 = 75% → 40 × 75% ÷ 100% = 30.00"]


def test_a_zero_denominator_does_not_apply_under_skip():
    # nothing to submit: 报告准时率 is left out and 达成率 rescaled, 60 × 90% = 54 → 54 × 100 ÷ 60 = 90.00
    result = score(pd.DataFrame([["E1", "甲", 0, 0, 0.9]], columns=HEAD), scheme(missing="skip"))
    assert pd.isna(result.scores.at[2, "报告准时率"]) and result.summary.at[2, "total"] == 90.0
    assert Words(result).audit().at[2, "报告准时率"] == "不适用"


def test_each_count_is_checked_at_its_cell(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [HEAD, ["E1", "甲", 19, 0, 0.9], ["E2", "乙", None, 4, 0.9],
                                           ["E3", "丙", 2.5, 4, 0.9], ["E4", "丁", 3, -1, 0.9]])
    with pytest.raises(InputError) as caught:
        score(path, scheme())
    assert [(f.code, f.cell) for f in caught.value.findings] == [
        ("denominator_zero", "D4"), ("blank", "C5"), ("count_whole", "C6"), ("negative", "D7")]
    said = "D4: 分母为 0（报告准时率）：没有可计算的比例；本期不适用请在方案中设 missing: skip"
    assert str(caught.value.findings[0]).endswith(said)


def test_only_a_number_rule_takes_a_ratio_of_counts():
    with pytest.raises(SchemeError) as caught:
        load_scheme({"name": "x", "dimensions": [{"name": "D", "indicators": [
            {"name": "满意度", "weight": 100, "rule": {"type": "mapping", "map": {"好": 100}},
             "actual": {"ratio": COUNTS}}]}]})
    assert [(f.code, f.field) for f in caught.value.findings] == [
        ("actual_ratio_rule", "dimensions[0].indicators[0].actual")]


def test_the_template_asks_for_both_counts(tmp_path):
    write_template(scheme(), tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx")["考核数据"]
    assert [c.value for c in ws[3]] == ["工号", "姓名", "部门", *COUNTS, "达成率"]
    checks = {str(v.sqref): (v.type, v.operator, v.formula1) for v in ws.data_validations.dataValidation}
    assert checks["D4:D1003"] == checks["E4:E1003"] == ("whole", "greaterThanOrEqual", "0")
