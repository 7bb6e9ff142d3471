"""Every rule against numbers worked by hand from its formula (the arithmetic is in each case)."""

import math

import pandas as pd
import pytest
from pydantic import ValidationError

from kpiscore.core.quantities import Interval
from kpiscore.core.rulebase import Context
from kpiscore.core.rules import (
    Bands,
    Bonus,
    Count,
    Deduct,
    Mapping,
    Penalty,
    Rating,
    Ratio,
    Threshold,
    Veto,
)
from kpiscore.text import voice


def ctx(weight=10.0, target=None, higher=True, percent=True, lang="zh"):
    return Context(weight, target, higher, percent, voice=voice(lang))


def s(*values):
    return pd.Series(values, dtype=float)


def score(rule, values, **kw):
    return list(rule.score(s(*values), ctx(**kw)))


def words(rule, values, **kw):
    return list(rule.words(s(*values), ctx(**kw)))


# --- the SPEC's worked table -------------------------------------------------------------------------------

def test_spec_ratio_rows():
    # 15 × 88% ÷ 90% = 14.666… ; 20 × 82% ÷ 80% = 20.5 (no cap: a ratio may pass its weight)
    assert score(Ratio(), [0.88], weight=15, target=0.9)[0] == pytest.approx(14.6666666667)
    assert score(Ratio(), [0.82], weight=20, target=0.8)[0] == pytest.approx(20.5)
    assert words(Ratio(), [0.88], weight=15, target=0.9) == ["15 × 88% ÷ 90%"]


def test_spec_deduct_row():
    # 30 − 1 × (95% − 91.5%) ÷ 1% = 30 − 3.5 = 26.5
    rule = Deduct(per="1%", points=1)
    assert score(rule, [0.915], weight=30, target=0.95) == [pytest.approx(26.5)]
    assert words(rule, [0.915], weight=30, target=0.95) == ["30 − 1 × 3.5"]


def test_spec_count_row():
    # 15 − 1 × max(0, 5 − 3) = 13
    assert score(Count(allow=3, points=1), [5], weight=15, percent=False) == [13.0]


SPEC_BANDS = Bands(bands=[
    {"when": ">= 95%", "score": 15}, {"when": "[90%, 95%)", "score": [12, 15]},
    {"when": "[80%, 90%)", "score": [8, 12]}, {"when": "[60%, 80%)", "score": [0, 8]}])


def test_spec_bands_row():
    # 92% in [90%, 95%): 12 + (15 − 12) × (92% − 90%) ÷ (95% − 90%) = 12 + 3 × 0.4 = 13.2
    assert score(SPEC_BANDS, [0.92], weight=15) == [pytest.approx(13.2)]
    assert words(SPEC_BANDS, [0.92], weight=15) == ["92% ∈ [90%, 95%): 12 + (15 − 12) × (92% − 90%) ÷ (95% − 90%)"]


def test_spec_mapping_row():
    rule = Mapping(map={"很满意": 3, "较满意": 2, "不满意": 1, "很不满意": 0})
    a = pd.Series(["较满意", "很满意"])
    assert list(rule.score(a, ctx(weight=3, percent=False))) == [2.0, 3.0]


# --- each rule's parameters ---------------------------------------------------------------------------------

def test_ratio_cap_and_lower():
    # higher with cap 1.2: 10 × min(130% ÷ 100%, 1.2) = 12
    assert score(Ratio(cap=1.2), [1.3], weight=10, target=1.0) == [pytest.approx(12)]
    # lower: 20 × 30 ÷ 40 = 15 ; A = 0 scores W·cap = 20 × 1 = 20 ; 20 × 30 ÷ 20 = 30 capped at 20 × 1
    assert score(Ratio(cap=1), [40, 0, 20], weight=20, target=30, higher=False, percent=False) == [15, 20, 20]
    assert words(Ratio(cap=1), [40, 0], weight=20, target=30, higher=False, percent=False) == [
        "20 × 30 ÷ 40", "20 × 1"]


def test_ratio_never_below_zero():
    assert score(Ratio(), [-0.5], weight=10, target=0.9) == [0]


def test_deduct_partial_modes():
    # shortfall 95% − 92% = 3% is 3.0 steps, never 2.9999999: floor and ceil both give 3
    for partial in ("floor", "ceil", "prorate"):
        assert score(Deduct(per="1%", partial=partial), [0.92], weight=30, target=0.95) == [27.0]
    # 95% − 91.5% = 3.5 steps: floor 3 → 27, ceil 4 ("不足1个百分点按1个百分点计") → 26
    assert score(Deduct(per="1%", partial="floor"), [0.915], weight=30, target=0.95) == [27.0]
    assert score(Deduct(per="1%", partial="ceil"), [0.915], weight=30, target=0.95) == [26.0]


