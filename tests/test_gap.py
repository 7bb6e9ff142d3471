"""The way to the next grade (issue 15, part 4): the points short, and the actual each indicator would need to
make them up alone, worked by each rule inverting its own score."""

import json

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kpiscore import load_scheme, score
from kpiscore.cli import app
from kpiscore.text import voice
from kpiscore.words.result import Words, next_grade

GRADES = [{"grade": "优秀", "min": 100.54}, {"grade": "良好", "min": 80}, {"grade": "达标", "min": 70},
          {"grade": "待改进", "min": 0}]
INDICATORS = [
    {"name": "问题一次性解决率", "weight": 20, "target": "80%"},
    {"name": "上门服务到达及时率", "weight": 15, "target": "85%"},
    {"name": "客户服务投诉", "weight": 50, "rule": {"type": "count", "allow": 0, "points": 5}},
    {"name": "内部合作满意度", "weight": 15, "rule": {"type": "mapping", "scale": True,
                                                  "map": {"很满意": 3, "较满意": 2, "不满意": 1}}},
]


def scheme(indicators=INDICATORS, grades=GRADES, **extra):
    return load_scheme({"name": "t", "columns": {"group": None}, "grades": grades,
                        "dimensions": [{"name": "D", "indicators": indicators}], **extra})


def person(**actuals):
    row = {"问题一次性解决率": 0.82, "上门服务到达及时率": 0.75, "客户服务投诉": 0, "内部合作满意度": "很满意"}
    return pd.DataFrame([{"工号": "1", "姓名": "甲", **row, **actuals}])


def test_the_issue_line():
    r = score(person(), scheme())
    # 20 × 82% ÷ 80% = 20.50, 15 × 75% ÷ 85% = 13.24, 50 (no complaint), 15 (很满意): 98.74, 1.8 short of 100.54;
    # 20 × 7.2% ÷ 80% = 1.8 → 82% + 7.2% = 89.2%; 15 × 10.2% ÷ 85% = 1.8 → 75% + 10.2% = 85.2%; 7.2 ÷ 80 = 9% of
    # its target is the smaller step (10.2 ÷ 85 = 12%); no complaint and 很满意 cannot give more
    assert r.summary.iloc[0]["total"] == 98.74
    assert next_grade(r.next_grade(), voice("zh")).iloc[0] == ('距"优秀"差 1.8 分：问题一次性解决率 82% → 89.2%'
                                                  '（或上门服务到达及时率 75% → 85.2%）')
    doc = r.to_dict()["employees"][0]["next_grade"]
    assert doc == {"grade": "优秀", "points": 1.8, "options": [
        {"indicator": "问题一次性解决率", "from": 0.82, "to": 0.892},
        {"indicator": "上门服务到达及时率", "from": 0.75, "to": 0.852}]}


def test_a_count_a_label_and_a_threshold_invert_their_own_rules():
    inds = [{"name": "客户服务投诉", "weight": 50, "rule": {"type": "count", "allow": 0, "points": 5}},
            {"name": "内部合作满意度", "weight": 30, "rule": {"type": "mapping", "scale": True,
                                                         "map": {"很满意": 3, "较满意": 2, "不满意": 1}}},
            {"name": "报告准时率", "weight": 20, "target": "95%", "rule": {"type": "threshold"}}]
    grades = [{"grade": "优秀", "min": 90}, {"grade": "良好", "min": 0}]
    frame = pd.DataFrame([{"工号": "1", "姓名": "甲", "客户服务投诉": 3, "内部合作满意度": "较满意",
                           "报告准时率": 0.9}])
    r = score(frame, scheme(inds, grades))
    # 50 − 5 × 3 = 35; 30 × 2 ÷ 3 = 20; 90% < 95%: 0 → 55, 35 short of 90: only passing the threshold (+20) or the
    # complaints (at most +15) or the label (+10) — none alone; at 70 short of 90 … see the next frame
    assert r.summary.iloc[0]["total"] == 55
    assert next_grade(r.next_grade(), voice("zh")).iloc[0] == '距"优秀"差 35 分：没有单项指标能独自补足'
    frame.loc[0, ["客户服务投诉", "报告准时率"]] = [1, 0.96]  # 45 + 20 + 20 = 85, 5 short
    way = score(frame, scheme(inds, grades)).next_grade()
    # complaints: 50 − 5 × A ≥ 50 → A = 0 (one fewer, 1/1 of the actual); the label: 30 × 3 ÷ 3 = 30 → 很满意
    assert way.options(way.grade.index[0]) == [
        {"indicator": "客户服务投诉", "from": 1.0, "to": 0.0},
        {"indicator": "内部合作满意度", "from": "较满意", "to": "很满意"}]


