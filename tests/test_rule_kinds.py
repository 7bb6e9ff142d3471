"""The rule kinds real KPI tables write beyond the first ten: extra points beyond full marks, items made of
clauses, caps and floors. Each expected number is worked by hand from the rule, the arithmetic beside it."""

from __future__ import annotations

import pandas as pd
import pytest

from kpiscore import api
from kpiscore.errors import InputError, SchemeError


def people(n: int, **columns) -> pd.DataFrame:
    return pd.DataFrame({"工号": [f"E{i + 1}" for i in range(n)], "姓名": [f"员{i + 1}" for i in range(n)],
                         **columns})


def written(tmp_path, text: str):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path, text: str, lang: str = "zh") -> list[str]:
    with pytest.raises(SchemeError) as info:
        api.load_scheme(written(tmp_path, text))
    return [str(f.said_in(lang)) for f in info.value.findings]


EXTRA = """\
name: 加分
total: 9
dimensions:
  - name: 效率
    indicators:
      - name: 首次解决率
        weight: 9
        extra: 10
        rule:
          type: bands
          bands:
            - {when: "[0%, 90%)", score: [0, 9]}
            - {when: "[90%, 110%)", score: [9, 19]}
            - {when: ">= 110%", score: 19}
"""


def test_extra_points_beyond_full_marks_are_scored_and_said(tmp_path):
    path = written(tmp_path, EXTRA)
    result = api.score(people(3, 首次解决率=["95%", "80%", "130%"]), path)
    # 9 + (19 − 9) × 5/20 = 11.5; 9 × 80/90 = 8; ≥ 110% is 19: 9 + the 10 extra
    assert result.scores["首次解决率"].tolist() == [11.5, 8.0, 19.0]
    audit = api.Words(result).audit()["首次解决率"].tolist()
    assert audit[0] == "95% ∈ [90%, 110%): 9 + (19 − 9) × (95% − 90%) ÷ (110% − 90%) = 11.50（超出满分 2.50）"
    assert audit[1] == "80% ∈ [0%, 90%): 0 + (9 − 0) × (80% − 0%) ÷ (90% − 0%) = 8.00"
    assert audit[2] == "130% >= 110%: 19 = 19.00（超出满分 10.00）"


def test_points_beyond_the_weight_need_extra_and_stay_within_it(tmp_path):
    assert problems(tmp_path, EXTRA.replace("        extra: 10\n", "")) == [
        "s.yaml:8 dimensions[0].indicators[0].rule: "
        "最高可得 19 分，超过权重 9；若表格允许超出满分，用 extra 写明最多超出几分"]
    assert problems(tmp_path, EXTRA.replace("extra: 10", "extra: 5"), "en") == [
        "s.yaml:9 dimensions[0].indicators[0].rule: "
        "gives up to 19 points, more than the weight 9 and the 5 extra points it may give"]


CLAUSES = """\
name: 物业客服考核
dimensions:
  - name: 服务规范
    indicators:
      - name: 仪容仪表
        weight: 10
        rule:
          type: clauses
          max_off: 8
          clauses:
            - {name: 着装不规范, points: 5}
            - {name: 未佩戴工牌, points: 2, max_off: 4}
            - {name: 重大投诉, forfeit: true}
      - name: 出勤
        weight: 20
        rule:
          type: clauses
          floor: -10
          clauses:
            - {name: 请假天数, when: ">= 2", points: 10}
            - {name: 迟到早退, points: 3, allow: 1}
            - {name: 前台沟通户次, short_of: 15, points: 2}
      - name: 满意度
        weight: 70
        target: 90%
"""


def clause_round(tmp_path):
    path = written(tmp_path, CLAUSES)
    frame = people(4, 着装不规范=[1, 0, 2, None], 未佩戴工牌=[0, 3, 1, None], 重大投诉=[0, 0, 0, 1],
                   请假天数=[0, 2, 5, 1], 迟到早退=[1, 0, 6, 0], 前台沟通户次=[15, 12, 3, 20],
                   满意度=["90%", "90%", "90%", "90%"])
    return api.score(frame, path), path


