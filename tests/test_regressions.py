"""Bugs found by the code review (issue 11), each kept fixed by a test."""

from pathlib import Path

import pytest
import yaml
from helpers import TYPED_SQ
from openpyxl import load_workbook
from typer.testing import CliRunner

from kpiscore import SchemeError, load_scheme, score, write_result
from kpiscore.batch import load_plan
from kpiscore.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).parents[1] / "examples"


def test_an_adjustment_named_like_the_bonus_column_is_an_error_at_its_line(tmp_path):
    text = (Path(load_scheme(TYPED_SQ).source.path).read_text(encoding="utf-8")
            + "adjustments:\n  - {name: 加分, rule: bonus}\n")
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SchemeError) as info:
        load_scheme(tmp_path / "s.yaml")
    line = len(text.splitlines())
    assert [(f.code, f.line, f.field) for f in info.value.findings] == [("name_collides", line, "adjustments[0].name")]


def test_a_blank_weighted_count_means_zero_everywhere(tmp_path):
    scheme = {"name": "s", "missing": "error", "dimensions": [{"name": "D", "indicators": [
        {"name": "达成率", "weight": 85, "target": "100%"},
        {"name": "投诉", "weight": 15, "rule": {"type": "count", "allow": 0, "points": 5}}]}]}
    import pandas as pd

    result = score(pd.DataFrame({"工号": ["1"], "姓名": ["甲"], "达成率": [1.0], "投诉": [None]}), scheme)
    assert result.summary["total"].tolist() == [100.0]  # 85 × 100% ÷ 100% + 15 − 5 × 0 = 100
    write_result(result, tmp_path / "o.xlsx", "xlsx")
    rows = list(load_workbook(tmp_path / "o.xlsx")["方案"].iter_rows(values_only=True))
    header = rows[2]
    count_row = next(r for r in rows if r[1] == "投诉")
    assert count_row[header.index("空白处理")] == "空白: 0"  # as the template says and the engine does


def test_an_english_plan_gets_english_errors(tmp_path):
    scheme = load_scheme(TYPED_SQ).model_dump(mode="json") | {"language": "en"}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(scheme, allow_unicode=True), encoding="utf-8")
    (tmp_path / "plan.yaml").write_text("name: Year\nscheme: s.yaml\nperiods:\n  - {period: Q1, input: a.xlsx}\n"
                                        "  - {period: Q1, input: b.xlsx}\n", encoding="utf-8")
    with pytest.raises(SchemeError) as info:
        load_plan(tmp_path / "plan.yaml")
    assert [f.message for f in info.value.findings] == ["period Q1 appears twice"]
    result = runner.invoke(app, ["batch", str(tmp_path / "plan.yaml")])
    assert result.exit_code == 1 and "1 problem(s) found:" in result.output


def test_validate_on_an_english_scheme_has_an_english_heading(tmp_path):
    scheme = load_scheme(TYPED_SQ).model_dump(mode="json") | {"language": "en", "total": 90}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(scheme, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["validate", "--scheme", str(tmp_path / "s.yaml")])
    assert result.exit_code == 1 and "1 problem(s) found:" in result.output and "发现" not in result.output
    assert "weights add up to 100, not 90" in result.output


def test_an_inverted_band_is_named_as_such(tmp_path):
    with pytest.raises(SchemeError) as info:
        load_scheme({"name": "s", "dimensions": [{"name": "D", "indicators": [{"name": "A", "weight": 100, "rule": {
            "type": "bands", "bands": [{"when": "[95%, 90%)", "score": 100}]}}]}]})
    [finding] = info.value.findings
    assert finding.code == "interval_empty"
    assert finding.message == "区间 [95%, 90%) 为空：左端不小于右端，请把小的数写在前面，如 [90%, 95%)"


def test_identity_columns_are_distinct(tmp_path):
    # found by the 100,000-input fuzz run: `group: 工号` made two Scores columns 工号 and broke the Audit sheet
    text = Path(load_scheme("aftersales").source.path).read_text(encoding="utf-8").replace("group: 岗位", "group: 工号")
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SchemeError) as info:
        load_scheme(tmp_path / "s.yaml")
    line = text.splitlines().index("  group: 工号") + 1
    assert [(f.code, f.line, f.field) for f in info.value.findings] == [("name_collides", line, "columns.group")]


def test_a_huge_number_as_a_period_label_stays_a_label():
    # found by the CI fuzz campaign: formatting it as a number overflowed
    scheme = load_scheme(TYPED_SQ).model_dump(mode="json") | {"period": 10**40}
    assert load_scheme(scheme).period == str(10**40)
