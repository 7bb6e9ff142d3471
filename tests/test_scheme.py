"""Scheme loading: every error with its file, line and field path, all reported together."""

import pytest
from helpers import scheme_dict, write_scheme

from kpiscore import SchemeError, UsageError, load_scheme, starter_schemes
from kpiscore.core.scheme import Indicator


def errors(path):
    with pytest.raises(SchemeError) as info:
        load_scheme(path)
    return [(f.line, f.field, f.code) for f in info.value.findings]


GOOD = """\
name: 测试
dimensions:
  - name: 时效性
    indicators:
      - name: 客服响应及时率
        weight: 60
        target: 90%
      - name: 返修任务达成率
        weight: 40
        target: 95%
        rule: {type: deduct, per: 1%, points: 1}
"""


def test_good_scheme_defaults(tmp_path):
    s = load_scheme(write_scheme(tmp_path / "s.yaml", GOOD))
    assert [g.grade for g in s.grades] == ["优秀", "良好", "达标", "待改进"]
    assert s.total == 100 and s.decimals == 2 and s.missing == "error" and s.language == "zh"
    assert s.columns.id == "工号" and s.columns.group == "部门"
    first = s.indicators[0]
    assert first.rule.type == "ratio" and first.percent and first.target.value == 0.9
    assert s.source.sha256 and s.source.path.endswith("s.yaml")


def test_english_default_grades():
    s = load_scheme(scheme_dict(language="en"))
    assert [g.grade for g in s.grades] == ["Excellent", "Good", "Pass", "Needs improvement"]


def test_many_errors_each_at_its_line(tmp_path):
    text = """\
name: 坏方案
dimensions:
  - name: 时效性
    indicators:
      - name: 客服响应及时率
        weight: 15
        target: 90%
        colour: red
      - name: 返修
        weight: 30
        target: 95%
        weight: 20
      - name: 加分
        rule: {type: bonus, points: 1}
grades:
  - {grade: A, min: 80}
  - {grade: B, min: 90}
"""
    assert errors(write_scheme(tmp_path / "bad.yaml", text)) == [
        (8, "dimensions[0].indicators[0].colour", "extra_forbidden"),
        (12, "dimensions[0].indicators[1].weight", "yaml_duplicate_key"),
        (13, "dimensions[0].indicators[2].weight", "weight_missing"),
        (14, "dimensions[0].indicators[2].rule", "adjustment_in_dimension"),
        (17, "grades[1].min", "grades_order"),
    ]


def test_weights_must_sum_to_total(tmp_path):
    text = GOOD.replace("weight: 40", "weight: 30")
    assert errors(write_scheme(tmp_path / "w.yaml", text)) == [(2, "dimensions", "weights_sum")]
    with pytest.raises(SchemeError, match="权重合计 90，应为 100"):
        load_scheme(tmp_path / "w.yaml")


def test_semantic_errors(tmp_path):
    text = """\
name: 语义
language: en
dimensions:
  - name: D
    indicators:
      - name: 首次响应时长
        weight: 20
        target: 30
        direction: lower
      - name: 报告准时率
        weight: 15
        rule:
          type: bands
          bands:
            - {when: ">= 95%", score: 20}
            - {when: "[90%, 96%)", score: [12, 15]}
      - name: 满意度
        weight: 3
        rule: {type: mapping, map: {}}
      - name: 评分
        weight: 2
        rule: {type: rating, raters: {a: 1, b: 1}, trim: true}
      - name: 比率
        weight: 60
        rule: ratio
adjustments:
  - name: 否决
    weight: 5
    rule: {type: veto}
"""
    assert errors(write_scheme(tmp_path / "sem.yaml", text)) == [
        (6, "dimensions[0].indicators[0].rule", "ratio_cap"),  # no `rule:` line: the indicator's
        (12, "dimensions[0].indicators[1].rule", "band_overlap"),
        (19, "dimensions[0].indicators[2].rule", "mapping_empty"),
        (22, "dimensions[0].indicators[3].rule", "rating_trim"),
        (23, "dimensions[0].indicators[4].target", "target_missing"),
        (28, "adjustments[0].weight", "weight_on_adjustment"),
    ]


def test_points_above_weight_and_bare_percent(tmp_path):
    text = """\
name: 上限
dimensions:
  - name: D
    indicators:
      - name: 报告准时率
        weight: 10
        rule:
          type: bands
          bands:
            - {when: ">= 95%", score: 15}
      - name: 合作
        weight: 2
        rule: {type: mapping, map: {很满意: 3}}
      - name: 及时率
        weight: 88
        unit: "%"
        target: 90
"""
    found = errors(write_scheme(tmp_path / "p.yaml", text))
    assert found == [
        (7, "dimensions[0].indicators[0].rule", "points_over_weight"),
        (13, "dimensions[0].indicators[1].rule", "points_over_weight"),
        (17, "dimensions[0].indicators[2].target", "percent_bare"),
    ]