def test_an_item_of_clauses_takes_each_clauses_points_within_its_caps_and_floor(tmp_path):
    result, _ = clause_round(tmp_path)
    # 仪容仪表: E1 10 − 5 = 5; E2 10 − min(2 × 3, 4) = 6; E3 10 − min(5 × 2 + 2 × 1, 8) = 2; E4 forfeit: 0
    assert result.scores["仪容仪表"].tolist() == [5.0, 6.0, 2.0, 0.0]
    assert result.actuals["仪容仪表"].tolist() == [5.0, 4.0, 8.0, 10.0]  # the points taken off
    # 出勤: E1 20 − 3 × (1 − 1) = 20; E2 20 − 10 − 2 × (15 − 12) = 4;
    # E3 20 − 10 − 3 × (6 − 1) − 2 × (15 − 3) = −29, floored at −10; E4 20 (a day's leave is below 2)
    assert result.scores["出勤"].tolist() == [20.0, 4.0, -10.0, 20.0]
    # the total: 5 + 20 + 70 = 95; 6 + 4 + 70 = 80; 2 − 10 + 70 = 62; 0 + 20 + 70 = 90
    assert result.summary["total"].tolist() == [95.0, 80.0, 62.0, 90.0]


def test_the_audit_shows_each_clause(tmp_path):
    result, _ = clause_round(tmp_path)
    audit = api.Words(result).audit()
    assert audit["仪容仪表"].tolist() == [
        "10 − 着装不规范 5 × 1 = 5.00", "10 − min(未佩戴工牌 2 × 3, 4) = 6.00",
        "10 − min(着装不规范 5 × 2 + 未佩戴工牌 2 × 1, 8) = 2.00", "重大投诉 1: 全扣 = 0.00"]
    assert audit["出勤"].tolist() == [
        "20 = 20.00", "20 − (请假天数 10 + 前台沟通户次 2 × (15 − 12)) = 4.00",
        "max(-10, 20 − (请假天数 10 + 迟到早退 3 × (6 − 1) + 前台沟通户次 2 × (15 − 3))) = -10.00", "20 = 20.00"]
    english = api.Words(result, "en").audit()["仪容仪表"].tolist()
    assert english[3] == "重大投诉 1: item forfeited = 0.00"


def test_clauses_describe_themselves_in_both_languages(tmp_path):
    path = written(tmp_path, CLAUSES)
    scheme = api.load_scheme(path)
    from kpiscore.text import voice

    said = {lang: [i.rule.describe(i.context(voice(lang))) for i in scheme.indicators[:2]] for lang in ("zh", "en")}
    assert said["zh"] == [
        "着装不规范每次扣 5 分；未佩戴工牌每次扣 2 分，最高扣 4 分；重大投诉发生即全扣；本项最高扣 8 分；扣完为止",
        "请假天数 >= 2 扣 10 分；迟到早退超过 1 次后每次扣 3 分；前台沟通户次少于 15 时每少一个扣 2 分；最低 -10 分"]
    assert said["en"] == [
        "着装不规范: 5 off each; 未佩戴工牌: 2 off each, at most 4 off; 重大投诉: any one forfeits the item; "
        "at most 8 off the item; never below 0",
        "请假天数 >= 2: 10 off; 迟到早退: 3 off each beyond 1; 前台沟通户次: 2 off for each one short of 15; "
        "no lower than -10"]


def test_a_clause_says_one_way_to_count_and_its_points(tmp_path):
    text = CLAUSES.replace("{name: 未佩戴工牌, points: 2, max_off: 4}", "{name: 未佩戴工牌}").replace(
        "{name: 重大投诉, forfeit: true}", "{name: 重大投诉, forfeit: true, points: 3}").replace(
        "{name: 请假天数, when: \">= 2\", points: 10}", "{name: 请假天数, when: \">= 2\", allow: 1, points: 10}")
    assert problems(tmp_path, text) == [
        "s.yaml:12 dimensions[0].indicators[0].rule.clauses[1]: "
        "分项 未佩戴工牌 需要写每次扣几分（points），或 forfeit: true 表示发生即全扣",
        "s.yaml:13 dimensions[0].indicators[0].rule.clauses[2]: "
        "全扣的分项（forfeit: true）扣掉整项，不再写 points、allow、short_of、when 或 max_off",
        "s.yaml:20 dimensions[0].indicators[1].rule.clauses[0]: "
        "分项 请假天数 只能按一种方式计：allow（超过几次后）、short_of（少于几）或 when（在区间内扣一次）",
    ]


