"""The small things users hit: messages in their language, outputs colleagues can open, no stale results."""

import os
import shutil
import stat
from pathlib import Path

import pytest
import yaml
from helpers import EXAMPLE_SOURCES, TYPED_SQ, source_options, write_scheme, write_xlsx
from openpyxl import load_workbook
from typer.testing import CliRunner

from kpiscore import SchemeError, UsageError, load_scheme, score, write_result
from kpiscore.batch import load_plan, run_batch
from kpiscore.cli import app

#: the starter service-quality and its example survey, as options of a command
SQ = ["service-quality", *source_options("service-quality")]

runner = CliRunner()
EXAMPLES = Path(__file__).parents[1] / "examples"
REAL = Path(__file__).parent / "data" / "real"


def scheme_errors(path):
    with pytest.raises(SchemeError) as info:
        load_scheme(path)
    return [(f.code, f.line) for f in info.value.findings], info.value.findings


def test_version_on_its_own():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("kpiscore ")


def test_yaml_tab_is_named(tmp_path):
    path = write_scheme(tmp_path / "s.yaml", "name: 方案\ndimensions:\n  - name: D\n\tindicators: []\n")
    found, findings = scheme_errors(path)
    assert found == [("yaml_tab", 4)]
    assert findings[0].message == "这一行用制表符（Tab）缩进：YAML 只能用空格缩进，请把 Tab 换成空格"


def test_full_width_colon_is_named(tmp_path):
    text = (Path(load_scheme("service-quality").source.path).read_text(encoding="utf-8")
            .replace("period: 2024Q1", "period：2024Q1"))
    path = write_scheme(tmp_path / "s.yaml", text)
    found, findings = scheme_errors(path)
    line = text.splitlines().index("period：2024Q1") + 1
    assert found == [("yaml_fullwidth_colon", line)]
    assert findings[0].message == "'period' 后面是全角冒号“：”：YAML 的键后要用半角冒号加空格“: ”"
    cli = runner.invoke(app, ["validate", "--scheme", str(path)])
    assert cli.exit_code == 1 and f"s.yaml:{line}" in cli.output


def test_full_width_colon_in_a_list_item(tmp_path):
    path = write_scheme(tmp_path / "s.yaml", "name: 方案\ndimensions:\n  - name：D\n    indicators: []\n")
    assert scheme_errors(path)[0][0] == ("yaml_fullwidth_colon", 3)


