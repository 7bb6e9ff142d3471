"""Every rule text of the public corpus whose scoring is defined, said as a scheme and scored exactly.

`data/phrases-public.jsonl` holds 80 scoring-rule texts of public KPI tables (a copy of `shared/`), each with
the reading of its scoring and, where the scoring is defined, test points worked by hand from the text. Here
each defined text is written as the YAML a user writes for it, and every test point goes through the engine
(`score`), the rounding included. Where the corpus has no test points for a text, the points are worked here,
with the arithmetic beside them.

The texts not said here, and why, are `UNSAID` (the undefined, and those delegated to an assessor's choice).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from kpiscore import api

CORPUS = {r["id"]: r for r in map(json.loads, (Path(__file__).parent / "data" / "phrases-public.jsonl")
                                  .read_text(encoding="utf-8").splitlines())}

#: each text as the indicator (weight, target, direction, rule) a user writes for it; the indicator's
#: name is the text's id, and an actual given alone is typed into the indicator's own column
SAID: dict[str, str] = {
    # 完成比例＞85%按同比例核算, 完成85%得60分, ＜85%不得分, 最高100分; W = 5 (60 of 100 is 3)
    "R001": """
        weight: 5
        rule: {type: bands, bands: [{when: "[85%, 100%)", score: [3, 5]}, {when: ">= 100%", score: 5}]}""",
    "R002": """
        weight: 5
        rule: {type: bands, bands: [{when: "[80%, 100%)", score: [3, 5]}, {when: ">= 100%", score: 5}]}""",
    # 每低1%扣2分 (of 100: 0.3 of 15), 低于60分不得分: 15 at 85%, down to 9 at 65%, 0 below
    "R003": """
        weight: 15
        rule: {type: bands, bands: [{when: ">= 85%", score: 15}, {when: "[65%, 85%)", score: [9, 15]}]}""",
    # target 6: 每少1个扣20分 (3 of 15), 低于60分 (fewer than 4) 不得分
    "R004": """
        weight: 15
        rule: {type: bands, bands: [{when: ">= 6", score: 15}, {when: "[5, 6)", score: 12},
                                    {when: "[4, 5)", score: 9}]}""",
    # 实际/目标×100, 最多100分, 低于80分不得分 (target 100%)
    "R005": """
        weight: 10
        rule: {type: bands, bands: [{when: ">= 100%", score: 10}, {when: "[80%, 100%)", score: [8, 10]}]}""",
    # target 90%: 低于60分 is below 54%
    "R006": """
        weight: 20
        rule: {type: bands, bands: [{when: ">= 90%", score: 20}, {when: "[54%, 90%)", score: [12, 20]}]}""",
    # lower is better, budget 12%: 每高1%扣10分 (0.5 of 5), 低于60分 (above 16%) 不得分
    "R007": """
        weight: 5
        direction: lower
        rule: {type: bands, bands: [{when: "<= 12%", score: 5}, {when: "(12%, 16%]", score: [5, 3]}]}""",
    "R008": """
        adjustment: true
        rule: {type: penalty, points: 10}""",
    # 完成所有回访 10 分 (of a 5% item in 能力指标 85%: 4.25), 90%以上 5 分, 低于90% 0 分
    "R015": """
        weight: 4.25
        rule: {type: bands, bands: [{when: ">= 100%", score: 4.25}, {when: "[90%, 100%)", score: 2.125}]}""",
    # 30 分, 任一项没有满足扣 10 分, ×0.85
    "R016": """
        weight: 25.5
        rule: {type: count, points: 8.5}""",
    "R017": """
        weight: 17
        rule: {type: bands, bands: [{when: ">= 90", score: 17}, {when: "[85, 90)", score: 8.5},
                                    {when: "[80, 85)", score: 4.25}]}""",
    # the text lost the lower threshold (低于 0 分); 6 课时 is the corpus's reading
    "R018": """
        weight: 4.25
        rule: {type: bands, bands: [{when: ">= 10", score: 4.25}, {when: "[6, 10)", score: 2.55}]}""",
    # 80%–85% is in no band of the text: `otherwise` (0), as the corpus reads it
    "R019": """
        weight: 17
        rule: {type: bands, bands: [{when: ">= 90%", score: 17}, {when: "[85%, 90%)", score: 8.5}]}""",
    "R020": """
        weight: 8.5
        direction: lower
        rule: {type: bands, bands: [{when: "<= 0%", score: 8.5}, {when: "(0%, 3%]", score: 4.25}]}""",
    "R021": """
        weight: 4.25
        column: 销售收入
        target_column: 去年同期销售收入
        rule: threshold""",
    "R022": """
        weight: 4.25
        rule: {type: count, points: 4.25}""",
    "R023": """
        weight: 3.75
        rule: {type: mapping, scale: true, map: {1级: 5, 2级: 10, 3级: 15, 4级: 20, 5级: 25}}""",
    "R030": """
        weight: 5
        rule: {type: count, points: 2}""",
    # 各项分数之和/8 × 60% × 50%: the mean of eight 0–100 scores, of 30
    "R041": """
        weight: 30
        rule: {type: rating, scale: 100, raters: [底盘, 电器电路, 家电, 办公电器, LED, 视频监控, 3G监控, 其他技能]}""",
    "R042": """
        weight: 5
        rule: {type: rating, scale: 100, raters: [沟通能力, 协调能力, 人际关系]}""",
    "R043": """
        weight: 15
        rule: {type: rating, scale: 100, raters: [维修技能评价, 维修及时性评价, 维修态度评价]}""",
    "R044": """
        weight: 50
        target: 100%
        actual: {ratio: [实际出勤天数, 标准出勤天数]}
        rule: ratio""",
    "R051": """
        weight: 10
        rule: {type: count, points: 5}""",
    "R052": """
        weight: 5
        rule: {type: count, points: 5}""",
    "R053": """
        weight: 10
        rule: {type: count, points: 10}""",
    "R054": """
        weight: 35
        rule: {type: count, points: 35}""",
    "R055": """
        weight: 5
        rule: {type: count, points: 5}""",
    "R056": """
        weight: 10
        rule: {type: count, points: 10}""",
    # (-10) on a 5-point item: the item is lost, and no further (read as floored at the item)
    "R057": """
        weight: 5
        rule: {type: count, points: 10}""",
    "R071": """
        weight: 10
        rule: {type: bands, bands: [{when: "[60, 90)", score: [0, 10]}, {when: ">= 90", score: 10}]}""",
    # the assessor's score of 0–10 is the item's points
    "R078": """
        weight: 10
        rule: {type: rating, scale: 10, raters: [团队项考评人评分]}""",
    "R084": """
        weight: 10
        rule: {type: bands, bands: [{when: ">= 80%", score: 10}, {when: "[70%, 80%)", score: 8},
                                    {when: "[60%, 70%)", score: 6}, {when: "[50%, 60%)", score: 3}]}""",
    "R085": """
        weight: 10
        direction: lower
        rule: {type: bands, bands: [{when: "<= 1", score: 10}, {when: "(1, 2]", score: 8}, {when: "(2, 3]", score: 6},
                                    {when: "(3, 4]", score: 4}]}""",
    "R086": """
        weight: 10
        rule: {type: bands, bands: [{when: ">= 95%", score: 10}, {when: "[85%, 95%)", score: 8},
                                    {when: "[75%, 85%)", score: 6}, {when: "[65%, 75%)", score: 4}]}""",
    "R087": """
        weight: 10
        direction: lower
        rule: {type: bands, bands: [{when: "< 1", score: 10}, {when: "[1, 2)", score: 8},
                                    {when: "[2, 3)", score: 6}]}""",
    "R088": """
        weight: 5
        rule: {type: count, points: 5}""",
    "R089": """
        weight: 5
        rule: {type: mapping, map: {规定时间内响应: 5, 规定时间外响应: 0}}""",
    "R094": """
        adjustment: true
        rule: {type: penalty, points: 5}""",
    # 每超过1分钟扣0.2分, 每低于1分钟加0.1分, 最高加5分: target 25 minutes, 7 of 12 at most
    "R110": """
        weight: 7
        target: 25
        direction: lower
        rule: {type: deduct, per: 1, points: 0.2, add: 0.1, max: 12}""",
    "R112": """
        weight: 6
        target: 95%
        rule: {type: deduct, per: 1%, points: 0.5}""",
    "R117": """
        weight: 5
        rule: {type: count, points: 5}""",
    # 3–4 个加3分 overlaps 4个及以上加5分: 4 is read as the better band
    "R118": """
        weight: 5
        rule: {type: bands, bands: [{when: ">= 4", score: 5}, {when: "[3, 4)", score: 3}]}""",
    # above 90%: +0.5 per point, at most +10; below: 按比例 (9 × A ÷ 90%)
    "R123": """
        weight: 9
        extra: 10
        rule: {type: bands, bands: [{when: "[0%, 90%)", score: [0, 9]}, {when: "[90%, 110%)", score: [9, 19]},
                                    {when: ">= 110%", score: 19}]}""",
    "R127": """
        weight: 8
        target: 95%
        rule: {type: deduct, per: 1%, points: 0.5}""",
    "R128": """
        weight: 8
        rule: {type: mapping, scale: true, map: {优秀: 100, 良好: 80, 一般: 50, 较差: 0}}""",
    # target 2 minutes (120 s); 每超过20秒扣1分
    "R129": """
        weight: 5
        target: 120
        unit: 秒
        direction: lower
        rule: {type: deduct, per: 20, points: 1}""",
    # −10 per minor accident from the item; a major one is a veto beside it (R135's veto, below)
    "R135": """
        weight: 8
        rule: {type: count, points: 10}""",
    "R137": """
        weight: 3
        target: 90%
        rule: {type: deduct, per: 1%, points: 2}""",
}

#: test points worked here, for texts whose corpus entry has none (or where a part is not covered)
POINTS: dict[str, list[dict[str, Any]]] = {}

#: the texts not said, and why
UNSAID = {
    "R098": "undefined: +2% per 1% saved and +10 beyond the target contradict; below the target not scored",
    "R100": "undefined: 基本分 is not given, nor 2–3 shares",
    "R116": "undefined: the score at and below the target is not given",
    "R126": "undefined: from what base the 0.1 per survey point is counted",
}

NAME = "指标"
FILLER = {"name": "其他", "weight": 100, "target": "100%"}


def scheme_of(key: str) -> dict[str, Any]:
    """A scheme of the one indicator (or adjustment) a text says, its weights summing to its total."""
    item = {"name": NAME, **yaml.safe_load(SAID[key])}
    if item.pop("adjustment", False):
        return {"name": key, "dimensions": [{"name": "维度", "indicators": [FILLER]}], "adjustments": [item]}
    return {"name": key, "total": item["weight"], "dimensions": [{"name": "维度", "indicators": [item]}]}


def points_of(key: str) -> list[dict[str, Any]]:
    return (CORPUS[key]["checks"] or {}).get("points", []) + POINTS.get(key, [])


def _row(scheme: dict[str, Any], actual: Any, i: int) -> dict[str, Any]:
    row: dict[str, Any] = {"工号": f"E{i + 1}", "姓名": f"员工{i + 1}"}
    if "adjustments" in scheme:
        row["其他"] = "100%"
    item = (scheme.get("adjustments") or scheme["dimensions"][0]["indicators"])[0]
    if isinstance(actual, dict):
        row.update(actual)
    else:
        row[item.get("column", NAME)] = actual
    return row


@pytest.mark.parametrize("key", sorted(SAID))
def test_each_text_scores_its_points_exactly(key):
    scheme = scheme_of(key)
    points = points_of(key)
    assert points, key
    frame = pd.DataFrame([_row(scheme, p["actual"], i) for i, p in enumerate(points)])
    result = api.score(frame, scheme)
    for i, p in enumerate(points):
        expected = p["expected"]
        if isinstance(expected, dict):
            got = float(result.adjustments[NAME].iloc[i])
            assert got == pytest.approx(expected["penalty"], abs=1e-9), (key, p)
        else:
            assert float(result.scores[NAME].iloc[i]) == pytest.approx(expected, abs=1e-9), (key, p)


def test_every_defined_text_is_said_or_its_reason_given():
    """The corpus is covered: each text is said here or listed with the reason it is not."""
    assert set(SAID) | set(UNSAID) == set(CORPUS) - set(PENDING)
    assert not set(SAID) & set(UNSAID)


#: texts a rule of the next steps will say (issue 25), until it lands
PENDING = {"R031", "R032", "R033", "R034", "R035", "R036", "R037", "R064", "R065", "R066", "R067", "R068", "R074",
           "R075", "R082", "R083", "R091", "R092", "R093", "R095", "R096", "R097", "R099", "R106", "R111", "R113",
           "R132", "R136"}


def test_at_least_nine_in_ten_defined_texts_are_said():
    defined = set(CORPUS) - {k for k, why in UNSAID.items() if why.startswith("undefined")}
    assert len(set(SAID) & defined) / len(defined) >= 0.9
