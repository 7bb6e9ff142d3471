"""The engine: missing policies, rounding order, totals, veto, grades, forced distribution, ranks."""

import pandas as pd
import pytest
from helpers import EXAMPLE_SOURCES

from kpiscore import load_scheme, score
from kpiscore.words.result import Words


def scheme(indicators, **extra):
    return load_scheme({"name": "t", "dimensions": [{"name": "D", "indicators": indicators}], **extra})


def run(s, rows, columns):
    return score(pd.DataFrame(rows, columns=columns), s)


def test_spec_worked_table_end_to_end(base_scheme):
    row = ["1", "甲", "一部", 0.88, 0.82, 0.915, 5, 0.92, "较满意"]
    cols = ["工号", "姓名", "部门", "客服响应及时率", "问题一次性解决率", "返修任务达成率", "客户服务投诉",
            "售后服务报告准时率", "内部合作满意度"]
    r = run(base_scheme, [row], cols)
    assert r.scores.iloc[0].to_dict() == {
        "客服响应及时率": 14.67, "问题一次性解决率": 20.5, "返修任务达成率": 26.5, "客户服务投诉": 13.0,
        "售后服务报告准时率": 13.2, "内部合作满意度": 2.0}
    # subtotals: 14.67 + 20.50 = 35.17 ; 26.50 + 13.00 = 39.50 ; 13.20 + 2.00 = 15.20 ; total 89.87
    assert r.dimensions.iloc[0].to_dict() == {"时效性": 35.17, "专业性": 39.5, "规范性": 15.2}
    assert r.summary.at[r.summary.index[0], "total"] == 89.87
    assert r.summary.at[r.summary.index[0], "grade"] == "良好"
    audit = Words(r).audit().iloc[0]
    assert audit["客服响应及时率"] == "15 × 88% ÷ 90% = 14.67"
    assert audit["返修任务达成率"] == "30 − 1 × 3.5 = 26.50"
    assert audit["客户服务投诉"] == "15 − 1 × max(0, 5 − 3) = 13.00"
    assert audit["内部合作满意度"] == "较满意: 2 = 2.00"


def test_rounding_traps_in_scores():
    s = scheme([{"name": "A", "weight": 20, "target": "80%"}, {"name": "B", "weight": 15, "target": "90%"},
                {"name": "C", "weight": 65, "target": "100%"}])
    r = run(s, [["1", "甲", 0.801, 0.8031, 1.0]], ["工号", "姓名", "A", "B", "C"])
    # 20 × 80.1% ÷ 80% = 20.025 → 20.03 ; 15 × 80.31% ÷ 90% = 13.385 → 13.39 (Excel ROUND, not float round)
    assert list(r.scores.iloc[0]) == [20.03, 13.39, 65.0]
    assert r.summary["total"].iloc[0] == 98.42


def test_grade_boundary_exactly_70():
    # 0.1 + 0.2 + 69.7: float sum is 70.00000000000001 / 69.99999…; the rounded total is 70.00 → 达标
    s = scheme([{"name": "A", "weight": 10, "target": 1, "unit": "分"},
                {"name": "B", "weight": 20, "target": 1, "unit": "分"},
                {"name": "C", "weight": 70, "target": 1, "unit": "分"}])
    r = run(s, [["1", "甲", 0.01, 0.01, 0.9957142857142857]], ["工号", "姓名", "A", "B", "C"])
    # 10 × 0.01 = 0.10 ; 20 × 0.01 = 0.20 ; 70 × 0.99571… = 69.70 ; total 70.00
    assert list(r.scores.iloc[0]) == [0.1, 0.2, 69.7]
    assert r.summary["total"].iloc[0] == 70.0 and r.summary["grade"].iloc[0] == "达标"


def test_skip_rescales_before_rounding():
    s = scheme([{"name": "A", "weight": 15, "target": "90%"}, {"name": "B", "weight": 85, "target": "80%",
                                                                 "missing": "skip"}])
    r = run(s, [["1", "甲", 0.88, None], ["2", "乙", 0.9, 0.8]], ["工号", "姓名", "A", "B"])
    # row 1: B does not apply; A: 15 × 88% ÷ 90% = 14.666… × 100 ÷ 15 = 97.777… → 97.78 ; B is null
    assert r.scores["A"].iloc[0] == 97.78 and pd.isna(r.scores["B"].iloc[0])
    assert r.summary["total"].iloc[0] == 97.78
    assert r.to_dict()["employees"][0]["scores"]["B"] is None
    assert Words(r).audit()["B"].iloc[0] == "不适用"
    assert Words(r).audit()["A"].iloc[0] == "(15 × 88% ÷ 90%) × 100 ÷ 15 = 97.78"
    # raw (before rescaling) keeps the bound [0, W]; achievement 14.666… ÷ 15
    assert r.raw["A"].iloc[0] == pytest.approx(14.6666666667)
    assert r.scores["A"].iloc[1] == 15.0 and r.scores["B"].iloc[1] == 85.0


