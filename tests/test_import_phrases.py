"""The phrase grammar on the ways real tables write their rules: each text read into exactly the rule it says,
or refused with the finding that says why, never read into a rule that scores otherwise.

Each case is the 评分标准 cell, the row's weight (None: no weight, an item outside the weights) and 目标值 cell,
and what the import makes of them: the scheme fields, or the code of the finding.
"""

from __future__ import annotations

from typing import Any

import pytest

from kpiscore.core.readbase import read_target
from kpiscore.core.reading import understand

DEDUCT = {"type": "deduct", "per": "1%", "points": 1.0}

CASES: list[tuple[str, float | None, str, Any]] = [
    # steps from the target
    ("每降低1个百分点扣1分", 30, "95%", {"target": "95%", "rule": DEDUCT}),
    ("达成率100%得满分，每低1%扣1分", 10, "100%", {"target": "100%", "rule": DEDUCT}),
    ("完成率≥100%得满分；每降低5%扣2分", 20, "100%",
     {"target": "100%", "rule": {"type": "deduct", "per": "5%", "points": 2.0}}),
    ("投诉率≤1%得满分，每超过0.1%扣1分", 10, "≤1%",
     {"target": "1%", "direction": "lower", "rule": {"type": "deduct", "per": "0.1%", "points": 1.0}}),
    ("投诉率≤1%得满分，每超过0.1%扣1分", 10, "2%", "import_target_differs"),
    ("差错率每超过0.1%扣1分", 10, "0.5%",
     {"target": "0.5%", "direction": "lower", "rule": {"type": "deduct", "per": "0.1%", "points": 1.0}}),
    # a target of 2 hours, steps of 30 minutes: the target in minutes, 120
    ("响应时间每超过30分钟扣1分", 10, "2小时", {"target": 120.0, "direction": "lower", "unit": "分钟",
                                     "rule": {"type": "deduct", "per": 30.0, "points": 1.0}}),
    ("满分100分，每低1%扣5分", 20, "95%",
     {"target": "95%", "rule": {"type": "deduct", "per": "1%", "points": 5.0, "out_of": 100.0}}),
    ("每低1%扣2分，最高扣10分", 20, "95%",
     {"target": "95%", "rule": {"type": "deduct", "per": "1%", "points": 2.0, "max_off": 10.0}}),
    ("得分=实际值/目标值*权重", 20, "95%", {"target": "95%", "rule": {"type": "ratio"}}),
    ("得分=实际值/目标值*权重，最高不超过满分", 20, "95%", {"target": "95%", "rule": {"type": "ratio", "cap": 1.0}}),
    ("每低于目标1%扣1分，每高于目标1%加1分，最高不超过满分", 20, "90%", {"target": "90%", "rule": {
        "type": "deduct", "per": "1%", "points": 1.0, "add": 1.0, "max": 20}}),
    ("每增加1个新客户加1分，最高不超过满分", None, "", "import_bonus_full"),
    # occurrences
    ("客户投诉1次扣3分", 10, "", {"rule": {"type": "count", "points": 3.0}}),
    ("每月迟到不超过2次，超过部分每次扣1分", 10, "", {"rule": {"type": "count", "points": 1.0, "allow": 2.0}}),
    ("投诉每季度3次以上每次扣1分", 10, "≤3次/季度", {"rule": {"type": "count", "points": 1.0, "allow": 3.0}}),
    ("迟到、早退每次扣1分，旷工每次扣5分", 10, "", {"rule": {"type": "clauses", "clauses": [
        {"name": "迟到、早退", "points": 1.0}, {"name": "旷工", "points": 5.0}]}}),
    ("未按时完成每次扣2分，最多扣10分", 10, "", {"rule": {"type": "clauses", "clauses": [
        {"name": "未按时完成", "points": 2.0}], "max_off": 10.0}}),
    ("出现一次重大客诉本项不得分", 10, "", {"rule": {"type": "clauses", "clauses": [
        {"name": "重大客诉", "forfeit": True}]}}),
    # bands and labels
    ("90分以上得满分，80-89分得8分，70-79分得6分，70分以下不得分", 10, "", {"rule": {"type": "bands", "bands": [
        {"when": ">= 90", "score": 10}, {"when": "[80, 90)", "score": 8.0}, {"when": "[70, 80)", "score": 6.0},
        {"when": "< 70", "score": 0.0}]}}),
    ("优秀10分，良好8分，一般6分，差0分", 10, "",
     {"rule": {"type": "mapping", "map": {"优秀": 10.0, "良好": 8.0, "一般": 6.0, "差": 0.0}}}),
    ("A级：10分；B级：8分；C级：5分；D级：0分", 10, "",
     {"rule": {"type": "mapping", "map": {"A级": 10.0, "B级": 8.0, "C级": 5.0, "D级": 0.0}}}),
    ("达到80%得满分，低于80%不得分", 5, "≥80%", {"target": "80%", "rule": "threshold"}),
    ("由考评小组按百分制打分", 10, "", {"rule": {"type": "rating", "scale": 100.0, "raters": ["考评小组评分"]}}),
    # outside the weights
    ("每增加1个新客户加1分，最高加5分", None, "", {"rule": {"type": "bonus", "points": 1.0, "max": 5.0}}),
    ("每提出一条合理化建议被采纳加2分", None, "", {"rule": {"type": "bonus", "points": 2.0}}),
    ("违反公司制度一次扣5分", None, "", {"rule": {"type": "penalty", "points": 5.0}}),
    ("发生重大质量事故，当月绩效为0", None, "", {"rule": {"type": "veto"}}),
    # refused: each would otherwise be a guess
    ("迟到1次扣2分，2次扣5分", 10, "", "import_unread"),  # 2次: a second lateness, or two?
    ("迟到1次扣2分，3次以上扣10分", 10, "", "import_clause_unnamed"),
    ("超过3次扣2分", 10, "", "import_unread"),  # once, or each beyond 3?
    ("≥98%得满分", 10, "98%", "import_no_rule"),  # below 98% unsaid
    ("上级评价，满分10分", 10, "", "import_no_rule"),
    ("由部门经理根据工作表现打分", 10, "", "import_no_rule"),
    ("实际完成值/目标值×100%×权重", 20, "100万", "import_target_magnitude"),
    ("每低1%扣2分", 10, "95", "import_step_percent"),
    ("低于目标值则按比例扣分", 10, "95%", "import_undefined"),
    ("每高于目标1%加0.5分，最高加15分", 10, "90%", "import_add_only"),
    ("80-89分得8分，70-79分得6分，70分以下不得分", 10, "", "import_bands_open"),  # 90 and above unsaid
    ("按时提交得5分，延迟提交每天扣1分", 5, "", "import_mixed"),
    ("出现一次重大客诉得0分，一般客诉0分", 10, "", "import_mixed"),
]


@pytest.mark.parametrize(("text", "weight", "target", "expected"), CASES, ids=[c[0][:24] for c in CASES])
def test_each_text_reads_as_it_says(text, weight, target, expected):
    got = understand(text, weight, read_target(target) if target else None)
    if isinstance(expected, str):
        assert [p.code for p in got.problems][:1] == [expected]
    else:
        assert not got.problems, got.problems
        assert got.fields == expected
        assert got.adjustment == (weight is None)


@pytest.mark.parametrize(("cell", "value", "higher"), [
    ("95%", 0.95, None), ("≥95%", 0.95, True), ("95%以上", 0.95, True), ("不低于95%", 0.95, True),
    ("≤3次/季度", 3.0, False), ("30分钟内", 30.0, False), ("每月不超过3次", 3.0, False), ("1个工作日", 1.0, None),
    ("平均评分4.5分(满分5分)", 4.5, None), ("100%完成當日配送訂單的95%以上回訪", 0.95, True), ("９８％", 0.98, None)])
def test_a_target_cell_reads_as_written(cell, value, higher):
    got = read_target(cell)
    assert got.value == pytest.approx(value)
    assert got.higher is higher
