"""What HR prints: every shipped example through LibreOffice to PDF, its pages counted and its text read back.

Skipped where LibreOffice or poppler is not installed (`.ci/run` installs them where it can).
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import source_options
from openpyxl import load_workbook
from typer.testing import CliRunner

from kpiscore.cli import app

EXAMPLES = Path(__file__).parents[1] / "examples"
pytestmark = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                                reason="LibreOffice and poppler are not installed")

#: pages of each shipped example's scored workbook: wide Scores and Audit sheets break across pages with id and
#: name repeated, narrow ones print one page wide; Scores carries every input column (counts, raters, the base) so
#: that it reads back as an input
PAGES = {"service-quality.xlsx": 9, "aftersales.xlsx": 9, "service-manager.xlsx": 14, "express-cs.csv": 13}


def _pdf(workbook: Path) -> tuple[int, str]:
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(workbook.parent),
                    str(workbook)], check=True, capture_output=True, timeout=240)
    pdf = workbook.with_suffix(".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    return pages, subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def _cells(workbook: Path, sheet: str) -> list[tuple]:
    book = load_workbook(workbook, read_only=True)  # read-only keeps the file open until closed
    try:
        return list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("paper")
    out = {}
    for name in PAGES:
        scored = folder / f"{Path(name).stem}.xlsx"
        result = CliRunner().invoke(app, ["score", str(EXAMPLES / name), "-s", Path(name).stem,
                                          *source_options(Path(name).stem), "-o", str(scored)])
        assert result.exit_code == 0, result.output
        out[name] = (scored, *_pdf(scored))
    return out


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_example_prints_on_its_pages_with_a_header_and_page_numbers(printed, name):
    scored, pages, text = printed[name]
    assert pages == PAGES[name]
    scheme = _cells(scored, "方案")[0][0].split(" · ")[0]
    flat = re.sub(r"\s+", "", text)
    assert [flat.count(f"第{n}页/共{pages}页") for n in range(1, pages + 1)] == [1] * pages
    assert flat.count(re.sub(r"\s+", "", scheme)) >= pages  # the header names the scheme on every page


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_audit_result_is_on_paper(printed, name):
    """No calculation is cut off before its result: "… ÷ (95% − 90%)" always ends "= 13.20" on the page."""
    scored, _, text = printed[name]
    flat = re.sub(r"\s+", "", text)
    rows = _cells(scored, "计算明细")
    results = [cell.rsplit("= ", 1)[1] for row in rows[1:] for cell in row if isinstance(cell, str) and "= " in cell]
    assert len(results) >= 4 * len(rows[1:])
    assert [r for r in results if re.sub(r"\s+", "", "=" + r) not in flat] == []


def test_the_template_prints_its_data_sheet_on_one_page(tmp_path):
    target = tmp_path / "t.xlsx"
    assert CliRunner().invoke(app, ["template", "-s", "service-quality", "-o", str(target)]).exit_code == 0
    pages, text = _pdf(target)
    flat = re.sub(r"\s+", "", text)
    assert pages == 2 and "第1页/共2页" in flat and "考核数据录入表" in flat  # data, then the instructions