def test_deduct_floor_at_zero_and_lower_direction():
    # 10 − 2 × 8 = −6 → 0
    assert score(Deduct(per="1%", points=2), [0.90], weight=10, target=0.98) == [0.0]
    assert words(Deduct(per="1%", points=2), [0.90], weight=10, target=0.98) == ["max(0, 10 − 2 × 8)"]
    # lower is better: A 3% against 1%: 10 − 1 × 2 = 8
    assert score(Deduct(per="1%"), [0.03], weight=10, target=0.01, higher=False) == [pytest.approx(8)]


def test_deduct_add_capped_at_max():
    # 2% beyond target: 10 + 0.5 × 2 = 11 ; 10% beyond: 10 + 0.5 × 10 = 15, capped at max 12
    rule = Deduct(per="1%", add=0.5, max=12)
    assert score(rule, [0.97, 1.05], weight=10, target=0.95) == [pytest.approx(11), 12]
    assert words(rule, [0.97], weight=10, target=0.95) == ["10 + 0.5 × 2"]
    # add without max: capped at W
    assert score(Deduct(per="1%", add=1), [0.99], weight=10, target=0.95) == [10]


def test_count_allow_and_floor():
    # 10 − 5 × max(0, 3 − 0) = −5 → 0 ; 10 − 5 × 0 = 10
    assert score(Count(points=5), [3, 0], weight=10, percent=False) == [0, 10]
    assert words(Count(allow=3), [5], weight=15, percent=False) == ["15 − 1 × max(0, 5 − 3)"]


def test_bands_edges_and_otherwise():
    # left-closed edges: 95% → first band 15; 90% → 12 at the left end; 50% in no band → otherwise 0
    assert score(SPEC_BANDS, [0.95, 0.90, 0.80, 0.50], weight=15) == [15, 12, 8, 0]
    rule = Bands(bands=[{"when": "(1%, 2%]", "score": [10, 8]}], otherwise=3)
    # (1%, 2%]: 1.5% → 10 + (8 − 10) × 0.5 = 9 ; 1% is outside the open end → otherwise 3
    assert score(rule, [0.015, 0.01], weight=10) == [pytest.approx(9), 3]


def test_bands_errors():
    with pytest.raises(ValidationError, match="overlap"):
        Bands(bands=[{"when": ">= 90%", "score": 5}, {"when": "[80%, 90%]", "score": 3}])
    with pytest.raises(ValidationError, match="open-ended"):
        Bands(bands=[{"when": ">= 90%", "score": [5, 6]}])
    with pytest.raises(ValidationError, match="interval"):
        Bands(bands=[{"when": "about 90%", "score": 5}])
    # touching but not overlapping: [80%, 90%) and >= 90%
    Bands(bands=[{"when": ">= 90%", "score": 5}, {"when": "[80%, 90%)", "score": 3}])


def test_interval_parsing():
    i = Interval.parse("[90%, 95%)")
    assert (i.lo, i.hi, i.lo_closed, i.hi_closed, i.percent) == (0.9, 0.95, True, False, True)
    j = Interval.parse("＜ ６０％")  # full-width, folded
    assert (j.lo, j.hi, j.hi_closed) == (-math.inf, 0.6, False)
    assert Interval.parse("≥ 3").lo == 3
    assert (Interval.parse("== 100%").lo, Interval.parse("= 100%").hi) == (1.0, 1.0)
    assert Interval.parse("［90%，95%）").text == "[90%,95%)"  # full-width brackets and comma fold


def test_threshold():
    # A meets T (≥ for higher): W = 5 ; else fail = 1 ; lower: ≤
    assert score(Threshold(fail=1), [0.80, 0.79], weight=5, target=0.8) == [5, 1]
    assert score(Threshold(), [20, 21], weight=5, target=20, higher=False, percent=False) == [5, 0]
    assert words(Threshold(), [0.79], weight=5, target=0.8) == ["79% < 80%: 0"]


def test_mapping_scale_and_labels():
    rule = Mapping(map={"很满意": 3, "较满意": 2}, scale=True)
    # 8 × 2 ÷ 3 = 5.333…
    assert list(rule.score(pd.Series(["较满意"]), ctx(weight=8))) == [pytest.approx(16 / 3)]
    with pytest.raises(ValidationError, match="at least one label"):
        Mapping(map={})
    with pytest.raises(ValidationError, match="same after"):
        Mapping(map={"A": 1, "Ａ": 2})