def test_nobody_at_the_top_after_a_veto_or_held_by_a_quota_has_a_gap():
    grades = [{"grade": "优秀", "min": 90, "max_share": "50%"}, {"grade": "良好", "min": 0}]
    inds = [{"name": "A", "weight": 100, "target": 100}]
    frame = pd.DataFrame({"工号": ["1", "2", "3"], "姓名": "x", "A": [99, 95, 50]})
    way = score(frame, scheme(inds, grades)).next_grade()
    # floor(3 × 50%) = 1: 99 stays 优秀 (the top: no next grade), 95 is held at 良好 by the quota, not by points
    assert list(way.grade) == [None, None, "优秀"]
    assert next_grade(way, voice("zh")).iloc[2] == '距"优秀"差 40 分：A 50 → 90'


def test_explain_and_the_scores_column(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps({"name": "t", "columns": {"group": None}, "grades": GRADES,
                                "dimensions": [{"name": "D", "indicators": INDICATORS}]}, ensure_ascii=False),
                    encoding="utf-8")
    data = tmp_path / "in.csv"
    person().to_csv(data, index=False)
    shown = CliRunner().invoke(app, ["explain", str(data), "-s", str(path), "--id", "1"])
    assert '距"优秀"差 1.8 分：问题一次性解决率 82% → 89.2%（或上门服务到达及时率 75% → 85.2%）' in shown.output
    table = Words(score(person(), scheme())).table()
    assert table["next_grade"].iloc[0].startswith('距"优秀"差 1.8 分')


@settings(max_examples=60, deadline=None)
@given(actuals=st.lists(st.integers(40, 100), min_size=3, max_size=3),
       rules=st.lists(st.sampled_from(["ratio", "deduct", "bands"]), min_size=3, max_size=3))
def test_the_needed_actual_reaches_the_next_grade(actuals, rules):
    forms = {"ratio": "ratio", "deduct": {"type": "deduct", "per": "1%", "points": 1},
             "bands": {"type": "bands", "bands": [{"when": ">= 95%", "score": 40},
                                                  {"when": "[60%, 95%)", "score": [10, 40]},
                                                  {"when": "[0%, 60%)", "score": 0}]}}
    inds = [{"name": f"I{i}", "weight": 40 if i == 0 else 30, "target": "95%",
             "rule": json.loads(json.dumps(forms[r]))} for i, r in enumerate(rules)]
    for ind, r in zip(inds, rules, strict=True):  # a band's points within its indicator's weight
        if r == "bands":
            ind["rule"]["bands"][0]["score"] = ind["weight"]
            ind["rule"]["bands"][1]["score"] = [10, ind["weight"]]
    s = scheme(inds, [{"grade": "优秀", "min": 90}, {"grade": "良好", "min": 0}])
    frame = pd.DataFrame([{"工号": "1", "姓名": "甲", **{f"I{i}": a / 100 for i, a in enumerate(actuals)}}])
    r = score(frame, s)
    way = r.next_grade()
    for option in (way.options(way.grade.index[0]) if way.grade.iloc[0] else []):
        again = frame.copy()
        again.loc[0, option["indicator"]] = option["to"]
        # the actual it names, typed in, reaches the next grade on its own
        assert score(again, s).summary.iloc[0]["total"] >= 90, option