def test_english_scheme_says_a_missing_input_in_english(tmp_path):
    scheme = load_scheme(TYPED_SQ).model_dump(mode="json") | {"language": "en"}
    path = tmp_path / "en.yaml"
    path.write_text(yaml.safe_dump(scheme, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["score", str(tmp_path / "nope.xlsx"), "--scheme", str(path)])
    assert result.exit_code == 2 and "no such file: " in result.output and "nope.xlsx" in result.output
    result = runner.invoke(app, ["score", str(tmp_path / "nope.xlsx"), "--scheme", *SQ])
    assert result.exit_code == 2 and "找不到文件" in result.output
    result = runner.invoke(app, ["score", str(tmp_path), "--scheme", *SQ])
    assert result.exit_code == 2 and "是文件夹，不是文件" in result.output


@pytest.mark.parametrize("output", ["x.pdf", "x.xlsm", "x.txt"])
def test_unknown_output_suffix_is_a_usage_error(tmp_path, output):
    data = shutil.copy(EXAMPLES / "service-quality.xlsx", tmp_path)
    result = runner.invoke(app, ["score", data, "-s", *SQ, "-o", str(tmp_path / output)])
    assert result.exit_code == 2 and "输出请用 .xlsx、.csv 或 .json" in result.output
    assert not (tmp_path / output).exists()


def test_output_suffix_must_match_format(tmp_path):
    data = shutil.copy(EXAMPLES / "service-quality.xlsx", tmp_path)
    result = runner.invoke(app, ["score", data, "-s", *SQ, "-o", str(tmp_path / "a.xlsx"),
                                 "--format", "csv"])
    assert result.exit_code == 2 and "与 --format csv 不一致" in result.output


def test_output_that_is_a_folder(tmp_path):
    data = shutil.copy(EXAMPLES / "service-quality.xlsx", tmp_path)
    (tmp_path / "out.xlsx").mkdir()
    result = runner.invoke(app, ["score", data, "-s", *SQ, "-o", str(tmp_path / "out.xlsx"), "--force"])
    assert result.exit_code == 2 and "是文件夹" in result.output and "Traceback" not in result.output


def test_output_in_a_folder_that_cannot_be_made(tmp_path):
    data = shutil.copy(EXAMPLES / "service-quality.xlsx", tmp_path)
    (tmp_path / "file").write_text("x")
    result = runner.invoke(app, ["score", data, "-s", *SQ, "-o", str(tmp_path / "file" / "o.xlsx")])
    assert result.exit_code == 2 and "无法写入" in result.output and "Traceback" not in result.output


def test_locked_output_is_a_usage_error(tmp_path, monkeypatch):
    result = score(EXAMPLES / "service-quality.xlsx", "service-quality", sources=EXAMPLE_SOURCES["service-quality"])

    def locked(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)  # as Windows answers while Excel holds the file open
    with pytest.raises(UsageError) as info:
        write_result(result, tmp_path / "out.xlsx", "xlsx")
    assert info.value.findings[0].code == "output_locked" and "Excel/WPS" in info.value.findings[0].message
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone too


def test_new_outputs_follow_the_umask_and_replaced_ones_keep_their_mode(tmp_path):
    result = score(EXAMPLES / "service-quality.xlsx", "service-quality", sources=EXAMPLE_SOURCES["service-quality"])
    old = os.umask(0o022)
    try:
        write_result(result, tmp_path / "new.xlsx", "xlsx")
        write_result(result, tmp_path / "new.csv", "csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.xlsx").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o644
    (tmp_path / "new.xlsx").chmod(0o664)
    write_result(result, tmp_path / "new.xlsx", "xlsx")
    assert stat.S_IMODE((tmp_path / "new.xlsx").stat().st_mode) == 0o664


def test_skipped_score_shows_a_dash(tmp_path):
    skip = load_scheme(TYPED_SQ).model_dump(mode="json") | {"missing": "skip"}
    result = score(REAL / "na_marks.xlsx", skip)
    write_result(result, tmp_path / "o.xlsx", "xlsx")
    ws = load_workbook(tmp_path / "o.xlsx")["得分"]
    header = [c.value for c in ws[1]]
    first = dict(zip(header, [c.value for c in ws[2]], strict=True))
    assert first["技术方案准确率得分"] == "—" and first["技术方案准确率"] is None
    assert first["客服响应及时率得分"] == 17.25  # 15 × 88% ÷ 90% × 100/85, see test_real_files


def test_notices_are_on_the_scheme_sheet(tmp_path):
    result = score(REAL / "merged_teams.xlsx", TYPED_SQ)
    write_result(result, tmp_path / "o.xlsx", "xlsx")
    ws = load_workbook(tmp_path / "o.xlsx")["方案"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "提示" in texts
    assert "merged_teams.xlsx › 考核表 › C12: 第 12 行是汇总或备注行（平均值），未计分" in texts


def test_notices_are_printed_by_score(tmp_path):
    data = shutil.copy(REAL / "merged_teams.xlsx", tmp_path)
    result = runner.invoke(app, ["score", data, "-s", *SQ])
    assert result.exit_code == 0 and "第 12 行是汇总或备注行（平均值），未计分" in result.output


SIMPLE = {"name": "单指标", "dimensions": [{"name": "D", "indicators": [{"name": "达成率", "weight": 100,
                                                                        "target": "100%"}]}]}


def test_failed_period_leaves_no_earlier_output(tmp_path):
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(SIMPLE, allow_unicode=True), encoding="utf-8")
    for label in ("Q1", "Q2"):
        write_xlsx(tmp_path / f"{label}.xlsx", [["工号", "姓名", "达成率"], ["1", "甲", 0.9]])
    plan = {"name": "年度", "scheme": "s.yaml", "output": "out",
            "periods": [{"period": "Q1", "input": "Q1.xlsx"}, {"period": "Q2", "input": "Q2.xlsx"}]}
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    assert run_batch(tmp_path / "plan.yaml").ok
    write_xlsx(tmp_path / "Q2.xlsx", [["工号", "姓名", "达成率"], ["1", "甲", "#DIV/0!"]])
    report = run_batch(tmp_path / "plan.yaml", force=True)
    assert not report.ok and [f.code for f in report.outcomes[1].findings] == ["cell_error"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["Q1_scored.xlsx"]


def test_gbk_plan(tmp_path):
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(SIMPLE, allow_unicode=True), encoding="utf-8")
    write_xlsx(tmp_path / "一季度.xlsx", [["工号", "姓名", "达成率"], ["1", "甲", 0.9]])
    text = "name: 年度考核\nscheme: s.yaml\nperiods:\n  - {period: 一季度, input: 一季度.xlsx}\n"
    (tmp_path / "plan.yaml").write_bytes(text.encode("gbk"))
    assert load_plan(tmp_path / "plan.yaml").plan.name == "年度考核"
