"""The rule kinds real KPI tables write beyond the first ten: extra points beyond full marks, items made of
clauses, caps and floors. Each expected number is worked by hand from the rule, the arithmetic beside it."""

from __future__ import annotations

import pandas as pd
import pytest

from kpiscore import api
from kpiscore.errors import SchemeError


def people(n: int, **columns) -> pd.DataFrame:
    return pd.DataFrame({"工号": [f"E{i + 1}" for i in range(n)], "姓名": [f"员{i + 1}" for i in range(n)],
                         **columns})


def problems(tmp_path, text: str, lang: str = "zh") -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemeError) as info:
        api.load_scheme(path)
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
    path = tmp_path / "s.yaml"
    path.write_text(EXTRA, encoding="utf-8")
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