def test_two_clauses_of_one_column_and_a_floor_above_the_weight_are_refused(tmp_path):
    text = CLAUSES.replace("{name: 前台沟通户次, short_of: 15, points: 2}", "{name: 迟到早退, points: 2}")
    assert problems(tmp_path, text) == [
        "s.yaml:16 dimensions[0].indicators[1].rule: 两个分项读同一列：给其中一个写 column"]
    assert problems(tmp_path, CLAUSES.replace("floor: -10", "floor: 30")) == [
        "s.yaml:18 dimensions[0].indicators[1].rule.floor: 最低分 floor 30 高于权重 20"]


def test_the_template_asks_for_each_clause_and_shows_an_example(tmp_path):
    from kpiscore.io.template import example_text, input_columns, note

    path = written(tmp_path, CLAUSES)
    scheme = api.load_scheme(path)
    columns = [c for c in input_columns(scheme) if c.item is not None and c.item.name == "出勤"]
    assert [(c.heading, c.role) for c in columns] == [
        ("请假天数", "part"), ("迟到早退", "part"), ("前台沟通户次", "part")]
    assert note(scheme, columns[2]).splitlines()[0] == "出勤 · 前台沟通户次"
    # the first clause met once, the others not at all: 2 days of leave, 1 lateness (allowed), 15 contacts
    assert [example_text(i, "zh") for i in scheme.indicators[:2]] == [
        "10 − 着装不规范 5 × 1 = 5.00", "20 − 请假天数 10 = 10.00"]


def test_the_way_to_the_next_grade_is_the_points_the_clauses_may_take(tmp_path):
    result, _ = clause_round(tmp_path)
    # E3: 62 to 达标 70 needs 8 more: 出勤 from −10 to −2, i.e. at most 20 − (−2) = 22 points off (10 + 15 + 24
    # = 49 now); or 仪容仪表 from 2 to 10: none off (8 now)
    said = api.Words(result).table()["next_grade"].tolist()
    assert said[2] == '距"达标"差 8 分：出勤扣分 49 → 22（或仪容仪表扣分 8 → 0）'


def test_a_scored_workbook_of_clauses_reads_back_as_its_input(tmp_path):
    result, path = clause_round(tmp_path)
    from kpiscore.io.flat import headings

    said = headings(result.columns(), "zh")
    assert said[2:7] == ["着装不规范", "未佩戴工牌", "重大投诉", "仪容仪表扣分", "仪容仪表得分"]
    assert headings(result.columns(), "en")[5] == "仪容仪表 points off"
    out = tmp_path / "scored.xlsx"
    api.write_result(result, out, "xlsx")
    again = api.score(out, path)
    assert again.scores.equals(result.scores)


