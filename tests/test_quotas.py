"""Quotas that work for real team sizes (issue 14, part 3): rounding, bottom quotas, scopes, small scopes, and
every grade change explained."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kpiscore import SchemeError, load_scheme, score
from kpiscore.cli import app
from kpiscore.core.grading import quota_count
from kpiscore.words.result import Words

GRADES = [{"grade": "优秀", "min": 90}, {"grade": "良好", "min": 80}, {"grade": "达标", "min": 70},
          {"grade": "待改进", "min": 0}]


def scheme(grades=None, **extra):
    return load_scheme({"name": "t", "columns": {"group": "部门"}, "grades": grades or GRADES,
                        "dimensions": [{"name": "D", "indicators": [{"name": "A", "weight": 100, "target": 100}]}],
                        **extra})


def totals(values, groups=None):
    """People E1, E2 … whose total is their A (weight 100, target 100)."""
    return pd.DataFrame({"工号": [f"E{i + 1}" for i in range(len(values))], "姓名": "x", "部门": groups or "一部",
                         "A": values})


def with_shares(**shares):
    return [dict(g, **shares.get(g["grade"], {})) for g in GRADES]


def test_ceil_gives_a_team_of_four_one_excellent():
    s = scheme(with_shares(优秀={"max_share": "20%"}), quota={"rounding": "ceil"})
    r = score(totals([95, 93, 91, 85]), s)
    # ceil(4 × 20%) = ceil(0.8) = 1 place: 95 stays, 93 and 91 drop to 良好
    assert list(r.summary["grade"]) == ["优秀", "良好", "良好", "良好"]
    notes = Words(r).grade_notes()
    assert notes.iloc[1] == "强制分布：优秀名额 ceil(4 × 20%) = 1，排第 2，降为良好"
    assert notes.iloc[2] == "强制分布：优秀名额 ceil(4 × 20%) = 1，排第 3，降为良好"
    assert notes.iloc[0] == notes.iloc[3] == ""
    # floor(0.8) = 0: nobody could be 优秀
    floor = score(totals([95, 93, 91, 85]), scheme(with_shares(优秀={"max_share": "20%"})))
    assert list(floor.summary["grade"]) == ["良好"] * 4


def test_the_issue_line_floor_of_twelve():
    s = scheme(with_shares(优秀={"max_share": "20%"}))
    r = score(totals([99, 98, 97, 96, 85, 84, 83, 82, 81, 75, 74, 60]), s)
    # floor(12 × 20%) = floor(2.4) = 2: 99 and 98 stay; 97 (3rd) and 96 (4th) drop
    assert Words(r).grade_notes().iloc[2] == "强制分布：优秀名额 floor(12 × 20%) = 2，排第 3，降为良好"
    assert list(r.summary["grade"][:4]) == ["优秀", "优秀", "良好", "良好"]


def test_rounding_round_is_half_up():
    assert quota_count(12, 0.2, "round") == 2  # 2.4
    assert quota_count(10, 0.25, "round") == 3  # 2.5 → 3, as Excel's ROUND
    assert quota_count(10, 0.25, "floor") == 2 and quota_count(10, 0.25, "ceil") == 3
    assert quota_count(10, 0.3, "ceil") == 3  # 10 × 0.3 is 3.0000000000000004 in floats: the decimal 3


def test_a_bottom_quota_in_warn_mode_is_a_notice():
    s = scheme(with_shares(待改进={"min_share": "10%"}), quota={"min_mode": "warn"})
    r = score(totals([95, 92, 91, 88, 86, 85, 84, 83, 82, 81, 78, 75]), s)
    # 12 people, floor(12 × 10%) = 1 required at 待改进, nobody there: warned, nobody moved
    assert "待改进" not in set(r.summary["grade"])
    said = [w.message for w in r.warnings if w.code == "quota_min_short"]
    assert said == ["待改进 0 人，要求至少 1 人"]


def test_a_bottom_quota_enforced_moves_the_lowest_down():
    s = scheme(with_shares(待改进={"min_share": "10%"}))
    r = score(totals([95, 92, 91, 88, 86, 85, 84, 83, 82, 81, 78, 75]), s)
    # floor(1.2) = 1 at 待改进 or below: the lowest total, 75 (达标), moves down
    assert list(r.summary["grade"])[-2:] == ["达标", "待改进"]
    notes = Words(r).grade_notes()
    assert notes.iloc[-1] == "强制分布：待改进及以下至少 floor(12 × 10%) = 1 人，排倒数第 1，由达标降为待改进"
    assert not [w for w in r.warnings if w.code == "quota_min_short"]


def test_two_seven_one_of_ten_ratings():
    # 2-7-1: at most 20% 优秀, at most 70% 良好, the rest 待改进 (at least 10%)
    grades = [{"grade": "优秀", "min": 90, "max_share": "20%"}, {"grade": "良好", "min": 60, "max_share": "70%"},
              {"grade": "待改进", "min": 0, "min_share": "10%"}]
    r = score(totals([99, 97, 95, 93, 91, 89, 87, 85, 83, 81]), scheme(grades))
    # floor(10 × 20%) = 2 优秀 (99, 97); floor(10 × 70%) = 7 良好 (95 … 83); 81 is the one 待改进
    counts = r.summary["grade"].value_counts()
    assert (counts["优秀"], counts["良好"], counts["待改进"]) == (2, 7, 1)
    assert r.summary["grade"].iloc[-1] == "待改进"


def test_quotas_per_group_and_a_small_group_left_alone():
    s = scheme(with_shares(优秀={"max_share": "20%"}), quota={"scope": "group", "min_size": 5})
    groups = ["一部"] * 5 + ["二部"] * 2
    r = score(totals([99, 97, 95, 80, 75, 96, 94], groups), s)
    # 一部: floor(5 × 20%) = 1 → 97 and 95 drop; 二部 has 2 < min_size 5 → both stay 优秀, with a notice
    assert list(r.summary["grade"]) == ["优秀", "良好", "良好", "良好", "达标", "优秀", "优秀"]
    assert Words(r).grade_notes().iloc[1] == "强制分布（一部）：优秀名额 floor(5 × 20%) = 1，排第 2，降为良好"
    assert [w.message for w in r.warnings if w.code == "quota_small_scope"] == [
        "[二部] 参评 2 人，少于 quota.min_size 5 人，未执行强制分布"]


def test_summary_and_audit_show_the_quotas(tmp_path):
    s = scheme(with_shares(优秀={"max_share": "20%"}, 待改进={"min_share": "10%"}), quota={"rounding": "ceil"})
    r = score(totals([95, 93, 91, 85]), s)
    from kpiscore.core.analysis import grade_distribution

    table = grade_distribution(r)
    assert list(table["target"]) == ["≤ 20%", "—", "—", "≥ 10%"]
    # ceil(4 × 10%) = 1 at 待改进: 85 moves down; ceil(4 × 20%) = 1 优秀
    assert list(table["count"]) == [1, 2, 0, 1]


def test_explain_says_why_the_grade_moved(tmp_path):
    path = tmp_path / "a.csv"
    totals([95, 93, 91, 85]).to_csv(path, index=False)
    (tmp_path / "s.yaml").write_text(
        "name: t\ncolumns: {group: 部门}\nquota: {rounding: ceil}\n"
        "grades: [{grade: 优秀, min: 90, max_share: 20%}, {grade: 良好, min: 0}]\n"
        "dimensions: [{name: D, indicators: [{name: A, weight: 100, target: 100}]}]\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["explain", str(path), "--scheme", str(tmp_path / "s.yaml"), "--id", "E2"])
    assert out.exit_code == 0, out.output
    assert "强制分布：优秀名额 ceil(4 × 20%) = 1，排第 2，降为良好" in out.output


def test_quota_scheme_errors_at_their_lines(tmp_path):
    (tmp_path / "s.yaml").write_text(
        "name: t\ncolumns: {group: null}\nquota: {scope: group, rounding: up}\n"
        "grades: [{grade: 优秀, min: 90, max_share: 20}, {grade: 良好, min: 0, min_share: 110%}]\n"
        "dimensions: [{name: D, indicators: [{name: A, weight: 100, target: 100}]}]\n", encoding="utf-8")
    with pytest.raises(SchemeError) as caught:
        load_scheme(tmp_path / "s.yaml")
    assert [(f.line, f.field, f.code) for f in caught.value.findings] == [
        (3, "quota.rounding", "literal_error"), (3, "quota.scope", "quota_scope_group"),
        (4, "grades[0].max_share", "share_range"), (4, "grades[1].min_share", "share_range")]
    assert caught.value.findings[2].message == "比例应在 0% 到 100% 之间，现为 20"


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 100), min_size=1, max_size=40), st.sampled_from(["floor", "round", "ceil"]),
       st.integers(0, 40), st.integers(0, 60), st.integers(0, 30))
def test_no_quota_leaves_a_grade_above_its_max(values, rounding, top, middle, bottom):
    grades = [{"grade": "A", "min": 90, "max_share": f"{top}%"}, {"grade": "B", "min": 60, "max_share": f"{middle}%"},
              {"grade": "C", "min": 0, "min_share": f"{bottom}%"}]
    r = score(totals(values), scheme(grades, quota={"rounding": rounding}))
    n, grade = len(values), r.summary["grade"]
    assert (grade == "A").sum() <= quota_count(n, top / 100, rounding)
    assert (grade == "B").sum() <= quota_count(n, middle / 100, rounding)
    # the bottom quota holds unless the max quotas above it already left fewer places than it asks
    if quota_count(n, bottom / 100, rounding) <= n:
        assert (grade == "C").sum() >= min(quota_count(n, bottom / 100, rounding), n)


def test_json_carries_each_quota_move():
    s = scheme(with_shares(优秀={"max_share": "20%"}))
    doc = score(totals([99, 98, 97, 96, 85, 84, 83, 82, 81, 75, 74, 60]), s).to_dict()
    # floor(12 × 20%) = 2: the third (97) moves 优秀 → 良好
    assert doc["employees"][2]["quota_moves"] == [
        {"from": "优秀", "to": "良好", "kind": "max", "quota": 2, "n": 12, "share": "20%", "rounding": "floor",
         "scope": None, "place": 3, "held": 0}]
    assert doc["employees"][0]["quota_moves"] is None
