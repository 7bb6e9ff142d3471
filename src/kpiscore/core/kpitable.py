"""A department's own KPI table (岗位KPI考核指标及评分标准表) as a scheme: its columns found by their headings,
its rows made indicators, each 评分标准 read by the phrase grammar (`reading`).

The table arrives as cells with their addresses (`Cell`), read by `io.kpitable` from whatever file holds it; what
cannot be read is a finding at its cell, and the scheme is drafted with `TODO` in its place. Nothing here knows a
file or a language: findings carry a code, their facts and a cell.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import Finding
from .readbase import Understood, read_target
from .reading import understand
from .rulebase import Problem
from .values import NOT_APPLICABLE, fold, one, parse_number

#: each column a KPI table has, and the headings it goes by, the most usual first
HEADINGS: dict[str, tuple[str, ...]] = {
    "rule": ("评分标准", "计分方法", "扣分规则", "评分规则", "计分规则", "评分细则", "评分办法", "评分方法", "考核标准",
             "考核办法", "计算方法", "评分说明", "考核评分标准", "扣分标准", "评分标准及计分方法", "计分标准",
             "考核细则", "扣分细则", "评分依据", "计分办法"),
    "target": ("目标值", "目标", "考核目标", "指标要求", "目标要求", "标准值", "绩效目标"),
    "weight": ("权重", "分值", "配分", "标准分", "应得分", "满分", "分数", "权重分"),
    "source": ("数据来源", "信息来源", "数据提供", "数据提供部门"),
    "period": ("考核周期", "周期", "考核频率", "频率"),
    "definition": ("指标定义", "指标说明", "计算公式", "定义", "指标解释"),
    "dimension": ("考核维度", "维度", "考核类别", "指标类别", "类别", "一级指标", "考核项目", "考核方面", "项目"),
    "indicator": ("指标名称", "考核指标", "指标", "二级指标", "KPI指标", "考核项", "考核要素", "考核内容", "指标项",
                  "KPI", "内容"),
}
#: the longest heading: a longer cell is text of a row, whatever words it holds
MAX_HEADING = 12
#: headings under which weights are points of the table's own total (满分50分的表), not shares of 100
POINT_HEADINGS = ("分值", "配分", "标准分", "应得分", "满分", "分数", "权重分")
#: the columns a table must have for a row to be an indicator
NEEDED = ("indicator", "rule")
#: a row that sums the others, never an indicator
_SUMMARY = re.compile(r"^(?:合计|总计|小计|总分|合\s*计)$")
#: 能力指标（85%）, 财务 30%, 工作绩效(60分): a dimension's name with its weight
_DIMENSION = re.compile(r"^(?P<name>.*?)\s*[(（]?\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>%|分)\s*[)）]?$")
#: what a weight cell holds where the item has none: a bonus or penalty item (扣分制, 加分项)
_NO_WEIGHT = ("扣分制", "加分制", "加分项", "扣分项", "加减分", "否决项", "一票否决")


def heading_key(text: str) -> str:
    """A heading as compared: folded, without spaces or a parenthesised unit (权重(%) is 权重)."""
    return re.sub(r"[(（][^)）]*[)）]|\s", "", fold(text)).upper()


def heading_role(text: str) -> str | None:
    """The column a heading names: 权重(%) is weight, 评分标准及计分方法 is rule; a heading of none, None."""
    key = heading_key(text)
    if len(key) > MAX_HEADING:  # a sentence, not a heading: 按…计算,最高扣至该维度0分 names no column
        return None
    for role, names in HEADINGS.items():
        if key in (n.upper() for n in names):
            return role
    for role, names in HEADINGS.items():
        if any(len(n) > 1 and n.upper() in key for n in names):
            return role
    return None


def cell_text(value: Any) -> str:
    """A cell's value as a sheet shows it: blank for none (or NaN), 30 for the float 30.0."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Cell:
    """A cell of the table: its value as read and its address (F7)."""

    value: Any
    address: str

    @property
    def text(self) -> str:
        return cell_text(self.value).strip()