def test_a_deduction_may_be_a_share_of_the_weight_capped_and_floored_below_zero(tmp_path):
    path = written(tmp_path, """\
name: 扣分
dimensions:
  - name: 效率
    indicators:
      - name: 一次解决率
        weight: 6
        target: 85%
        rule: {type: deduct, per: 1%, points: 2%}
      - name: 油耗比行业平均
        weight: 10
        target: 100%
        direction: lower
        rule: {type: deduct, per: 1%, points: 1, max_off: 5}
      - name: 响应分钟
        weight: 84
        target: 30
        direction: lower
        rule: {type: deduct, per: 1, points: 2, add: 1, max: 89, floor: -10}
""")
    frame = people(3, 一次解决率=["85%", "80%", "20%"], 油耗比行业平均=["100%", "103%", "125%"], 响应分钟=[30, 25, 80])
    result = api.score(frame, path)
    # 6 − 2% × 6 × 5 = 5.4; 6 − 0.12 × 65 = −1.8, floored at 0
    assert result.scores["一次解决率"].tolist() == [6.0, 5.4, 0.0]
    # 10 − 1 × 3 = 7; 10 − min(25, 5) = 5
    assert result.scores["油耗比行业平均"].tolist() == [10.0, 7.0, 5.0]
    # 84 + 1 × 5 = 89; 84 − 2 × 50 = −16, floored at −10
    assert result.scores["响应分钟"].tolist() == [84.0, 89.0, -10.0]
    audit = api.Words(result).audit()
    assert audit["一次解决率"].tolist() == [
        "6 − 0.12 × 0 = 6.00", "6 − 0.12 × 5 = 5.40", "max(0, 6 − 0.12 × 65) = 0.00"]
    assert audit["油耗比行业平均"].tolist()[1:] == ["10 − 1 × 3 = 7.00", "10 − min(1 × 25, 5) = 5.00"]
    assert audit["响应分钟"].tolist()[2] == "max(-10, 84 − 2 × 50) = -10.00"
    from kpiscore.text import voice

    said = [i.rule.describe(i.context(voice("zh"))) for i in result.scheme.indicators]
    assert said == ["目标 85%，每低于目标 1% 扣 0.12 分（权重的 2%）",
                    "目标 100%，每高于目标 1% 扣 1 分，最高扣 5 分",
                    "目标 30，每高于目标 1 扣 2 分；每超出 1 加 1 分，最高 89 分；最低 -10 分"]


WEIGHTED = """\
name: 客服经理考核
dimensions:
  - name: 能力指标
    weight: 85%
    indicators:
      - name: 客户回访
        weight: 5%
        rule: {type: bands, out_of: 10, bands: [{when: ">= 100%", score: 10}, {when: "[90%, 100%)", score: 5}]}
      - name: 客户投诉处理
        weight: 30%
        rule: {type: count, out_of: 30, points: 10}
      - name: 客户满意度
        weight: 65%
        rule: {type: bands, out_of: 20, bands: [{when: ">= 90", score: 20}, {when: "[85, 90)", score: 10}]}
  - name: 态度指标
    weight: 15%
    indicators:
      - name: 主动性
        weight: 100%
        rule: {type: mapping, scale: true, map: {1级: 5, 2级: 10, 3级: 15, 4级: 20, 5级: 25}}
"""


def test_dimensions_weighted_and_scores_in_the_tables_own_points(tmp_path):
    path = written(tmp_path, WEIGHTED)
    result = api.score(people(2, 客户回访=["95%", "100%"], 客户投诉处理=[1, 0], 客户满意度=[85, 92],
                              主动性=["3级", "5级"]), path)
    # weights: 85 × 5% = 4.25, 85 × 30% = 25.5, 85 × 65% = 55.25; 主动性 the whole of 态度指标: 15
    assert [i.weight for i in result.scheme.indicators] == [4.25, 25.5, 55.25, 15.0]
    # 5 of 10 × 4.25 = 2.125 → 2.13; (30 − 10) of 30 × 25.5 = 17; 10 of 20 × 55.25 = 27.625 → 27.63; 15 × 15/25 = 9
    assert result.scores.iloc[0].tolist() == [2.13, 17.0, 27.63, 9.0]
    assert result.dimensions.iloc[0].tolist() == [46.76, 9.0]  # 2.13 + 17 + 27.63
    audit = api.Words(result).audit().iloc[0].tolist()
    assert audit[:2] == ["(95% ∈ [90%, 100%): 5) × 4.25 ÷ 10 = 2.13", "(30 − 10 × max(0, 1 − 0)) × 25.5 ÷ 30 = 17.00"]
    from kpiscore.io.workbook import scheme_table

    table = scheme_table(result.scheme)
    assert table.iloc[0, 0] == "能力指标（85%）" and table.iloc[0, 3] == 4.25
    assert table.iloc[1, 7] == "count: 每次扣 10 分（按满分 30 分计，折合权重 25.5）"


