"""Scheme traps that pass validation: one warning each, at its YAML line, never fatal."""

from pathlib import Path

import pytest
from helpers import EXAMPLE_SOURCES, write_scheme, write_xlsx
from typer.testing import CliRunner

from kpiscore import load_scheme, score
from kpiscore.cli import app
from kpiscore.core.lint import lint_result, lint_scheme

runner = CliRunner()

HEAD = """\
name: 陷阱
dimensions:
  - name: 时效性
    indicators:
"""


def scheme_file(tmp_path: Path, indicators: str) -> Path:
    return write_scheme(tmp_path / "s.yaml", HEAD + indicators)


def where(findings):
    return [(f.code, f.line) for f in findings]


def actuals(tmp_path: Path, column: str, values: list) -> Path:
    rows = [["工号", "姓名", column]] + [[f"E{i}", f"员工{i}", v] for i, v in enumerate(values)]
    return write_xlsx(tmp_path / "a.xlsx", rows, title=None)


BARE = """\
      - name: 客服响应及时率
        weight: 100
        target: 90
"""


def test_bare_target_on_a_rate(tmp_path):
    scheme = load_scheme(scheme_file(tmp_path, BARE))
    found = lint_scheme(scheme)
    assert where(found) == [("lint_target_bare", 7)]
    assert found[0].message == ("目标写作 90，没有 %：若实际值按百分比填写（88% 即 0.88），得分会是 "
                                "100 × 0.88 ÷ 90 = 0.98。请写 target: 90%，或用 unit 写明单位")
    result = runner.invoke(app, ["validate", "--scheme", str(tmp_path / "s.yaml")])
    assert result.exit_code == 0 and "s.yaml:7 客服响应及时率 › target" in result.output  # the indicator, not a path


def test_bare_target_checked_against_fractions(tmp_path):
    path = scheme_file(tmp_path, BARE)
    result = score(actuals(tmp_path, "客服响应及时率", [0.88, 0.95, 0.91]), path)
    assert where(result.warnings) == [("lint_target_bare", 7), ("lint_target_fraction", 7)]
    # 100 × 0.88 ÷ 90 = 0.977… → 0.98: everyone scores about 1 point instead of about 98
    assert "100 × 0.88 ÷ 90 = 0.98" in result.warnings[1].message
    assert result.summary["total"].tolist() == [0.98, 1.06, 1.01]
    cli = runner.invoke(app, ["validate", "--scheme", str(path), str(tmp_path / "a.xlsx")])
    assert cli.exit_code == 0 and cli.output.count("s.yaml:7") == 2


def test_whole_numbers_on_a_count_like_target_are_fine(tmp_path):
    path = scheme_file(tmp_path, """\
      - name: 首次响应时长
        weight: 100
        target: 30
        direction: lower
        rule: {type: ratio, cap: 1.2}
""")
    result = score(actuals(tmp_path, "首次响应时长", [25, 30, 41]), path)
    assert result.warnings == []


def test_per_one_on_a_percent_deduct(tmp_path):
    path = scheme_file(tmp_path, """\
      - name: 返修任务达成率
        weight: 100
        target: 95%
        rule:
          type: deduct
          per: 1
          points: 1
""")
    found = lint_scheme(load_scheme(path))
    assert where(found) == [("lint_per_whole", 10)]
    assert "per: 1 表示每 100 个百分点扣一次分" in found[0].message and "per: 1%" in found[0].message


GAP = """\
      - name: 报告准时率
        weight: 100
        rule:
          type: bands
          bands:
            - {when: ">= 95%", score: 100}
            - {when: "[90%, 95%)", score: [80, 100]}
            - {when: "[60%, 89%)", score: [0, 80]}
"""


def test_band_gap(tmp_path):
    path = scheme_file(tmp_path, GAP)
    found = lint_scheme(load_scheme(path))
    assert where(found) == [("lint_band_gap", 11)]  # line 11: [90%, 95%), the band that starts after the gap
    assert "区间之间有空档 [89%, 90%)" in found[0].message
    result = score(actuals(tmp_path, "报告准时率", [0.895, 0.97, 0.92]), path)
    assert where(result.warnings) == [("lint_band_gap", 11), ("lint_band_gap_data", 11)]
    assert result.warnings[1].message.startswith("本次有 1 人的实际值落在区间空档 [89%, 90%) 中")
    assert result.summary["total"].tolist() == [0.0, 100.0, 88.0]  # 80 + 20 × (92% − 90%) ÷ 5% = 88


def test_touching_bands_leave_no_gap(tmp_path):
    path = scheme_file(tmp_path, GAP.replace("[60%, 89%)", "[60%, 90%)"))
    assert lint_scheme(load_scheme(path)) == []


def test_everyone_equal(tmp_path):
    path = scheme_file(tmp_path, BARE.replace("target: 90", "target: 90%"))
    result = score(actuals(tmp_path, "客服响应及时率", [0.88, 0.88, 0.88]), path)
    assert where(result.warnings) == [("lint_all_equal", 5)]
    assert result.warnings[0].message == "所有 3 人该指标的实际值都是 88%：请确认没有整列复制或填错"


def test_everyone_at_full_marks(tmp_path):
    path = scheme_file(tmp_path, BARE.replace("target: 90", "target: 60%"))
    result = score(actuals(tmp_path, "客服响应及时率", [0.88, 0.91, 0.95]), path)
    assert where(result.warnings) == [("lint_all_full", 5)]
    assert result.warnings[0].message.startswith("所有 3 人该指标都得满分（100 分）")


def test_lint_is_never_fatal_and_is_printed_by_score(tmp_path):
    path = scheme_file(tmp_path, BARE)
    data = actuals(tmp_path, "客服响应及时率", [0.88, 0.95, 0.91])
    result = runner.invoke(app, ["score", str(data), "--scheme", str(path), "-o", str(tmp_path / "o.xlsx")])
    assert result.exit_code == 0 and "目标是 90（没有 %）" in result.output


@pytest.mark.parametrize("name", ["aftersales", "service-quality", "service-manager", "express-cs"])
def test_starter_schemes_and_examples_are_clean(name):
    examples = Path(__file__).parents[1] / "examples"
    data = {"express-cs": "express-cs.csv"}.get(name, f"{name}.xlsx")
    assert lint_scheme(load_scheme(name)) == []
    assert lint_result(score(examples / data, name, sources=EXAMPLE_SOURCES.get(name))) == []
