"""Personal targets: `target_column` gives each person a target in the indicator's unit; a blank one is the
scheme's."""

import pandas as pd
import pytest
from helpers import write_xlsx
from openpyxl import load_workbook

from kpiscore import InputError, SchemeError, load_scheme, score, write_template
from kpiscore.words.result import Words

HEAD = ["工号", "姓名", "返修达成率", "个人目标", "销量", "销量目标"]


def scheme(**sales):
    """返修达成率: deduct W 30, 1 point per 1% below 95% (or the person's own target); 销量: ratio W 70 against
    each person's 销量目标 (the scheme has no target for it)."""
    return load_scheme({"name": "个人目标", "missing": "skip", "dimensions": [{"name": "D", "indicators": [
        {"name": "返修达成率", "weight": 30, "target": "95%", "target_column": "个人目标",
         "rule": {"type": "deduct", "per": "1%", "points": 1}},
        {"name": "销量", "weight": 70, "rule": "ratio", "target_column": "销量目标", **sales}]}]})


def test_the_worked_checks():
    # 91.5% against the scheme's 95%: 30 − 1 × 3.5 = 26.50; against a personal 90%: 30 − 1 × 0 = 30.00;
    # 销量 108 against a personal 120: 70 × 108 ÷ 120 = 63.00 (W 20 would give 18.00: 20 × 0.9)
    frame = pd.DataFrame([["E1", "甲", 0.915, None, 108, 120], ["E2", "乙", 0.915, "90%", 108, 120]], columns=HEAD)
    result = score(frame, scheme())
    assert result.scores["返修达成率"].tolist() == [26.5, 30.0]
    assert result.scores["销量"].tolist() == [63.0, 63.0]
    audit = Words(result).audit()
    assert audit["返修达成率"].tolist() == ["30 − 1 × 3.5 = 26.50", "30 − 1 × 0 = 30.00（个人目标 90%）"]
    assert Words(result).audit()["销量"].tolist() == ["70 × 108 ÷ 120 = 63.00（个人目标 120）"] * 2
    table = Words(result).table()
    assert list(table.columns[2:5]) == ["actual:返修达成率", "target:返修达成率", "score:返修达成率"]
    assert table["target:返修达成率"].tolist() == [0.95, 0.9] and table["target:销量"].tolist() == [120, 120]


def test_ratio_w20_against_a_personal_120():
    twenty = load_scheme({"name": "x", "dimensions": [{"name": "D", "indicators": [
        {"name": "销量", "weight": 20, "rule": "ratio", "target_column": "销量目标"},
        {"name": "其他", "weight": 80, "target": "100%"}]}]})
    result = score(pd.DataFrame([["E1", "甲", 108, 120, 1.0]], columns=["工号", "姓名", "销量", "销量目标", "其他"]),
                   twenty)
    assert result.scores.at[2, "销量"] == 18.0  # 20 × 108 ÷ 120


def test_each_bad_target_at_its_cell(tmp_path):
    rows = [HEAD, ["E1", "甲", 0.915, 90, 108, 120], ["E2", "乙", 0.915, "90%", 108, None],
            ["E3", "丙", 0.915, None, 108, 0]]
    with pytest.raises(InputError) as caught:
        score(write_xlsx(tmp_path / "a.xlsx", rows), scheme())
    assert [(f.code, f.cell) for f in caught.value.findings] == [
        ("percent_ambiguous", "D4"), ("target_blank", "F5"), ("target_not_positive", "F6")]


def test_a_rule_without_a_target_takes_no_target_column():
    with pytest.raises(SchemeError) as caught:
        load_scheme({"name": "x", "dimensions": [{"name": "D", "indicators": [
            {"name": "投诉", "weight": 100, "target_column": "个人目标", "rule": {"type": "count", "points": 1}}]}]})
    assert [(f.code, f.field) for f in caught.value.findings] == [
        ("target_column_rule", "dimensions[0].indicators[0].target_column")]


def test_the_template_puts_each_target_beside_its_actual(tmp_path):
    write_template(scheme(), tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx")["考核数据"]
    assert [c.value for c in ws[3]] == ["工号", "姓名", "部门", *HEAD[2:]]
    assert ws.cell(3, 5).comment.text == "个人目标（返修达成率），与实际值同一单位；留空按方案目标 95%"
    checks = {str(v.sqref): v.type for v in ws.data_validations.dataValidation}
    assert checks["E4:E1003"] == "decimal" and checks["G4:G1003"] == "decimal"
    # 填写说明's example for 销量 takes an example person's own target: 70 × 9 ÷ 10 = 63.00
    cells = [c for row in load_workbook(tmp_path / "t.xlsx")["填写说明"].iter_rows(values_only=True) for c in row]
    assert "70 × 9 ÷ 10 = 63.00（个人目标 10）" in cells and "个人目标：销量目标" in cells


def test_the_scheme_sheet_names_the_personal_targets():
    from kpiscore.io.workbook import scheme_table

    rows = scheme_table(scheme()).set_index("指标")
    assert rows.at["返修达成率", "目标"] == "95%（个人目标：个人目标）"
    assert rows.at["销量", "目标"] == "个人目标：销量目标"
    assert rows.at["销量", "计分规则"] == "ratio: 得分 = 70 × 实际值 ÷ 个人目标"