def test_every_dimension_is_weighted_or_none_and_their_weights_make_the_total(tmp_path):
    assert problems(tmp_path, WEIGHTED.replace("    weight: 15%\n", "")) == [
        "s.yaml:15 dimensions[1]: 维度 态度指标 没有权重：其他维度写了权重时，每个维度都要写"]
    assert problems(tmp_path, WEIGHTED.replace("weight: 15%", "weight: 10%"), "en") == [
        "s.yaml:2 dimensions: the dimensions' weights sum to 95, not 100"]
    # 5% + 30% + 60%: a slip in the table, never rescaled unseen
    assert problems(tmp_path, WEIGHTED.replace("weight: 65%", "weight: 60%")) == [
        "s.yaml:5 dimensions[0].indicators: 维度 能力指标 内各指标权重之和为 95%：应为 100%（或维度权重 85%）"]


CEILING = """\
name: 上限
dimensions:
  - name: 业绩
    indicators:
      - {name: 达成率, weight: 100, target: 100%, rule: {type: ratio, cap: 1}}
adjustments:
  - name: 升级投诉
    rule: {type: veto, effect: ceiling, grade: 良好}
"""


def test_a_grade_ceiling_lowers_only_a_better_grade(tmp_path):
    path = written(tmp_path, CEILING)
    result = api.score(people(3, 达成率=["95%", "75%", "95%"], 升级投诉=[1, 2, 0]), path)
    # 95 reaches 优秀, capped at 良好; 75 is 达标, below the ceiling, and stays; no complaint: 优秀
    assert result.summary["grade"].tolist() == ["良好", "达标", "优秀"]
    assert result.summary["total"].tolist() == [95.0, 75.0, 95.0]  # the total stands, and so does the rank
    assert result.summary["veto"].tolist() == [True, True, False]
    assert api.Words(result).audit()["升级投诉"].tolist() == ["1 > 0: 等级最高 良好", "2 > 0: 等级最高 良好",
                                                           "0 ≤ 0: 未否决"]
    from kpiscore.text import voice

    veto = result.scheme.adjustments[0]
    assert veto.rule.describe(veto.context(voice("zh"))) == "超过 0 时等级最高为 良好"
    assert veto.rule.describe(veto.context(voice("en"))) == "more than 0: the grade is at most 良好"


def test_a_grade_ceiling_names_a_grade_of_the_scheme(tmp_path):
    assert problems(tmp_path, CEILING.replace("grade: 良好", "grade: 甲")) == [
        "s.yaml:8 adjustments[0].rule.grade: 等级 甲 不在 grades 中"]


CHECKLIST = """\
name: 清单
dimensions:
  - name: 能力
    indicators:
      - name: 客户投诉处理
        weight: 30
        rule: {type: checklist, items: [2小时内响应, 3个工作日内解决, 解决率100%], points: 10}
      - {name: 其他, weight: 70, target: 100%}
"""


def test_a_checklist_takes_points_for_each_requirement_not_met(tmp_path):
    path = written(tmp_path, CHECKLIST)
    frame = people(4, **{"2小时内响应": ["是", "否", "✓", True], "3个工作日内解决": ["满足", 0, "✗", "Yes"],
                         "解决率100%": [1, "不合格", "×", "N"], "其他": ["100%"] * 4})
    result = api.score(frame, path)
    # 30 − 10 × (requirements not met): none, all three, two, one
    assert result.scores["客户投诉处理"].tolist() == [30.0, 0.0, 10.0, 20.0]
    assert api.Words(result).audit()["客户投诉处理"].tolist() == [
        "30 − 10 × 0 = 30.00", "30 − 10 × 3（未满足：2小时内响应、3个工作日内解决、解决率100%） = 0.00",
        "30 − 10 × 2（未满足：3个工作日内解决、解决率100%） = 10.00", "30 − 10 × 1（未满足：解决率100%） = 20.00"]
    # 90 is 优秀; 100 − 10 × 2 = 80 is 良好, one requirement fewer not met would reach 优秀
    assert api.Words(result).table()["next_grade"].tolist()[2] == '距"优秀"差 10 分：客户投诉处理未满足项 2 → 1'