@dataclass
class Item:
    """An indicator (or adjustment) drafted from a row: its scheme fields, where each came from, and what the
    YAML says beside it."""

    fields: dict[str, Any]
    cells: dict[str, Cell]
    understood: Understood
    adjustment: bool = False


@dataclass
class Drafted:
    """A table drafted as a scheme: its dimensions of items, its adjustments, what could not be read (each at
    its cell, its field written `TODO`) and what was read by a custom the table leaves unsaid (notes)."""

    name: str
    dimensions: list[tuple[str, Any, list[Item]]] = field(default_factory=list)
    adjustments: list[Item] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    total: float | None = None

    def scheme(self) -> dict[str, Any]:
        """The scheme as data, `TODO` where a field is not settled."""
        dims = []
        for name, weight, items in self.dimensions:
            dim: dict[str, Any] = {"name": name}
            if weight is not None:
                dim["weight"] = weight
            floors = [i.understood.dimension_floor for i in items if i.understood.dimension_floor is not None]
            if floors:
                dim["floor"] = floors[0]
            dim["indicators"] = [i.fields for i in items]
            dims.append(dim)
        data: dict[str, Any] = {"name": self.name}
        if self.total is not None:
            data["total"] = self.total
        data["dimensions"] = dims
        if self.adjustments:
            data["adjustments"] = [i.fields for i in self.adjustments]
        return data


def draft(name: str, headings: dict[str, Cell], rows: list[dict[str, Cell]]) -> Drafted:
    """The scheme a table's rows say (see the module's note); `rows` hold each row's cells by column role,
    `headings` the heading cell of each."""
    out = Drafted(name)
    kept = []
    for row in rows:  # 合计 100: the weights' sum, no indicator
        total_cell = next((c for c in row.values() if _SUMMARY.match(c.text)), None)
        if total_cell is None:
            kept.append(row)
        else:
            out.notes.append(Finding("import_summary_row", {"text": total_cell.text}, cell=total_cell.address))
    rows = kept
    weights = _weights(rows, out)
    heading = headings.get("weight")
    points = (heading is not None and heading_key(heading.text) in POINT_HEADINGS) or (bool(weights) and all(
        w.points is None or w.in_points for w in weights) and any(w.points is not None for w in weights))
    total = sum(w.points for w in weights if w.points is not None)
    if points and abs(total - 100) > 1e-9 and total > 0:  # a form of 50 points: its total is what its points add up to
        out.total = total
        out.notes.append(Finding("import_total", {"total": one(total)}, cell=heading.address if heading else None))
    current: tuple[str, Any] | None = None
    dims: dict[str, tuple[str, Any, list[Item]]] = {}
    for row, weight in zip(rows, weights, strict=True):
        indicator = row.get("indicator")
        rule = row.get("rule")
        if indicator is None or not indicator.text:
            if rule is not None and rule.text:
                out.findings.append(Finding("import_name_missing", {}, cell=rule.address))
            continue
        dim_cell = row.get("dimension")
        if dim_cell is not None and dim_cell.text:
            current = _dimension(dim_cell)
        if rule is None or not rule.text:
            out.findings.append(Finding("import_rule_missing", {"indicator": indicator.text}, cell=(
                rule.address if rule else indicator.address)))
            continue
        item = _item(row, indicator.text, weight, out, current)
        if item.adjustment:
            out.adjustments.append(item)
            continue
        key = current[0] if current else ""
        if key not in dims:
            dims[key] = (key or "考核指标", current[1] if current else None, [])
            out.dimensions.append(dims[key])
        dims[key][2].append(item)
    _settle_floors(out)
    return out


def _dimension(cell: Cell) -> tuple[str, Any]:
    m = _DIMENSION.match(fold(cell.text))
    if m and m.group("name").strip():
        unit = m.group("unit")
        return m.group("name").strip(), f"{m.group('n')}%" if unit == "%" else float(m.group("n"))
    return re.sub(r"\s+", "", fold(cell.text)), None