def test_rating_mean_weights_trim():
    values = pd.DataFrame({"上级": [4.0, None, None], "下属": [5.0, 3.0, None]})
    plain = Rating(raters=["上级", "下属"])
    mean = plain.actual(values, ctx())
    # (4 + 5) ÷ 2 = 4.5 ; a blank rater is left out: 3 ; all blank: missing
    assert list(mean[:2]) == [4.5, 3.0] and math.isnan(mean[2])
    # 20 × 4.5 ÷ 5 = 18
    assert list(plain.score(mean[:1], ctx(weight=20))) == [18.0]
    weighted = Rating(raters={"上级": 60, "下属": 40})
    # (60 × 4 + 40 × 5) ÷ 100 = 4.4 ; only 下属 present: 3
    assert list(weighted.actual(values, ctx())[:2]) == [pytest.approx(4.4), 3.0]
    trimmed = Rating(raters=["a", "b", "c", "d"], trim=True)
    four = pd.DataFrame({"a": [90.0, 90.0], "b": [80.0, 80.0], "c": [70.0, None], "d": [100.0, None]})
    # drop 100 and 70: (90 + 80) ÷ 2 = 85 ; only two ratings: no trim, (90 + 80) ÷ 2 = 85
    assert list(trimmed.actual(four, ctx())) == [85.0, 85.0]
    with pytest.raises(ValidationError, match="trim"):
        Rating(raters={"a": 1, "b": 1}, trim=True)


def test_bonus_penalty_veto():
    # min(2 × 3, 5) = 5 ; min(3 × 1, —) = 3
    assert list(Bonus(points=2, max=5).score(s(3), ctx())) == [5]
    assert list(Penalty(points=3).score(s(1), ctx())) == [3]
    assert list(Veto(allow=0).score(s(0, 1), ctx())) == [False, True]
    with pytest.raises(ValidationError, match="grade"):
        Veto(effect="grade")


def test_describe_in_both_languages():
    assert Ratio().describe(ctx(weight=15, target=0.9)) == "得分 = 15 × 实际值 ÷ 90%"
    assert Ratio().describe(ctx(weight=15, target=0.9, lang="en")) == "score = 15 × actual ÷ 90%"
    assert "每低于目标 1% 扣 1 分" in Deduct(per="1%").describe(ctx(weight=30, target=0.95))
    assert SPEC_BANDS.describe(ctx(weight=15)).startswith(">= 95%: 15；[90%, 95%): 12–15")


def test_the_registry_holds_every_rule_and_each_provides_every_part():
    import typing

    import pandas as pd

    from kpiscore.core.rulebase import Context
    from kpiscore.core.rules import RULES, AdjustmentRule, WeightedRule
    from kpiscore.text import words

    declared = {cls for union in (WeightedRule, AdjustmentRule) for cls in typing.get_args(typing.get_args(union)[0])}
    assert set(RULES.values()) == declared
    samples = {"mapping": {"map": {"好": 1}}, "bands": {"bands": [{"when": ">= 90%", "score": 10}]},
               "rating": {"raters": ["上级"]}, "veto": {"effect": "grade", "grade": "待改进"},
               "clauses": {"clauses": [{"name": "着装不规范", "points": 2}]},
               "checklist": {"items": ["按时响应"], "points": 5}}
    for name, cls in RULES.items():
        rule = cls.model_validate({"type": name, **samples.get(name, {})})
        assert rule.role in ("weighted", "bonus", "penalty", "veto") and rule.value_kind in (
            "number", "count", "label", "rating")
        # a rule whose words show its inputs (each clause's count, each requirement's cell) is given them: its
        # example's
        ctx = Context(10.0, 0.9, True, True, voice=voice("zh"))
        value = rule.example(ctx)
        inputs = pd.DataFrame([value]) if isinstance(value, dict) else None
        ctx = Context(10.0, 0.9, True, True, voice=voice("zh"), inputs=inputs)
        a = rule.actual(inputs, ctx) if inputs is not None else pd.Series(
            ["好"] if rule.value_kind == "label" else [0.95])
        assert len(rule.score(a, ctx)) == 1 and len(rule.words(a, ctx)) == 1
        assert rule.describe(ctx) and rule.describe(Context(10.0, 0.9, True, True, voice=voice("en")))
        assert rule.inputs("列") and rule.max_points(10.0) >= 0
        # the template's parts: how the cell is typed and checked, the hint in both languages, an example
        cell = rule.cell(ctx)
        assert cell.kind in ("percent", "count", "number", "label") and cell.validation["validate"]
        assert words(cell.hint, "zh", **cell.params) and words(cell.hint, "en", **cell.params)
        example = a if inputs is not None else pd.Series(  # one value, or one per input column
            [value], dtype=object if rule.value_kind == "label" else float)
        assert rule.score(example, ctx).notna().all()
        assert rule.blank_is_zero == (rule.value_kind == "count")
        # its checks and how its cells are read: labels for a label rule, a range for counts and ratings
        assert all(p.code and isinstance(p.loc, tuple) for p in rule.problems(10.0, None, True))
        assert all(q.value is not None for _, q in rule.in_unit())
        assert (rule.grade_named() == "待改进") == (name == "veto")
        assert (rule.labels() is not None) == (rule.value_kind == "label")
        assert (rule.bounds() is not None) == (rule.value_kind in ("count", "rating"))