def test_a_checklist_cell_says_met_or_not(tmp_path):
    path = written(tmp_path, CHECKLIST)
    frame = people(1, **{"2小时内响应": ["大概"], "3个工作日内解决": ["是"], "解决率100%": ["是"], "其他": ["100%"]})
    with pytest.raises(InputError) as info:
        api.score(frame, path)
    assert [str(f.said_in("zh")) for f in info.value.findings] == [
        "<DataFrame> › C2: '大概' 不是可选等级：✓ / ✗ / 是 / 否（客户投诉处理）"]
    from kpiscore.io.template import example_text, how_to_type

    scheme = api.load_scheme(path)
    assert example_text(scheme.indicators[0], "zh") == "30 − 10 × 1（未满足：2小时内响应） = 20.00"
    assert how_to_type(scheme.indicators[0], "en") == "✓ or yes (met), ✗ or no (not met)"


def test_below_a_cliff_a_score_is_zero_and_the_way_up_starts_at_the_cliff(tmp_path):
    path = written(tmp_path, """\
name: 低于60分不得分
grades: [{grade: 达标, min: 90}, {grade: 待改进, min: 0}]
dimensions:
  - name: 客户
    indicators:
      - name: 员工满意度
        weight: 15
        target: 85%
        rule: {type: deduct, out_of: 100, per: 1%, points: 2, zero_below: 60}
      - {name: 其他, weight: 85, target: 100%}
""")
    result = api.score(people(2, 员工满意度=["80%", "64.9%"], 其他=["100%", "100%"]), path)
    # 100 − 2 × 5 = 90 of 100: 13.5 of 15; 100 − 2 × 20.1 = 59.8, below 60: 0
    assert result.scores["员工满意度"].tolist() == [13.5, 0.0]
    assert api.Words(result).audit()["员工满意度"].tolist() == [
        "(100 − 2 × 5) × 15 ÷ 100 = 13.50", "100 − 2 × 20.1 < 60: 0 = 0.00"]
    # 85 to 达标 90 needs 5 of 15, 33.33 of 100: below 60, so 60 at least: 100 − 2 × 20, at 65%
    assert api.Words(result).table()["next_grade"].tolist()[1] == '距"达标"差 5 分：员工满意度 64.9% → 65%'
    from kpiscore.text import voice

    ind = result.scheme.indicators[0]
    assert ind.rule.describe(ind.context(voice("zh"))) == (
        "目标 85%，每低于目标 1% 扣 2 分，低于 60 分不得分（按满分 100 分计，折合权重 15）")


RANKED = """\
name: 排名
columns: {group: 部门}
dimensions:
  - name: 业绩
    indicators:
      - {name: 销售额, weight: 60, target: 100, rule: {type: ratio, cap: 1.5}}
      - {name: 培训, weight: 40, rule: {type: count, points: 10}}
adjustments:
  - name: 考核排名最后
    rank: {within: group, last: 1}
    rule: {type: penalty, points: 5}
  - name: 销售冠军
    rank: {of: 销售额, first: 1}
    rule: {type: bonus, points: 3}
"""


def test_an_adjustment_may_count_a_rank_among_peers(tmp_path):
    path = written(tmp_path, RANKED)
    frame = people(5, 部门=["一", "一", "一", "二", "二"], 销售额=[120, 90, 90, 150, 80], 培训=[0, 0, 1, 2, 0])
    result = api.score(frame, path)
    # weighted: 72 + 40 = 112; 54 + 40 = 94; 54 + 30 = 84; 90 + 20 = 110; 48 + 40 = 88
    # the last of 一 is E3 (84), of 二 E5 (88); the best 销售额 score is E4's 90
    assert result.adjustments["考核排名最后"].tolist() == [0.0, 0.0, 5.0, 0.0, 5.0]
    assert result.adjustments["销售冠军"].tolist() == [0.0, 0.0, 0.0, 3.0, 0.0]
    assert result.summary["total"].tolist() == [112.0, 94.0, 79.0, 113.0, 83.0]
    audit = api.Words(result).audit()
    assert audit["考核排名最后"].tolist()[2] == "加权总分组内排名后 1 名: 5 × 1 = 5.00"
    assert audit["销售冠军"].tolist()[3] == "销售额排名前 1 名: 3 × 1 = 3.00"
    from kpiscore.io.template import input_columns

    assert "考核排名最后" not in [c.heading for c in input_columns(result.scheme)]  # no column to fill in