def test_wrong_types_and_unknown_rule(tmp_path):
    text = """\
name: 类型
decimals: two
dimensions:
  - name: D
    indicators:
      - name: X
        weight: abc
        rule: ratoi
"""
    assert errors(write_scheme(tmp_path / "t.yaml", text)) == [
        (2, "decimals", "int_parsing"),
        (7, "dimensions[0].indicators[0].weight", "float_parsing"),
        (8, "dimensions[0].indicators[0].rule", "union_tag_invalid"),
    ]


def test_yaml_syntax_error_has_line(tmp_path):
    found = errors(write_scheme(tmp_path / "syn.yaml", "name: x\ndimensions: [\n  - a\n"))
    assert found[0][2] == "yaml_syntax" and found[0][0] is not None


def test_alias_bomb_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines.append("name: bomb")
    assert errors(write_scheme(tmp_path / "bomb.yaml", "\n".join(lines) + "\n")) == [(None, None, "yaml_alias_bomb")]


def test_veto_grade_must_exist():
    with pytest.raises(SchemeError) as info:
        load_scheme(scheme_dict(adjustments=[{"name": "事故", "rule": {"type": "veto", "effect": "grade",
                                                                        "grade": "不存在"}}]))
    assert [f.code for f in info.value.findings] == ["veto_grade_unknown"]


def test_duplicate_names_and_conflicting_columns():
    data = scheme_dict()
    data["dimensions"][0]["indicators"][1]["name"] = "客服响应及时率"
    data["dimensions"][1]["indicators"][1]["column"] = "客服响应及时率"  # a count reading a percent column
    with pytest.raises(SchemeError) as info:
        load_scheme(data)
    assert [f.code for f in info.value.findings] == ["name_duplicate", "column_conflict"]


def test_percent_indicator_detection():
    assert Indicator(name="a", weight=1, target="90%").percent
    assert Indicator(name="a", weight=1, target=0.9, unit="%").percent
    assert not Indicator(name="a", weight=1, target=30, unit="秒").percent
    assert Indicator(name="a", weight=1, rule={"type": "bands", "bands": [{"when": ">= 1%", "score": 1}]}).percent


def test_scheme_by_starter_name_and_unknown_name():
    assert load_scheme("aftersales").name == "售后服务部月度考核"
    with pytest.raises(UsageError, match="service-quality"):
        load_scheme("no-such-scheme")


@pytest.mark.parametrize("name", ["aftersales", "service-quality", "service-manager", "express-cs"])
def test_starter_schemes_load(name):
    scheme = load_scheme(starter_schemes()[name])
    assert sum(i.weight for i in scheme.indicators) == 100
    # `kpiscore schemes` lists each starter by its `name:` line, read without a YAML parser
    from kpiscore.io.starters import starters

    assert dict((key, shown) for key, shown, _ in starters())[name] == scheme.name


def test_service_quality_encodes_the_table():
    s = load_scheme("service-quality")
    assert [(d.name, [(i.name, i.weight, i.target.text) for i in d.indicators]) for d in s.dimensions] == [
        ("时效性", [("客服响应及时率", 15, "90%"), ("上门服务到达及时率", 15, "85%")]),
        ("专业性", [("问题一次性解决率", 20, "80%"), ("技术方案准确率", 15, "95%")]),
        ("规范性", [("服务流程合规率", 10, "98%")]),
        ("客户体验", [("客户满意度(CSAT)", 15, "90%"), ("投诉处理及时率", 10, "95%")]),
    ]
    assert all(i.rule.type == "ratio" for i in s.indicators)
    assert [(g.grade, g.min) for g in s.grades] == [("优秀", 90), ("良好", 80), ("达标", 70), ("待改进", 0)]


