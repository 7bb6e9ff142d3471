"""What reading a KPI table's row works with: its target cell read (`Target`), what the row is understood to
say (`Understood`), and the pieces every rule family reads alike: caps, a step's points and unit, the target a
rule counts from.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from .phrases import N, Statement, number
from .rulebase import Problem
from .values import one
from .wording import fold_text

#: the words of a step's side: the actual below the target (低于, 提前) or above it (超过, 延迟)
BELOW = {"低于", "低", "少于", "少", "降低", "下降", "减少", "不足", "提前", "节约"}


MINUS = {"扣", "减少", "减", "少得"}


#: the units of a count (each one an occurrence), not of a quantity
COUNTED = {"个", "次", "户", "项", "件", "单", "人"}


#: how many of the finer unit one of the coarser is: a target of 2分钟 read against steps of 20秒
_UNITS = {("分钟", "秒"): 60, ("小时", "分钟"): 60, ("小时", "秒"): 3600, ("天", "小时"): 24}


@dataclass(frozen=True)
class Target:
    """A 目标值 cell read: the number, written as a percent or not, its unit, and the direction its words give
    (不低于 higher, 不超过 / 以内 lower); `reference` is the words of a target that is no number (去年同期)."""

    value: float | None
    percent: bool = False
    unit: str | None = None
    higher: bool | None = None
    text: str = ""
    reference: str | None = None
    #: the number was written with a magnitude (100万, 5千): a target whose actuals' unit the table does not say
    magnitude: bool = False


@dataclass
class Understood:
    """What a row says as scheme fields: the indicator's (or adjustment's) rule and the fields it needs,
    adjustments it brings beside it (a veto), its dimension's floor, and the problems and notes of its reading."""

    fields: dict[str, Any] = field(default_factory=dict)
    adjustment: bool = False
    beside: list[dict[str, Any]] = field(default_factory=list)
    dimension_floor: float | None = None
    #: the floor reaches the dimension's 0 (最高扣至该维度0分): the table sets it once the dimension is known
    to_dimension: bool = False
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)


_LOWER = re.compile(r"不超过|不高于|不多于|≤|<=|以内|之内|以下|内$|最多|至多|低于")


_HIGHER = re.compile(r"不低于|不少于|≥|>=|以上|至少|达到|超过")


_TARGET_NUMBER = re.compile(rf"(?P<n>{N})(?P<pct>%)?"
                            r"(?P<unit>分钟|小时|秒|个工作日|工作日|天|次|个|户|项|件|单|元|人|分|起|例)?"
                            r"(?P<after>及以上|以上|以下|以内|之内|内)?")


def read_target(text: str) -> Target:
    """A 目标值 cell: `95%`, `≥95%`, `95%以上`, `不低于95%`, `≤3次/季度`, `30分钟内`, `平均评分4.5分(满分5分)`.
    Where the cell holds several numbers, the one its comparison words are about; none, a reference."""
    folded = re.sub(r"\([^()]*\)", "", fold_text(text))
    found = list(_TARGET_NUMBER.finditer(folded))
    if not found:
        return Target(None, text=text, reference=folded or None)
    if len(found) > 1:  # 100%完成当日订单的95%以上回访: the number with its comparison
        compared = [m for m in found if m.group("after") or _compares(folded[:m.start()])]
        if len(compared) != 1:
            return Target(None, text=text)
        found = compared
    m = found[0]
    before, after = folded[:m.start()], m.group("after") or ""
    higher = None
    if _LOWER.search(before[-4:] + after) and not re.search("不低于|不少于", before[-4:]):
        higher = False
    elif _HIGHER.search(before[-4:] + after):
        higher = True
    if re.match(r"\s*(?:万|千|亿|百万|[kKwW](?![a-zA-Z]))", folded[m.end("n"):]):
        return Target(None, text=text, reference=folded, magnitude=True)
    value = number(m.group("n") + (m.group("pct") or ""))
    return Target(value, bool(m.group("pct")), m.group("unit"), higher, text)


def _compares(before: str) -> bool:
    return bool(re.search(r"(不低于|不少于|不超过|不高于|≥|≤|>=|<=|达到|至少)$", before))


def caps_said(statements: list[Statement]) -> dict[str, float]:
    """最高加5分 → add, 最高扣5分 → off, 最低扣至-10分 → floor, 最高得100分 → top; 扣完为止 is a floor of 0."""
    caps: dict[str, float] = {}
    for s in statements:
        if s.kind != "cap":
            continue
        said = s.said
        if "gone" in said:
            caps["floor"] = 0.0
            continue
        if "scale" in said:  # 满分100分: the table's own points
            caps["top"] = number(said["of"])
            continue
        value = number(said["n"]) if "n" in said else math.nan
        verb = said.get("verb", "")
        if said["which"] in ("最低", "下限"):
            caps["floor"] = value
        elif said.get("dim"):
            caps["dimension"] = value
        elif verb == "加":
            caps["add"] = value
        elif verb == "扣":
            caps["off"] = value
        elif "full" in said:
            caps["full"] = 1.0
        else:
            caps["top"] = value
    return caps


def step_points(said: dict[str, str]) -> Any:
    """A step's points: a number, or a share of the weight where written with % (扣2%)."""
    return f"{said['pts']}%" if said.get("pct") else number(said["pts"])


def target_for(target: Target | None, higher: bool, statements: list[Statement], out: Understood) -> bool:
    """The target a step counts from: the 目标值 cell's, agreeing with 达到90%得满分 where the text says it."""
    said = [number(s.said["n"]) for s in statements if s.kind == "full" and s.said.get("n")]
    if target is not None and target.magnitude:
        out.problems.append(Problem("import_target_magnitude", {"target": target.text}, ("target",)))
        return False
    if target is None or target.value is None:
        out.problems.append(Problem("import_target_needed", {}, ("target",)))
        return False
    if any(abs(v - target.value) > 1e-12 for v in said):
        out.problems.append(Problem("import_target_differs", {"said": one(said[0], target.percent),
                                                               "target": target.text}, ("target",)))
        return False
    if target.higher is not None and target.higher != higher:
        out.problems.append(Problem("import_direction_differs", {"target": target.text}, ("target",)))
        return False
    return True


def step_unit(step: dict[str, str], target: Target, out: Understood) -> tuple[str | None, Any, float]:
    """The step (1%, 20秒, 0.1分) in the target's unit; a target of 2分钟 becomes 120 where steps are 秒."""
    unit, per = step["unit"], number(step.get("per", "1"))
    value = target.value if target.value is not None else math.nan
    if unit == "%":
        if not target.percent:
            out.problems.append(Problem("import_step_percent", {"target": target.text}, ("target",)))
            return None, None, value
        return "%", f"{step.get('per', '1')}%", value
    if target.percent:
        out.problems.append(Problem("import_step_unit", {"unit": unit, "target": target.text}, ("target",)))
        return None, None, value
    if target.unit and target.unit != unit:
        factor = _UNITS.get((target.unit, unit))
        if factor is None:
            out.problems.append(Problem("import_step_unit", {"unit": unit, "target": target.text}, ("target",)))
            return None, None, value
        value *= factor
    return unit, per, value


def target_fields(value: float, target: Target, unit: str, higher: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {"target": f"{one(value * 100)}%" if target.percent else value}
    if not higher:
        fields["direction"] = "lower"
    if unit not in ("%", "分") and unit:
        fields["unit"] = unit
    return fields