def test_a_rank_names_an_indicator_and_a_group_column(tmp_path):
    text = RANKED.replace("columns: {group: 部门}", "columns: {group: null}").replace("of: 销售额", "of: 利润")
    assert problems(tmp_path, text) == [
        "s.yaml:10 adjustments[0].rank.within: within: group 需要 columns.group（部门列）",
        "s.yaml:13 adjustments[1].rank.of: rank 的 of 应为本方案的一个加权指标，没有 利润"]


def test_a_cliff_above_full_marks_is_refused(tmp_path):
    text = """\
name: 悬崖
dimensions:
  - name: 客户
    indicators:
      - name: 满意度
        weight: 100
        target: 85%
        rule: {type: deduct, out_of: 100, per: 1%, points: 2, zero_below: 120}
"""
    assert problems(tmp_path, text) == [
        "s.yaml:8 dimensions[0].indicators[0].rule.zero_below: zero_below 120 高于满分 100：每个得分都会是 0"]


def test_per_event_tiers_are_clauses_counted_from_the_events_export(tmp_path):
    """损失500元以下扣5分, 500元以上扣10分, 3000元以上扣20分, per accident: each tier a measure over the accidents'
    export, each measure a clause."""
    path = written(tmp_path, """\
name: 司机考核
period: 2024Q1
sources:
  accidents: {id: 工号, date: 日期}
measures:
  事故损失500元以下: {source: accidents, agg: count, where: {损失金额: {"<": 500}}}
  事故损失500元以上: {source: accidents, agg: count, where: {损失金额: {">=": 500, "<": 3000}}}
  事故损失3000元以上: {source: accidents, agg: count, where: {损失金额: {">=": 3000}}}
dimensions:
  - name: 安全
    indicators:
      - name: 交通规则行车安全
        weight: 20
        rule:
          type: clauses
          clauses:
            - {name: 交通处罚, points: 20}
            - {name: 事故损失500元以下, points: 5}
            - {name: 事故损失500元以上, points: 10}
            - {name: 事故损失3000元以上, points: 20}
      - {name: 其他, weight: 80, target: 100%}
""")
    export = tmp_path / "accidents.csv"
    export.write_text("工号,日期,损失金额\nD1,2024-01-05,300\nD1,2024-02-10,800\nD2,2024-03-01,5000\n"
                      "D3,2024-04-02,100\n", encoding="utf-8")
    frame = pd.DataFrame({"工号": ["D1", "D2", "D3"], "姓名": ["甲", "乙", "丙"], "交通处罚": [0, 0, 1],
                          "其他": ["100%"] * 3})
    result = api.score(frame, path, sources={"accidents": export})
    # D1: 20 − 5 (300 元) − 10 (800 元) = 5; D2: 20 − 20 (5000 元) = 0; D3: April is not Q1, a fine: 20 − 20 = 0
    assert result.scores["交通规则行车安全"].tolist() == [5.0, 0.0, 0.0]
    assert api.Words(result).audit()["交通规则行车安全"].iloc[0] == (
        "事故损失500元以下 1 条 → 事故损失500元以上 1 条 → 事故损失3000元以上 0 条 → "
        "20 − (事故损失500元以下 5 × 1 + 事故损失500元以上 10 × 1) = 5.00")


def test_a_clause_counted_once_in_an_interval_reads_days_and_its_neighbours_whole_counts(tmp_path):
    result, path = clause_round(tmp_path)
    scheme = result.scheme
    frame = people(2, 着装不规范=[0, 0], 未佩戴工牌=[0, 0], 重大投诉=[0, 0], 请假天数=[1.5, 2.5], 迟到早退=[0, 0],
                   前台沟通户次=[15, 15], 满意度=["90%", "90%"])
    # 1.5 days is below 2: 20; 2.5 days: 20 − 10
    assert api.score(frame, path).scores["出勤"].tolist() == [20.0, 10.0]
    with pytest.raises(InputError) as info:
        api.score(frame.assign(迟到早退=[0.5, 0]), path)
    assert [str(f.said_in("zh")) for f in info.value.findings] == [
        "<DataFrame> › G2: '0.5' 不是整数：次数只能是 0、1、2 …（出勤）"]
    from kpiscore.io.template import input_columns, note

    columns = {c.heading: c for c in input_columns(scheme)}
    assert note(scheme, columns["请假天数"]).splitlines()[-2] == "填写: 填数值，不小于 0"
    assert note(scheme, columns["迟到早退"]).splitlines()[-2] == "填写: 填次数：0 或正整数，没有就填 0 或留空"