def test_zero_policy_and_counts_blank_is_zero():
    s = scheme([{"name": "A", "weight": 50, "target": "90%", "missing": "zero"},
                {"name": "N", "weight": 50, "rule": {"type": "count", "allow": 1, "points": 10}}])
    r = run(s, [["1", "甲", None, None]], ["工号", "姓名", "A", "N"])
    # A blank → 0 ; N blank → 0 occurrences → 50
    assert list(r.scores.iloc[0]) == [0.0, 50.0]
    assert Words(r).audit()["A"].iloc[0] == "空白: 0 = 0.00"


def test_bonus_penalty_and_floor_at_zero():
    s = scheme([{"name": "A", "weight": 100, "target": "100%"}], adjustments=[
        {"name": "表扬", "rule": {"type": "bonus", "points": 1, "max": 5}},
        {"name": "失误", "rule": {"type": "penalty", "points": 3}}])
    r = run(s, [["1", "甲", 0.9, 7, 1], ["2", "乙", 0.05, None, 4]], ["工号", "姓名", "A", "表扬", "失误"])
    # 90 + min(1 × 7, 5) − 3 × 1 = 92 ; 5 + 0 − 12 = −7 → 0
    assert list(r.summary["bonus"]) == [5.0, 0.0] and list(r.summary["penalty"]) == [3.0, 12.0]
    assert list(r.summary["total"]) == [92.0, 0.0]


def test_veto_zero_and_grade():
    s = scheme([{"name": "A", "weight": 100, "target": "100%"}], adjustments=[
        {"name": "事故", "rule": {"type": "veto"}},
        {"name": "违纪", "rule": {"type": "veto", "allow": 1, "effect": "grade", "grade": "待改进"}}])
    r = run(s, [["1", "甲", 0.95, 1, 0], ["2", "乙", 0.95, 0, 2], ["3", "丙", 0.8, 0, 1]],
            ["工号", "姓名", "A", "事故", "违纪"])
    sm = r.summary
    assert list(sm["total"]) == [0.0, 95.0, 80.0]          # zero: the total is 0, ranked as 0
    assert list(sm["grade"]) == ["待改进", "待改进", "良好"]  # grade: forced, total kept
    assert list(sm["veto"]) == [True, True, False]
    assert list(sm["rank"]) == [3, 1, 2]
    assert [e["veto"] for e in r.to_dict()["employees"]] == [True, True, False]


def test_competition_ranks_overall_and_in_group():
    s = scheme([{"name": "A", "weight": 100, "target": "100%"}])
    rows = [["1", "a", "X", 0.9], ["2", "b", "X", 0.95], ["3", "c", "Y", 0.9], ["4", "d", "Y", 0.8],
            ["5", "e", "X", 0.9]]
    r = run(s, rows, ["工号", "姓名", "部门", "A"])
    # totals 90, 95, 90, 80, 90 → 2, 1, 2, 5, 2 ("1, 2, 2, 4" style)
    assert list(r.summary["rank"]) == [2, 1, 2, 5, 2]
    # X: 90, 95, 90 → 2, 1, 2 ; Y: 90, 80 → 1, 2
    assert list(r.summary["group_rank"]) == [2, 1, 1, 2, 2]


def test_forced_distribution_with_ties():
    s = scheme([{"name": "A", "weight": 100, "target": "100%"}],
               grades=[{"grade": "优秀", "min": 90, "max_share": "20%"}, {"grade": "良好", "min": 80},
                       {"grade": "达标", "min": 0}])
    totals = [0.99, 0.95, 0.95, 0.92, 0.85, 0.7, 0.7, 0.6, 0.5, 0.5]
    r = run(s, [[str(i), "x", t] for i, t in enumerate(totals)], ["工号", "姓名", "A"])
    # n = 10, quota floor(10 × 20%) = 2; 优秀 reached by 99, 95, 95, 92: the third-highest (95) is the cut,
    # and both 95s drop with it → only 99 stays 优秀
    assert list(r.summary["grade"]) == ["优秀", "良好", "良好", "良好", "良好", "达标", "达标", "达标", "达标", "达标"]


