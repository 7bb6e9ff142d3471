"""The command line end to end, in process through CliRunner, on real files in tmp_path."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import EXAMPLE_SOURCES, TYPED_SQ
from openpyxl import load_workbook
from typer.testing import CliRunner

from kpiscore import score
from kpiscore.cli import app

EXAMPLES = Path(__file__).parents[1] / "examples"
#: each starter's example sources as --source options
SOURCES = {starter: [f"--source={name}={path}" for name, path in given.items()]
           for starter, given in EXAMPLE_SOURCES.items()}
STARTERS = {"service-quality": "service-quality.xlsx", "service-manager": "service-manager.xlsx",
            "aftersales": "aftersales.xlsx", "express-cs": "express-cs.csv"}
runner = CliRunner()


@pytest.fixture
def example(tmp_path):
    def copy(name):
        return Path(shutil.copy(EXAMPLES / name, tmp_path / name))
    return copy


@pytest.mark.parametrize(("scheme", "file"), STARTERS.items())
def test_every_example_scores_to_json_on_stdout(example, scheme, file):
    path = example(file)
    result = runner.invoke(app, ["score", str(path), "--scheme", scheme, *SOURCES.get(scheme, []), "--format", "json",
                                 "-o", "-"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    # the CLI prints what the API returns
    assert doc == json.loads(json.dumps(score(path, scheme, sources=EXAMPLE_SOURCES.get(scheme)).to_dict()))
    assert doc["employees"] and all(e["total"] is not None for e in doc["employees"])


def test_service_quality_first_row_by_hand(example):
    doc = json.loads(runner.invoke(app, ["score", str(example("service-quality.xlsx")), "-s", "service-quality",
                                         *SOURCES["service-quality"], "-o", "-"]).stdout)
    first = doc["employees"][0]
    # 15×88/90=14.67, 15×75/85=13.24, 20×82/80=20.50, 15×93/95=14.68, 10×96/98=9.80, 15×92/90=15.33 (46 of 50
    # answers of the survey satisfied: 92%), 10×96/95=10.11 → total 98.33
    assert first["scores"] == {"客服响应及时率": 14.67, "上门服务到达及时率": 13.24, "问题一次性解决率": 20.5,
                               "技术方案准确率": 14.68, "服务流程合规率": 9.8, "客户满意度(CSAT)": 15.33,
                               "投诉处理及时率": 10.11}
    assert first["total"] == 98.33 and first["grade"] == "优秀"


def test_score_writes_xlsx_beside_input_and_refuses_to_overwrite(example):
    path = example("aftersales.xlsx")
    before = path.read_bytes()
    result = runner.invoke(app, ["score", str(path), "--scheme", "aftersales"])
    assert result.exit_code == 0, result.output
    out = path.with_name("aftersales_scored.xlsx")
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["工号", "姓名", "岗位"] and "总分" in header and "绩效奖金" in header
    first = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    # 30 − 1 × 3.5 = 26.5 ; 10 (99% ≥ 98%) ; 20 (99.5% ≥ 99%) ; 40 × 4 ÷ 5 = 32 → 88.5, 良好, 3000 × 1.0
    assert (first["工号"], first["返修任务达成率得分"], first["总分"], first["等级"], first["绩效奖金"]) == (
        "00101", 26.5, 88.5, "良好", 3000)
    assert path.read_bytes() == before
    again = runner.invoke(app, ["score", str(path), "--scheme", "aftersales"])
    assert again.exit_code == 2 and "--force" in again.stderr
    assert runner.invoke(app, ["score", str(path), "--scheme", "aftersales", "--force"]).exit_code == 0


def test_csv_output_guards_formulas(tmp_path):
    from helpers import HEADER, write_xlsx

    from kpiscore.io.flat import guard_cell

    row = ["=1+2", '=HYPERLINK("http://x","y")', "@部门", 0.9, 0.8, 0.95, 0, 0.95, "很满意"]
    path = write_xlsx(tmp_path / "h.xlsx", [HEADER, row])
    scheme = tmp_path / "s.yaml"
    import yaml
    from helpers import BASE

    scheme.write_text(yaml.safe_dump(BASE, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "h.csv"
    result = runner.invoke(app, ["score", str(path), "-s", str(scheme), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8-sig").splitlines()
    assert text[1].startswith("'=1+2,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'@部门,")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert guard_cell("-3") == "'-3" and guard_cell(3) == 3
    xlsx = tmp_path / "h.xlsx.out.xlsx"
    assert runner.invoke(app, ["score", str(path), "-s", str(scheme), "-o", str(xlsx)]).exit_code == 0
    cell = load_workbook(xlsx).active["B2"]
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s"


def test_data_errors_exit_1_and_write_nothing(tmp_path):
    from helpers import HEADER, write_xlsx

    path = write_xlsx(tmp_path / "bad.xlsx", [HEADER, ["1", "a", "b", "abc", 0.8, 0.9, 0, 0.9, "很满意"]])
    result = runner.invoke(app, ["score", str(path), "-s", TYPED_SQ])
    assert result.exit_code == 1
    assert "缺少列" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "bad_scored.xlsx").exists()


def test_usage_errors_exit_2(example, tmp_path):
    path = example("aftersales.xlsx")
    assert runner.invoke(app, ["score", str(tmp_path / "nope.xlsx"), "-s", "aftersales"]).exit_code == 2
    assert runner.invoke(app, ["score", str(path), "-s", "aftersales", "--bogus"]).exit_code == 2
    same = runner.invoke(app, ["score", str(path), "-s", "aftersales", "-o", str(path), "--force"])
    assert same.exit_code == 2 and "输入文件" in same.stderr
    assert runner.invoke(app, ["score", str(path), "-s", "aftersales", "-o", "-", "-f", "xlsx"]).exit_code == 2
    assert runner.invoke(app, ["score", str(path), "-s", "aftersales", "-f", "pdf"]).exit_code == 2
    assert runner.invoke(app, ["score", str(path), "-s", str(tmp_path / "none.yaml")]).exit_code == 2


def test_validate_points_at_the_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndimensions:\n  - name: D\n    indicators:\n      - name: A\n        weight: 90\n"
                   "        target: 90%\n        colr: red\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", "--scheme", str(bad)])
    assert result.exit_code == 1
    assert "bad.yaml:8 dimensions[0].indicators[0].colr" in result.stderr
    assert "bad.yaml:2 dimensions" in result.stderr  # weights 90 ≠ 100, reported in the same run


def test_validate_scheme_and_input(example):
    ok = runner.invoke(app, ["validate", "-s", "express-cs", str(example("express-cs.csv")), *SOURCES["express-cs"]])
    assert ok.exit_code == 0 and "无误" in ok.stderr and "express-cs.csv、express-cs-chats.csv" in ok.stderr
    unsaid = runner.invoke(app, ["validate", "-s", "express-cs", str(example("express-cs.csv"))])
    assert unsaid.exit_code == 2 and "方案需要来源 'chats'" in unsaid.stderr


def test_explain(example):
    result = runner.invoke(app, ["explain", str(example("service-quality.xlsx")), "-s", "service-quality",
                                 *SOURCES["service-quality"], "--id", "WX001"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "15 × 88% ÷ 90% = 14.67" in result.stdout and "98.33" in result.stdout
    assert "客户满意度(CSAT) 46 / 50 = 92% → 15 × 92% ÷ 90% = 15.33" in result.stdout
    missing = runner.invoke(app, ["explain", str(example("service-quality.xlsx")), "-s", "service-quality",
                                  *SOURCES["service-quality"], "--id", "nobody"])
    assert missing.exit_code == 1


def test_schemes_and_init(tmp_path, monkeypatch):
    listed = runner.invoke(app, ["schemes"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0
    for name in STARTERS:
        assert name in listed.stdout
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init", "aftersales"]).exit_code == 0
    text = (tmp_path / "aftersales.yaml").read_text(encoding="utf-8")
    assert text.startswith("# 售后服务部月度考核")  # comments and all
    assert runner.invoke(app, ["init", "aftersales"]).exit_code == 2
    assert runner.invoke(app, ["init", "aftersales", "-o", "mine.yaml"]).exit_code == 0
    assert runner.invoke(app, ["init", "nonsense"]).exit_code == 2


def test_python_dash_m_smoke(example):
    out = subprocess.run([sys.executable, "-m", "kpiscore", "score", str(example("express-cs.csv")),
                          "-s", "express-cs", *SOURCES["express-cs"], "-f", "csv", "-o", "-"], capture_output=True,
                         check=True)
    assert out.stdout.decode("utf-8").splitlines()[0].startswith("工号,姓名,班组")


def test_english_scheme_labels_and_messages(tmp_path):
    import yaml
    from helpers import BASE, HEADER, write_xlsx

    scheme = tmp_path / "en.yaml"
    scheme.write_text(yaml.safe_dump({**BASE, "language": "en"}, allow_unicode=True), encoding="utf-8")
    good = write_xlsx(tmp_path / "g.xlsx", [HEADER, ["1", "a", "X", 0.88, 0.82, 0.915, 5, 0.92, "较满意"]])
    out = runner.invoke(app, ["score", str(good), "-s", str(scheme), "-f", "csv", "-o", "-"])
    assert out.exit_code == 0, out.output
    header = out.stdout.splitlines()[0].split(",")
    assert "客服响应及时率 score" in header and "时效性 subtotal" in header
    assert header[-6:] == ["Total", "Grade", "Rank", "Rank in group", "Veto", "To the next grade"]
    # 89.87 is 0.13 short of Excellent (90): 返修任务达成率 26.50 + 0.13 = 26.63 = 30 − 1 × 3.37 → 95% − 3.37%
    assert out.stdout.splitlines()[1].endswith(',89.87,Good,1,1,no,"0.13 points short of ""Excellent"": '
                                               '返修任务达成率 91.5% → 91.63% (or 售后服务报告准时率 92% → 92.22%)"')
    bad = write_xlsx(tmp_path / "b.xlsx", [HEADER, ["1", "a", "X", "abc", 0.82, 0.915, 5, 0.92, "较满意"]])
    err = runner.invoke(app, ["score", str(bad), "-s", str(scheme)])
    assert err.exit_code == 1
    assert "b.xlsx › Sheet1 › D4: 'abc' is not a number (客服响应及时率)" in err.stderr
    assert "1 problem(s) found" in err.stderr


def test_debug_shows_the_traceback(example):
    result = runner.invoke(app, ["--debug", "score", str(example("aftersales.xlsx")), "-s", "no-such"])
    assert result.exit_code != 0 and result.exception is not None