def test_a_blank_requirement_is_named_at_its_own_cell(tmp_path):
    path = written(tmp_path, CHECKLIST)
    frame = people(1, **{"2小时内响应": ["是"], "3个工作日内解决": [None], "解决率100%": ["是"], "其他": ["100%"]})
    with pytest.raises(InputError) as info:
        api.score(frame, path)
    assert [str(f.said_in("zh")) for f in info.value.findings] == [
        "<DataFrame> › D2: 空白单元格（客户投诉处理）：方案的 missing 为 error，必须填写；"
        "或在方案中设 missing: zero（空白记 0 分）或 skip（不计入，其余指标按比例折算）"]


FLOORED = """\
name: 调度考核
dimensions:
  - name: 调度效率与准确性
    floor: 0
    indicators:
      - name: 订单处理准时率
        weight: 20
        target: 98%
        rule: {type: deduct, per: 1%, points: 2, floor: -40}
      - {name: 调度准确率, weight: 20, target: 100%, rule: {type: ratio, cap: 1}}
  - name: 服务
    indicators:
      - {name: 满意度, weight: 60, target: 100%, rule: {type: ratio, cap: 1}}
"""


def test_a_dimensions_floor_is_shared_by_its_indicators(tmp_path):
    """每低1%扣2分, 最高扣至该维度0分: one indicator's deductions may take its dimension's other points, no more."""
    path = written(tmp_path, FLOORED)
    result = api.score(people(3, 订单处理准时率=["95%", "70%", "50%"], 调度准确率=["100%", "100%", "90%"],
                              满意度=["100%"] * 3), path)
    # 20 − 2 × 3 = 14; 20 − 2 × 28 = −36; 20 − 2 × 48 = −76, floored at −40
    assert result.scores["订单处理准时率"].tolist() == [14.0, -36.0, -40.0]
    # the subtotals 14 + 20 = 34; −36 + 20 = −16 and −40 + 18 = −22, both floored at 0
    assert result.dimensions["调度效率与准确性"].tolist() == [34.0, 0.0, 0.0]
    assert result.summary["total"].tolist() == [94.0, 60.0, 60.0]
    words = api.Words(result)
    assert words.total().tolist() == ["34.00 + 60.00 = 94.00", "0.00 + 60.00 = 60.00", "0.00 + 60.00 = 60.00"]
    # 60 to 达标 70: the dimension from −16 up to 0 first, then 10 more: −36 + 26 = −10 = 20 − 2 × 15, at 83%
    assert words.table()["next_grade"].tolist()[1] == '距"达标"差 10 分：订单处理准时率 70% → 83%'
    assert problems(tmp_path, FLOORED.replace("floor: 0", "floor: 50")) == [
        "s.yaml:4 dimensions[0].floor: 维度的最低分 floor 50 高于其指标权重之和 40"]


def test_a_rank_by_the_weighted_total_counts_each_dimensions_floor(tmp_path):
    text = FLOORED + """\
adjustments:
  - name: 排名最后
    rank: {last: 1}
    rule: {type: penalty, points: 5}
"""
    result = api.score(people(3, 订单处理准时率=["95%", "70%", "50%"], 调度准确率=["100%", "100%", "90%"],
                              满意度=["100%"] * 3), written(tmp_path, text))
    # the weighted totals are 94, 60 and 60 (−16 and −22 lifted to 0, not 44 and 38): the last two tie, both last
    assert result.adjustments["排名最后"].tolist() == [0.0, 5.0, 5.0]
    assert result.summary["total"].tolist() == [94.0, 55.0, 55.0]