def test_forced_distribution_cascades_and_empties():
    s = scheme([{"name": "A", "weight": 100, "target": "100%"}],
               grades=[{"grade": "优秀", "min": 90, "max_share": "10%"},
                       {"grade": "良好", "min": 80, "max_share": "30%"}, {"grade": "达标", "min": 0}])
    totals = [0.95, 0.95, 0.91, 0.85, 0.5]
    r = run(s, [[str(i), "x", t] for i, t in enumerate(totals)], ["工号", "姓名", "A"])
    # n = 5: 优秀 quota floor(0.5) = 0 → 95, 95, 91 all drop to 良好 (优秀 left empty);
    # 良好 quota floor(1.5) = 1: 95, 95, 91, 85 → cut at the 2nd (95), ties drop → all four drop to 达标
    assert list(r.summary["grade"]) == ["达标"] * 5


def test_coefficient_and_payout():
    s = scheme([{"name": "A", "weight": 100, "target": "100%"}],
               columns={"base": "绩效奖金基数"},
               grades=[{"grade": "优秀", "min": 90, "coefficient": 1.2}, {"grade": "良好", "min": 0,
                                                                             "coefficient": 0.8}])
    r = run(s, [["1", "a", 0.95, 3333.33], ["2", "b", 0.5, None]], ["工号", "姓名", "A", "绩效奖金基数"])
    # 3333.33 × 1.2 = 3999.996 → 4000.00 ; no base → no payout
    assert list(r.summary["coefficient"]) == [1.2, 0.8]
    assert r.summary["payout"].iloc[0] == 4000.0 and pd.isna(r.summary["payout"].iloc[1])
    e = r.to_dict()["employees"]
    assert (e[0]["coefficient"], e[0]["payout"], e[1]["payout"]) == (1.2, 4000.0, None)


def test_json_shape(base_scheme):
    cols = ["工号", "姓名", "客服响应及时率", "问题一次性解决率", "返修任务达成率", "客户服务投诉",
            "售后服务报告准时率", "内部合作满意度"]
    r = run(base_scheme, [["1", "甲", 0.88, 0.82, 0.915, 5, 0.92, "较满意"]], cols)
    doc = r.to_dict()
    assert doc["scheme"] == "测试方案" and doc["period"] is None
    e = doc["employees"][0]
    assert set(e) == {"id", "name", "group", "scores", "dimensions", "bonus", "penalty", "total", "grade",
                      "coefficient", "payout", "rank", "group_rank", "veto", "adjustment", "quota_moves", "next_grade"}
    assert e["group"] is None and e["group_rank"] is None and e["coefficient"] is None and e["veto"] is False
    assert e["adjustment"] is None and e["quota_moves"] is None


def test_the_scores_table_is_keyed_by_stable_ids_with_a_column_spec():
    s = scheme([{"name": "A", "weight": 60, "target": "90%"},
                {"name": "B", "weight": 40, "rule": {"type": "count", "allow": 0, "points": 5}}])
    r = run(s, [["1", "甲", 0.9, 2]], ["工号", "姓名", "A", "B"])
    spec = {c.id: (c.kind, c.unit, c.source) for c in r.columns()}
    assert spec == {
        "id": ("identity", None, "工号"), "name": ("identity", None, "姓名"),
        "actual:A": ("actual", "percent", "A"), "score:A": ("score", None, None),
        "actual:B": ("actual", "count", "B"), "score:B": ("score", None, None),
        "subtotal:D": ("score", None, None), "total": ("points", None, None), "grade": ("label", None, None),
        "rank": ("rank", None, None), "veto": ("flag", None, None), "next_grade": ("label", None, None)}
    row = Words(r).table().iloc[0]
    # 60 × 90% ÷ 90% = 60 ; 40 − 5 × 2 = 30 ; total 90
    assert (row["score:A"], row["score:B"], row["subtotal:D"], row["total"]) == (60.0, 30.0, 90.0, 90.0)


def test_group_means_are_exact_however_the_columns_are_held():
    # express-cs: 服务质量与准确性 subtotals 33.80, 30.29, 28.00, 24.47 → everyone's mean (116.56 ÷ 4) = 29.14,
    # 团队协作与个人发展 5.00, 4.71, 4.00, 3.53 → 17.24 ÷ 4 = 4.31, the floats nearest, not one bit off
    from dataclasses import replace

    from kpiscore.core import analysis

    result = score("examples/express-cs.csv", load_scheme("express-cs"), sources=EXAMPLE_SOURCES["express-cs"])
    everyone = analysis.group_table(result).set_index("group").loc[analysis.EVERYONE]
    assert everyone["服务质量与准确性"] == 29.14 and everyone["团队协作与个人发展"] == 4.31
    held = pd.DataFrame(result.dimensions.to_numpy(), index=result.dimensions.index, columns=result.dimensions.columns)
    again = analysis.group_table(replace(result, dimensions=held))  # one block, not a column each
    pd.testing.assert_frame_equal(analysis.group_table(result), again)
