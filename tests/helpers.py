"""Test helpers: small schemes as dicts, and input files written the way users write them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from openpyxl import Workbook

ROOT = Path(__file__).parents[1]
#: the starter service-quality with every column typed in the input (its 客户满意度(CSAT) is a measure of a
#: survey export now): the scheme of the tests that read files of every kind
TYPED_SQ = str(ROOT / "tests" / "data" / "schemes" / "service-quality-typed.yaml")
#: each starter's example sources, as `score(…, sources=…)` takes them
EXAMPLE_SOURCES: dict[str, dict[str, Path]] = {
    "service-quality": {"survey": ROOT / "examples" / "service-quality-survey.csv"},
    "express-cs": {"chats": ROOT / "examples" / "express-cs-chats.csv"},
}



def source_options(starter: str) -> list[str]:
    """A starter's example sources as `--source name=file` options."""
    return [f"--source={name}={path}" for name, path in EXAMPLE_SOURCES.get(starter, {}).items()]


BASE: dict[str, Any] = {
    "name": "测试方案",
    "dimensions": [
        {"name": "时效性", "indicators": [
            {"name": "客服响应及时率", "weight": 15, "target": "90%", "rule": "ratio"},
            {"name": "问题一次性解决率", "weight": 20, "target": "80%", "rule": "ratio"},
        ]},
        {"name": "专业性", "indicators": [
            {"name": "返修任务达成率", "weight": 30, "target": "95%",
             "rule": {"type": "deduct", "per": "1%", "points": 1}},
            {"name": "客户服务投诉", "weight": 15, "rule": {"type": "count", "allow": 3, "points": 1}},
        ]},
        {"name": "规范性", "indicators": [
            {"name": "售后服务报告准时率", "weight": 15, "rule": {"type": "bands", "bands": [
                {"when": ">= 95%", "score": 15}, {"when": "[90%, 95%)", "score": [12, 15]},
                {"when": "[80%, 90%)", "score": [8, 12]}, {"when": "[60%, 80%)", "score": [0, 8]}]}},
            {"name": "内部合作满意度", "weight": 5, "rule": {"type": "mapping", "map": {
                "很满意": 3, "较满意": 2, "不满意": 1, "很不满意": 0}}},
        ]},
    ],
}
HEADER = ["工号", "姓名", "部门", "客服响应及时率", "问题一次性解决率", "返修任务达成率", "客户服务投诉",
          "售后服务报告准时率", "内部合作满意度"]


def scheme_dict(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def write_xlsx(path: Path, rows: list[list[Any]], title: str | None = "考核数据", sheet: str = "Sheet1",
               origin: tuple[int, int] = (1, 1)) -> Path:
    """A workbook as HR fills it: an optional title row, then the header and rows; text cells stay text."""
    book = Workbook()
    ws = book.active
    ws.title = sheet
    r0, c0 = origin
    if title:
        ws.cell(r0, c0, title)
        r0 += 2
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is None:
                continue
            cell = ws.cell(r0 + i, c0 + j, value)
            if isinstance(value, str):
                cell.data_type = "s"
    book.save(path)
    return path


def write_scheme(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