@dataclass(frozen=True)
class _Weight:
    """A weight cell read: its value in the total's points (None for an item outside the weights), and as the
    scheme writes it (15, or 5% inside a weighted dimension)."""

    points: float | None
    written: Any
    #: written as points (15分), not as a share
    in_points: bool = False


def _weights(rows: list[dict[str, Cell]], out: Drafted) -> list[_Weight]:
    """Each row's weight: 15%, 15分, 15, or 0.15 where every weight of the table is a fraction of 1."""
    read: list[tuple[float, bool, bool] | None] = []
    for row in rows:
        cell = row.get("weight")
        text = fold(cell.text) if cell else ""
        if not text or text in NOT_APPLICABLE or any(w in text for w in _NO_WEIGHT):
            read.append(None)
            continue
        value = cell.value if cell is not None and isinstance(cell.value, int | float) else None
        parsed = (float(value), False) if value is not None else parse_number(re.sub(r"分$", "", text))
        if parsed is None and cell is not None:
            out.findings.append(Finding("import_weight", {"text": cell.text}, cell=cell.address))
        read.append(None if parsed is None else (*parsed, text.endswith("分")))
    given = [r for r in read if r is not None]
    fractions = bool(given) and all(not pct and 0 < v <= 1 for v, pct, _ in given) and abs(
        sum(v for v, _, _ in given) - 1) < 1e-9
    weights = []
    for r in read:
        if r is None:
            weights.append(_Weight(None, None))
        elif fractions or r[1]:
            weights.append(_Weight(r[0] * 100, f"{one(r[0] * 100)}%"))
        else:
            weights.append(_Weight(r[0], r[0], r[2]))
    return weights


def _item(row: dict[str, Cell], name: str, weight: _Weight, out: Drafted, dim: tuple[str, Any] | None) -> Item:
    """A row as an indicator: its rule understood from its 评分标准, with its weight and target."""
    rule, target_cell = row["rule"], row.get("target")
    target = read_target(target_cell.text) if target_cell is not None and target_cell.text else None
    points = weight.points
    within = dim is not None and dim[1] is not None and isinstance(weight.written, str)
    if points is not None and within and dim is not None:
        share = parse_number(str(dim[1]))
        points = points * (share[0] if share and share[1] else 1.0)  # 5% of 能力指标 85% is 4.25 of 100
    understood = understand(rule.text, points, target)
    fields: dict[str, Any] = {"name": re.sub(r"\s+", "", fold(name))}
    if understood.adjustment or weight.points is None:
        if not understood.adjustment and not understood.problems:
            understood.problems.append(Problem("import_weight_needed", {}, ()))
    else:
        fields["weight"] = weight.written if within else weight.points
    for problem in understood.problems:
        at = target_cell if problem.loc[:1] == ("target",) and target_cell is not None else rule
        out.findings.append(Finding(problem.code, problem.params, cell=at.address))
    for note in understood.notes:
        out.notes.append(Finding(note.code, note.params, cell=rule.address))
    fields.update(understood.fields if not understood.problems else {"rule": "TODO"})
    definition = row.get("definition")
    if definition is not None and definition.text:
        fields["description"] = definition.text
    for veto in understood.beside:
        out.adjustments.append(Item(veto, {"rule": rule}, Understood(), True))
    return Item(fields, dict(row), understood, understood.adjustment)


def _settle_floors(out: Drafted) -> None:
    """最高扣至该维度0分: the indicator may deduct past its own 0 into its dimension's other points, down to
    the dimension's floor."""
    for _, _, items in out.dimensions:
        points = sum(float(i.fields["weight"]) for i in items if isinstance(i.fields.get("weight"), int | float))
        for i in items:
            u = i.understood
            rule = i.fields.get("rule")
            if u.to_dimension and isinstance(rule, dict) and isinstance(i.fields.get("weight"), int | float):
                floor = (u.dimension_floor or 0) - (points - float(i.fields["weight"]))
                if floor < 0:
                    rule["floor"] = floor
