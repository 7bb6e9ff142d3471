"""Slips for the feedback talk (issue 15, part 1): one A4 page per employee, checked as a person would, as
PDF pages from LibreOffice (skipped where it is not installed)."""

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import source_options, write_xlsx
from openpyxl import load_workbook
from typer.testing import CliRunner

from kpiscore import score
from kpiscore.batch import run_batch
from kpiscore.cli import app

EXAMPLES = Path(__file__).parents[1] / "examples"
runner = CliRunner()
printing = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                              reason="LibreOffice and poppler are not installed")


def pages(workbook: Path) -> list[str]:
    """Each PDF page's text, as LibreOffice prints the workbook."""
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(workbook.parent),
                    str(workbook)], check=True, capture_output=True, timeout=240)
    pdf = workbook.with_suffix(".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    count = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    return [subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout for i in range(1, count + 1)]


def cells(workbook: Path) -> list[str]:
    return [str(v) for row in load_workbook(workbook).worksheets[0].iter_rows(values_only=True)
            for v in row if v is not None]


@printing
@pytest.mark.parametrize("name", ["service-quality.xlsx", "service-manager.xlsx"])
def test_a_page_per_employee_with_their_name_and_total(tmp_path, name):
    out = tmp_path / "slips.xlsx"
    done = runner.invoke(app, ["slips", str(EXAMPLES / name), "-s", Path(name).stem, "-o", str(out),
                               *source_options(Path(name).stem)])
    assert done.exit_code == 0, done.output
    result = score(EXAMPLES / name, Path(name).stem,
                   sources={k: v for o in source_options(Path(name).stem) for k, v in [o.split("=", 2)[1:]]})
    texts = pages(out)
    assert len(texts) == len(result.people)
    for i, (text, (_, person), total) in enumerate(zip(texts, result.people.iterrows(), result.summary["total"],
                                                       strict=True)):
        assert person["name"] in text and f"{total:.2f}" in text
        assert "个人绩效考核表" in text and "主管评语" in text and "考核人签字" in text
        # the footer 第 N 页 / 共 M 页 (pdftotext drops some of its spaces)
        assert re.search(rf"第\s*{i + 1}\s*页\s*/\s*共\s*{len(texts)}\s*页", text)


def test_one_employee_by_id_and_an_unknown_id(tmp_path):
    out = tmp_path / "one.xlsx"
    options = source_options("service-quality")
    done = runner.invoke(app, ["slips", str(EXAMPLES / "service-quality.xlsx"), "-s", "service-quality", "-o",
                               str(out), "--id", "WX005", *options])
    assert done.exit_code == 0, done.output
    text = cells(out)
    assert "姓名：陈静　工号：WX005　部门：维修二部" in text
    # 82.53 is 7.47 short of 优秀 (90): only 问题一次性解决率 can make it up alone, 65% → 94.88%
    assert '距"优秀"差 7.47 分：问题一次性解决率 65% → 94.88%' in text
    assert any(t.startswith("22.26 + 29.67 + 9.18 + 21.42 = 82.53") for t in text)
    bad = runner.invoke(app, ["slips", str(EXAMPLES / "service-quality.xlsx"), "-s", "service-quality", "-o",
                              str(tmp_path / "x.xlsx"), "--id", "WX999", *options])
    assert bad.exit_code == 1 and "WX999" in bad.output
    wrong = runner.invoke(app, ["slips", str(EXAMPLES / "service-quality.xlsx"), "-s", "service-quality", "-o",
                                str(tmp_path / "x.pdf"), *options])
    assert wrong.exit_code == 2


def test_a_slip_says_the_payout_and_the_calibration(tmp_path):
    grades = [{"grade": "优秀", "min": 90, "coefficient": 1.2}, {"grade": "良好", "min": 0, "coefficient": 1.0}]
    scheme = tmp_path / "s.yaml"
    scheme.write_text(yaml.safe_dump({"name": "售后", "columns": {"group": None, "base": "绩效奖金基数"},
                                      "grades": grades, "dimensions": [{"name": "D", "indicators": [
                                          {"name": "业绩", "weight": 100, "target": 100}]}]}, allow_unicode=True),
                      encoding="utf-8")
    data = tmp_path / "in.csv"
    pd.DataFrame({"工号": ["1"], "姓名": ["甲"], "业绩": [95], "绩效奖金基数": [1300]}).to_csv(data, index=False)
    adjust = write_xlsx(tmp_path / "a.xlsx", [["工号", "项目", "调整为", "原因", "批准人"],
                                              ["1", "等级", "良好", "复核", "李总"]])
    out = tmp_path / "slips.xlsx"
    assert runner.invoke(app, ["slips", str(data), "-s", str(scheme), "--adjust", str(adjust), "-o",
                               str(out)]).exit_code == 0
    text = cells(out)
    assert "校准：优秀 → 良好（原因：复核；批准人：李总）" in text
    assert "绩效系数 1　绩效奖金 1300.00 × 1.0 = 1300.00" in text


@printing
def test_batch_slips_per_period_and_for_the_rollup(tmp_path):
    scheme = {"name": "单指标", "columns": {"group": None}, "dimensions": [{"name": "D", "indicators": [
        {"name": "业绩", "weight": 100, "target": 100}]}]}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(scheme, allow_unicode=True), encoding="utf-8")
    periods = []
    for q, totals in (("Q1", [80, 95]), ("Q2", [90, 85])):
        write_xlsx(tmp_path / f"{q}.xlsx", [["工号", "姓名", "业绩"], ["1", "甲", totals[0]], ["2", "乙", totals[1]]])
        periods.append({"period": q, "input": f"{q}.xlsx"})
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({"name": "年度", "scheme": "s.yaml", "output": "out", "periods": periods,
                                    "rollup": {"period": 2024}}, allow_unicode=True), encoding="utf-8")
    assert run_batch(plan, slips=True).ok
    out = tmp_path / "out"
    assert {p.name for p in out.iterdir() if p.suffix == ".xlsx"} >= {"Q1_slips.xlsx", "Q2_slips.xlsx",
                                                                      "2024_rollup_slips.xlsx"}
    annual = pages(out / "2024_rollup_slips.xlsx")
    # 甲: (80 + 90) ÷ 2 = 85.00; 乙: (95 + 85) ÷ 2 = 90.00
    assert len(annual) == 2 and "甲" in annual[0] and "85.00" in annual[0] and "90.00" in annual[1]
