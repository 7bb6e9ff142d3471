"""Write the real-world corpus: the service-quality example laid out the way HR staff and systems keep it.

Run `python tests/data/real/make_corpus.py` to write the files again; they are committed, so the suite does
not need this script, and `test_real_files.py` saves some of them again through LibreOffice where it can.
Every file holds the same six people as `examples/service-quality.xlsx`, so each one must score the same.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import xlsxwriter
from openpyxl import Workbook

HERE = Path(__file__).parent
INDICATORS = ["客服响应及时率", "上门服务到达及时率", "问题一次性解决率", "技术方案准确率", "服务流程合规率",
              "客户满意度(CSAT)", "投诉处理及时率"]
DIMENSIONS = [("时效性", 2), ("专业性", 2), ("规范性", 1), ("客户体验", 2)]
PEOPLE = [
    ("WX001", "张伟", "维修一部", [0.88, 0.75, 0.82, 0.93, 0.96, 0.92, 0.96]),
    ("WX002", "王芳", "维修一部", [0.93, 0.88, 0.85, 0.97, 0.99, 0.95, 1.00]),
    ("WX003", "李强", "维修一部", [0.81, 0.70, 0.72, 0.90, 0.95, 0.86, 0.90]),
    ("WX004", "刘洋", "维修二部", [0.915, 0.86, 0.80, 0.95, 0.98, 0.90, 0.95]),
    ("WX005", "陈静", "维修二部", [0.70, 0.60, 0.65, 0.85, 0.90, 0.78, 0.80]),
    ("WX006", "杨磊", "维修二部", [0.95, 0.90, 0.78, 0.96, 0.97, 0.93, 0.97]),
]
TITLE = "2024年第一季度售后服务质量考核表"


def merged_teams(path: Path) -> None:
    """部门 merged down each team, a blank line between teams (inside the second team's merge), a 序号
    column, a merged title, and footers: 平均值 merged over 序号–姓名, and a merged 制表人 line."""
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("考核表")
    pct = book.add_format({"num_format": "0.0%"})
    width = 4 + len(INDICATORS)
    ws.merge_range(0, 0, 0, width - 1, TITLE)
    ws.merge_range(1, 0, 1, width - 1, "填表单位：售后服务部    填表日期：2024-04-05")
    ws.write_row(2, 0, ["序号", "部门", "工号", "姓名", *INDICATORS])
    rows = {0: 3, 1: 4, 2: 5, 3: 7, 4: 8, 5: 9}  # row 7 (Excel) is blank; row 11 is a blank line inside a merge
    for n, (pid, name, _, values) in enumerate(PEOPLE):
        r = rows[n]
        ws.write_number(r, 0, n + 1)
        ws.write_string(r, 2, pid)
        ws.write_string(r, 3, name)
        for j, v in enumerate(values):
            ws.write_number(r, 4 + j, v, pct)
    ws.merge_range(3, 1, 5, 1, "维修一部")
    ws.merge_range(7, 1, 10, 1, "维修二部")
    ws.merge_range(11, 0, 11, 3, "平均值")
    for j in range(len(INDICATORS)):
        ws.write_number(11, 4 + j, sum(p[3][j] for p in PEOPLE) / len(PEOPLE), pct)
    ws.merge_range(12, 0, 12, width - 1, "制表人：王五        审核人：李总")
    book.close()


def two_row_header(path: Path) -> None:
    """Dimension names merged above their indicators; 工号, 姓名, 部门 merged down two rows; a header cell
    with a line break typed inside it."""
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("Sheet1")
    wrap = book.add_format({"text_wrap": True})
    ws.merge_range(0, 0, 0, 9, TITLE)
    for c, name in enumerate(["工号", "姓名", "部门"]):
        ws.merge_range(1, c, 2, c, name)
    c = 3
    for dim, n in DIMENSIONS:
        if n > 1:
            ws.merge_range(1, c, 1, c + n - 1, dim)
        else:
            ws.write_string(1, c, dim)
        c += n
    names = list(INDICATORS)
    names[0] = "客服响应\n及时率"
    ws.write_row(2, 3, names, wrap)
    for i, (pid, name, group, values) in enumerate(PEOPLE):
        ws.write_row(3 + i, 0, [pid, name, group])
        ws.write_row(3 + i, 3, values)
    book.close()


def plain_sheet(path: Path) -> tuple[xlsxwriter.Workbook, Any]:
    """The six people under a one-row header on Sheet1, for a test to change before it closes the book."""
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("Sheet1")
    ws.write_row(0, 0, ["工号", "姓名", "部门", *INDICATORS])
    for i, (pid, name, group, values) in enumerate(PEOPLE):
        ws.write_row(1 + i, 0, [pid, name, group])
        ws.write_row(1 + i, 3, values)
    return book, ws


def error_cells(path: Path) -> None:
    """Formulas whose cached results are error values, as Excel saves them."""
    book, ws = plain_sheet(path)
    ws.write_formula(2, 3, "=E3/0", None, "#DIV/0!")  # D3: 王芳's 客服响应及时率
    ws.write_formula(4, 8, "=VLOOKUP(A5,Z:Z,2,0)", None, "#N/A")  # I5: 刘洋's 客户满意度(CSAT)
    book.close()


def uncalculated(path: Path) -> None:
    """Formulas written by a program and never calculated: no cached value at all."""
    book = Workbook()
    ws = book.active
    ws.title = "Sheet1"
    ws.append(["工号", "姓名", "部门", *INDICATORS, "接通数", "来电数"])
    for i, (pid, name, group, values) in enumerate(PEOPLE):
        row = [pid, name, group, *values, round(values[0] * 200), 200]
        ws.append(row)
        ws.cell(2 + i, 4, f"=K{2 + i}/L{2 + i}")
    book.save(path)


def na_marks(path: Path) -> None:
    """Not-applicable marks typed into indicator cells."""
    book, ws = plain_sheet(path)
    for (i, j), mark in {(0, 3): "/", (1, 1): "—", (2, 6): "无", (3, 4): "不适用", (4, 5): "N/A"}.items():
        ws.write_string(1 + i, 3 + j, mark)
    book.close()


def hidden_rows(path: Path) -> None:
    """A hidden row (someone who left, hidden instead of deleted) and a hidden helper column."""
    book, ws = plain_sheet(path)
    ws.set_row(3, None, None, {"hidden": True})  # row 4: 李强
    ws.set_column(4, 4, None, None, {"hidden": True})  # E: 上门服务到达及时率
    book.close()


def html_xls(path: Path) -> None:
    """A CRM's "Excel" export: an HTML table in GBK with a .xls name, a title row spanning the table,
    部门 as a rowspan, and a 合计 footer."""
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in ["工号", "姓名", "部门", *INDICATORS])
    rows = [f'<tr><td colspan="{3 + len(INDICATORS)}">{TITLE}</td></tr>', f"<tr>{cells}</tr>"]
    for i, (pid, name, group, values) in enumerate(PEOPLE):
        team = f'<td rowspan="3">{group}</td>' if i % 3 == 0 else ""
        pct = "".join(f"<td>{v * 100:g}%</td>" for v in values)
        rows.append(f'<tr><td style="mso-number-format:\\@">{pid}</td><td>{name}</td>{team}{pct}</tr>')
    rows.append(f'<tr><td colspan="3">合计</td>{"<td></td>" * len(INDICATORS)}</tr>')
    text = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>'
            '<table border="1">' + "\n".join(rows) + "</table></body></html>")
    path.write_bytes(text.encode("gbk"))


def xml2003_xls(path: Path) -> None:
    """Excel 2003 XML (SpreadsheetML) with a .xls name, as call-centre systems export it."""
    def cell(v: object) -> str:
        kind = "Number" if isinstance(v, float) else "String"
        return f'<Cell><Data ss:Type="{kind}">{html.escape(str(v))}</Data></Cell>'

    rows = [f'<Row><Cell ss:MergeAcross="{2 + len(INDICATORS)}"><Data ss:Type="String">{TITLE}</Data></Cell></Row>',
            "<Row>" + "".join(cell(h) for h in ["工号", "姓名", "部门", *INDICATORS]) + "</Row>"]
    for pid, name, group, values in PEOPLE:
        rows.append("<Row>" + "".join(cell(v) for v in [pid, name, group, *values]) + "</Row>")
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
            '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
            'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
            '<Worksheet ss:Name="话务数据"><Table>' + "".join(rows) + "</Table></Worksheet></Workbook>")
    path.write_text(text, encoding="utf-8")


def unicode_text(path: Path) -> None:
    """Excel's "Unicode text": UTF-16 with a BOM, tab-separated, percents as Excel shows them."""
    lines = ["\t".join(["工号", "姓名", "部门", *INDICATORS])]
    for pid, name, group, values in PEOPLE:
        lines.append("\t".join([pid, name, group, *(f"{v * 100:g}%" for v in values)]))
    path.write_bytes("\r\n".join(lines).encode("utf-16"))


def gbk_footer_csv(path: Path) -> None:
    """A GBK CSV with a 合计 line and an 平均 line below the people, and blank lines between teams."""
    lines = [",".join(["工号", "姓名", "部门", *INDICATORS])]
    for i, (pid, name, group, values) in enumerate(PEOPLE):
        lines.append(",".join([pid, name, group, *(f"{v:g}" for v in values)]))
        if i == 2:
            lines.append("," * (2 + len(INDICATORS)))
    lines.append(",".join(["合计", "", "", *("" for _ in INDICATORS)]))
    lines.append(",".join(["", "平均", "", *(f"{sum(p[3][j] for p in PEOPLE) / 6:.4f}" for j in range(7))]))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))


FILES = {
    "merged_teams.xlsx": merged_teams,
    "two_row_header.xlsx": two_row_header,
    "error_cells.xlsx": error_cells,
    "uncalculated.xlsx": uncalculated,
    "na_marks.xlsx": na_marks,
    "hidden_rows.xlsx": hidden_rows,
    "crm_export.xls": html_xls,
    "callcentre_2003.xls": xml2003_xls,
    "unicode_text.txt": unicode_text,
    "gbk_footer.csv": gbk_footer_csv,
}

if __name__ == "__main__":
    for name, make in FILES.items():
        make(HERE / name)
        print("wrote", name)