def test_gbk_scheme_file(tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes(GOOD.encode("gbk"))
    assert load_scheme(path).indicators[0].name == "客服响应及时率"


def test_mapping_keys_are_text_as_written(tmp_path):
    text = GOOD.replace("        target: 95%\n", "").replace(
        "rule: {type: deduct, per: 1%, points: 1}", "rule: {type: mapping, map: {yes: 40, no: 0, 5: 30}}")
    s = load_scheme(write_scheme(tmp_path / "m.yaml", text))
    assert s.indicators[1].rule.map == {"yes": 40, "no": 0, "5": 30}


def test_remaining_scheme_errors_each_at_its_line(tmp_path):
    text = """\
name: 其余
columns: {id: 工号, name: 姓名}
dimensions:
  - name: D
    indicators:
      - name: 工号
        weight: 40
        target: 0%
      - name: 返修
        weight: 60
        target: 95%
        rule: {type: deduct, per: 1%, add: 1, max: 50}
grades:
  - {grade: A, min: 90}
  - {grade: A, min: 0}
adjustments:
  - name: 比率加分
    rule: {type: ratio}
"""
    assert errors(write_scheme(tmp_path / "r.yaml", text)) == [
        (6, "dimensions[0].indicators[0].column", "column_reserved"),  # no `column:`: the name is the column
        (8, "dimensions[0].indicators[0].target", "target_positive"),
        (12, "dimensions[0].indicators[1].rule.max", "max_below_weight"),
        (15, "grades[1].grade", "grade_duplicate"),
        (18, "adjustments[0].rule", "weighted_in_adjustments"),
    ]


def test_python_tags_are_refused_not_constructed(tmp_path):
    text = 'name: !!python/object/apply:os.system ["echo hi"]\nx: !!python/name:os.system x\n'
    found = errors(write_scheme(tmp_path / "evil.yaml", text))
    assert [f for f in found if f[2] == "yaml_tag"] == [(1, "name", "yaml_tag"), (2, "x", "yaml_tag")]


EVERY_RULE = {
    "name": "每种规则", "period": "2024Q1", "language": "zh", "decimals": 2, "missing": "skip",
    "columns": {"id": "工号", "name": "姓名", "group": "部门", "base": "奖金基数"},
    "not_applicable": ["免考"],
    "grades": [{"grade": "优秀", "min": 90, "coefficient": 1.2, "max_share": "20%"},
               {"grade": "合格", "min": 60, "coefficient": 1}, {"grade": "待改进", "min": 0, "coefficient": 0.5}],
    "dimensions": [{"name": "A", "indicators": [
        {"name": "及时率", "weight": 20, "target": "90%", "rule": {"type": "ratio", "cap": "120%"}},
        {"name": "一次解决率", "weight": 15, "target": "85%", "rule": {"type": "deduct", "per": "1%", "points": 1,
                                                                  "partial": "ceil", "add": 0.5, "max": 18}},
        {"name": "投诉", "weight": 15, "rule": {"type": "count", "allow": 3, "points": 1}, "missing": "zero"},
        {"name": "报告准时率", "weight": 15, "rule": {"type": "bands", "otherwise": 0, "bands": [
            {"when": ">= 95%", "score": 15}, {"when": "[90%, 95%)", "score": [12, 15]}]}},
        {"name": "达标", "weight": 10, "target": 3, "direction": "lower", "unit": "天",
         "rule": {"type": "threshold", "fail": 2}},
        {"name": "满意度", "weight": 10,
         "rule": {"type": "mapping", "scale": True, "map": {"很满意": 3, "较满意": 2}}},
        {"name": "评审", "weight": 15,
         "rule": {"type": "rating", "raters": {"上级": 0.6, "同事": 0.4}, "scale": 10}}]}],
    "adjustments": [{"name": "表扬", "rule": {"type": "bonus", "points": 1, "max": 3}},
                    {"name": "违规", "rule": {"type": "penalty", "points": 2}},
                    {"name": "重大事故", "rule": {"type": "veto", "allow": 0, "effect": "grade", "grade": "待改进"}}],
}


@pytest.mark.parametrize("source", ["aftersales", "express-cs", "service-manager", "service-quality", "every"])
def test_a_scheme_round_trips_through_its_dump(source, tmp_path):
    """load → dump → load gives the same model, through a dict and through YAML text, every rule included."""
    import yaml

    first = load_scheme(EVERY_RULE if source == "every" else source)
    dumped = first.model_dump(mode="json", exclude_none=True)
    again = load_scheme(dumped)
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(dumped, allow_unicode=True, sort_keys=False), encoding="utf-8")
    from_text = load_scheme(tmp_path / "s.yaml")
    assert again.model_dump() == first.model_dump() == from_text.model_dump()
    assert again.content_hash == first.content_hash == from_text.content_hash
    every = {"Ratio", "Deduct", "Count", "Bands", "Threshold", "Mapping", "Rating", "Bonus", "Penalty", "Veto"}
    assert {type(i.rule).__name__ for i in first.items} >= (every if source == "every" else set())
