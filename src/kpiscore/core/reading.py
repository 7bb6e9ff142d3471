"""A row of a KPI table read into an indicator: its target cell, and its 评分标准's statements made one rule.

`phrases` says what a cell's statements are; this module says which rule they make, and refuses where they make
none exactly: a family of statements (steps, incidents, bands, labels, a formula, a rubric) is one rule kind,
and every statement must have its place in it. Steps that only add (每高于目标1%加0.5分) leave the score short of
the target unsaid; a band's range of points for a label leaves the points to the assessor; statements of two
families contradict. Each such text is a `Problem`, never an approximate rule. A reading the text leaves to
custom (90%以上 includes 90%, 85%-94% reaches up to 95%) is a `Problem` of kind note, written beside the rule.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from .phrases import LINEAR_EXAMPLE, N, Read, Statement, number, read_phrases
from .rulebase import Problem
from .say import Term
from .values import one
from .wording import fold_text

#: the words of a step's side: the actual below the target (低于, 提前) or above it (超过, 延迟)
BELOW = {"低于", "低", "少于", "少", "降低", "下降", "减少", "不足", "提前", "节约"}
MINUS = {"扣", "减少", "减", "少得"}
#: the units of a count (each one an occurrence), not of a quantity
_COUNTED = {"个", "次", "户", "项", "件", "单", "人"}

#: how many of the finer unit one of the coarser is: a target of 2分钟 read against steps of 20秒
_UNITS = {("分钟", "秒"): 60, ("小时", "分钟"): 60, ("小时", "秒"): 3600, ("天", "小时"): 24}

#: the families of statements, each one rule kind, and the statements each admits beside its own
FAMILIES: dict[str, set[str]] = {
    "step": {"step", "cap", "cliff", "full"},
    "ratio": {"ratio", "cap", "cliff"},
    "columns": {"columns", "cap"},
    "event": {"event", "bare", "mark", "allow", "short", "amount", "forfeit", "cap", "full", "all", "veto"},
    "band": {"band", "times", "all", "cap", "label"},
    "label": {"label"},
    "rubric": {"rubric", "label"},
    "veto": {"veto"},
    "gain": {"gain", "cap"},
    "rate": {"rate"},
    "pass": {"full", "band"},
}


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


def understand(rule_text: str, weight: float | None, target: Target | None) -> Understood:
    """A 评分标准 cell, with its row's weight (points of the total, None for an item outside the weights) and
    target, as scheme fields; see the module's note."""
    read = read_phrases(rule_text)
    out = Understood(remarks=read.remarks)
    if read.too_long:
        out.problems.append(Problem("import_too_long", {"limit": 2000}, ()))
        return out
    for clause in read.unread:
        out.problems.append(Problem("import_unread", {"text": clause}, ()))
    for s in read.statements:
        if s.kind == "undefined":
            out.problems.append(Problem("import_undefined", {"text": s.text}, ()))
    if out.problems:
        return out
    if not read.statements:
        out.problems.append(Problem("import_no_rule", {}, ()))
        return out
    family = _family(read)
    if family is None and {s.kind for s in read.statements} <= {"cap", "full", "cliff"}:
        out.problems.append(Problem("import_no_rule", {}, ()))
        return out
    if family is None:
        kinds = "、".join(dict.fromkeys(s.kind for s in read.statements))
        out.problems.append(Problem("import_mixed", {"kinds": kinds}, ()))
        return out
    BUILDERS[family](read.statements, weight, target, out)
    return out


def _family(read: Read) -> str | None:
    kinds = {s.kind for s in read.statements}
    if kinds == {"full", "band"}:
        return "pass"
    for family, admits in FAMILIES.items():
        if family in kinds and kinds <= admits:
            return family
    if kinds <= FAMILIES["event"] and kinds & {"event", "bare", "mark", "allow", "short", "amount", "forfeit"}:
        return "event"
    if kinds <= FAMILIES["band"] and kinds & {"band", "times"}:
        return "band"
    return None


def _caps(statements: list[Statement]) -> dict[str, float]:
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


def _points(said: dict[str, str]) -> Any:
    """A step's points: a number, or a share of the weight where written with % (扣2%)."""
    return f"{said['pts']}%" if said.get("pct") else number(said["pts"])


def _steps(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """每低1%扣2分 (a deduction below the target), with 每高于1%加0.5分 beside it (points added above), caps,
    floors and a cliff: a `deduct`."""
    steps = [s.said for s in statements if s.kind == "step"]
    minus = [s for s in steps if s["verb"] in MINUS]
    plus = [s for s in steps if s["verb"] not in MINUS]
    if not minus and weight is None and len(plus) == 1 and plus[0]["unit"] in _COUNTED:
        _bonus(number(plus[0]["pts"]), _caps(statements), out)  # 每增加1个新客户加1分: outside the weights
        return
    if not minus:
        out.problems.append(Problem("import_add_only", {}, ()))
        return
    if len(minus) > 1 or len(plus) > 1:
        out.problems.append(Problem("import_steps", {"count": len(steps)}, ()))
        return
    down = minus[0]
    higher = down.get("side", "超") in BELOW
    if plus and (plus[0].get("side", "超") in BELOW) == higher:
        out.problems.append(Problem("import_steps_side", {}, ()))
        return
    if weight is None:
        out.problems.append(Problem("import_weight_needed", {}, ()))
        return
    if not _target_for(target, higher, statements, out):
        return
    assert target is not None and target.value is not None
    unit, per, value = _step_unit(down, target, out)
    if unit is None:
        return
    rule: dict[str, Any] = {"type": "deduct", "per": per, "points": _points(down)}
    caps = _caps(statements)
    if plus:
        rule["add"] = number(plus[0]["pts"])
        if "add" in caps:
            rule["max"] = weight + caps["add"]
    elif "add" in caps:
        out.problems.append(Problem("import_cap_without_add", {}, ()))
        return
    if "off" in caps:
        rule["max_off"] = caps["off"]
    if caps.get("floor", 0) != 0:
        rule["floor"] = caps["floor"]
    if "dimension" in caps:
        out.dimension_floor, out.to_dimension = caps["dimension"], True
    _cliff(statements, weight, rule, caps, out)
    out.fields.update(_target_fields(value, target, unit, higher))
    out.fields["rule"] = rule


def _target_for(target: Target | None, higher: bool, statements: list[Statement], out: Understood) -> bool:
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


def _step_unit(step: dict[str, str], target: Target, out: Understood) -> tuple[str | None, Any, float]:
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


def _target_fields(value: float, target: Target, unit: str, higher: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {"target": f"{one(value * 100)}%" if target.percent else value}
    if not higher:
        fields["direction"] = "lower"
    if unit not in ("%", "分") and unit:
        fields["unit"] = unit
    return fields


def _cliff(statements: list[Statement], weight: float, rule: dict[str, Any], caps: dict[str, float],
           out: Understood) -> None:
    """低于60分不得分 on an item weighted 15 is a score of 100 (the table's own points): `out_of: 100`."""
    cliffs = [number(s.said["n"]) for s in statements if s.kind == "cliff"]
    top = caps.get("top")
    if cliffs:
        rule["zero_below"] = cliffs[0]
    scale = top if top is not None else (100.0 if cliffs and cliffs[0] >= weight and weight != 100 else None)
    if scale is not None and scale != weight:
        rule["out_of"] = scale
        if top is None:
            out.notes.append(Problem("import_out_of", {"cliff": one(cliffs[0]), "weight": one(weight)}, ()))


def _ratio(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """实际/目标*100, 最多100分, 低于80分不得分: a `ratio` of 100 points, capped, with a cliff."""
    if weight is None:
        out.problems.append(Problem("import_weight_needed", {}, ()))
        return
    if not _target_for(target, True, statements, out):
        return
    assert target is not None and target.value is not None
    caps = _caps(statements)
    rule: dict[str, Any] = {"type": "ratio"}
    scale = 100.0 if any(s.said.get("times") for s in statements if s.kind == "ratio") else None
    if "top" in caps:
        rule["cap"] = caps["top"] / (scale or weight)
    if scale is not None and scale != weight:
        rule["out_of"] = scale
    cliffs = [number(s.said["n"]) for s in statements if s.kind == "cliff"]
    if cliffs:
        rule["zero_below"] = cliffs[0]
    out.fields.update(_target_fields(target.value, target, "%" if target.percent else (target.unit or ""), True))
    out.fields["rule"] = rule


def _columns(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """实际出勤天数/标准出勤天数*50%: the rate of two columns of the row, times the weight (its 50% of 100)."""
    said = next(s.said for s in statements if s.kind == "columns")
    w = number(said["w"])
    if weight is None or abs(w - weight) > 1e-9:
        out.problems.append(Problem("import_formula_weight", {"formula": f"×{said['w']}%",
                                                                "weight": one(weight) if weight else "/"}, ()))
        return
    caps = _caps(statements)
    rule: dict[str, Any] = {"type": "ratio"}
    if "top" in caps:
        rule["cap"] = caps["top"] / weight
    out.fields.update({"target": "100%", "actual": {"ratio": [said["num"], said["den"]]}, "rule": rule})


def clause_name(desc: str, noun: str = "") -> str:
    """The incident a clause counts, as a column name: the last part of its description (不按规定着装 of
    着工装,保持着装整洁,不按规定着装), without the words that only lead up to the count."""
    parts = [p for p in re.split(r"[,,]", desc) if p.strip()]
    name = noun or (parts[-1] if parts else "")
    name = re.sub(r"^(?:若|如|因|凡|对|发现|出现|发生|每)+", "", name)
    name = re.sub(r"(?:的|时|者|发生|出现|发现|违反|每|任|则)+$", "", name)
    return name[:16]


def _events(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """Points off per occurrence of each incident (每次扣2分, `(-5)`), a minimum short of (少1次扣2分), a
    quantity over a line (请假2天(含)以上扣10分), tiers per event (损失500元以下扣5分): a `count` where one
    incident is counted, `clauses` where several are; a veto beside it; outside the weights, a `penalty`."""
    clauses: list[dict[str, Any]] = []
    for s in statements:
        said = s.said
        if s.kind in ("event", "bare", "mark"):
            if said.get("sign") == "+":
                out.problems.append(Problem("import_mark_plus", {"text": s.text}, ()))
                return
            clauses.append({"name": clause_name(said.get("desc", ""), said.get("lead", "") + said.get("noun", "")),
                            "points": number(said["pts"])})
        elif s.kind == "forfeit":
            clauses.append({"name": clause_name(said.get("desc", ""), said.get("noun", "")), "forfeit": True})
        elif s.kind == "allow":
            clauses.append({"name": clause_name(said.get("desc", "")), "allow": number(said["n"]),
                            "points": number(said["pts"])})
        elif s.kind == "short":
            clauses.append({"name": clause_name(said.get("desc", "") + said.get("noun", "").lstrip("的")),
                            "short_of": number(said["n"]), "points": number(said["pts"])})
        elif s.kind == "amount":
            op = ">=" if "上" in said["op"] else "<="
            if said["unit"] in ("元", "万元"):  # a tier of each event, counted in its own column
                lead = clauses[-1]["tier"] if clauses and "tier" in clauses[-1] else clause_name(said.get("desc", ""))
                clauses.append({"name": f"{lead}{said['n']}{said['unit']}{said['op']}", "points": number(said["pts"]),
                                "tier": lead})
            elif not clause_name(said.get("desc", "")) and clauses:  # 迟到1次扣2分，3次以上扣10分: which count?
                out.problems.append(Problem("import_clause_unnamed", {"text": s.text}, ()))
                return
            else:
                clauses.append({"name": clause_name(said.get("desc", "")) or "数量", "when": f"{op} {said['n']}",
                                "points": number(said["pts"])})
    for c in clauses:
        c.pop("tier", None)
    for s in statements:
        if s.kind == "veto":
            name = clause_name(s.said.get("desc", "")) or "一票否决"
            out.beside.append({"name": name, "column": name, "rule": {"type": "veto"}})
    caps = _caps(statements)
    full = [number(s.said["s"]) for s in statements if s.kind == "all"]
    _name_apart(clauses)
    if weight is None:
        if len(clauses) != 1 or set(clauses[0]) - {"name", "allow"} != {"points"} or caps or full or out.beside:
            out.problems.append(Problem("import_penalty_clauses", {}, ()))
            return
        out.adjustment = True
        out.fields["rule"] = {"type": "penalty", "points": clauses[0]["points"]}
        if clauses[0].get("allow"):
            out.problems.append(Problem("import_penalty_clauses", {}, ()))
        return
    rule: dict[str, Any]
    plain = all(set(c) <= {"name", "points", "allow"} for c in clauses)
    if len(clauses) == 1 and plain and "off" not in caps:
        rule = {"type": "count", "points": clauses[0]["points"]}
        if clauses[0].get("allow"):
            rule["allow"] = clauses[0]["allow"]
    else:
        rule = {"type": "clauses", "clauses": clauses}
        if "off" in caps:
            rule["max_off"] = caps["off"]
    if caps.get("floor", 0) != 0:
        if rule["type"] == "count":
            out.problems.append(Problem("import_count_floor", {}, ()))
            return
        rule["floor"] = caps["floor"]
    if full and full[0] != weight:
        rule["out_of"] = full[0]
    out.fields["rule"] = rule


def _name_apart(clauses: list[dict[str, Any]]) -> None:
    """Two clauses with one name (or none) are told apart by their number: 违规1, 违规2."""
    seen: dict[str, int] = {}
    for i, c in enumerate(clauses, start=1):
        if not c["name"] or c["name"] in seen:
            c["name"] = f"{c['name'] or '扣分项'}{i}"
        seen[c["name"]] = i


BUILDERS = {"step": _steps, "ratio": _ratio, "columns": _columns, "event": _events}


@dataclass
class _Band:
    """A band as read: its interval, its points (a number, [s1, s2], or "linear" between its neighbours'), and
    how firmly each end is written: 3 for 及以上 / ≥ / 以内, 2 for a range's end (85%-94%), 1 for 以上 alone."""

    lo: float
    hi: float
    lo_closed: bool
    hi_closed: bool
    score: Any
    firm: int = 2
    #: the digits of a range's right end, for how far it reaches (85%-94% up to 95%)
    hi_text: str = ""
    extra: bool = False


def _cond(said: dict[str, str], percent: list[bool]) -> _Band | None:
    """The interval of a band statement; `percent` collects whether its numbers are percents."""
    inf = math.inf

    def val(key: str, unit_key: str) -> float:
        pct = said.get(unit_key) == "%"
        percent.append(pct)
        return number(said[key] + ("%" if pct else ""))

    if "lo" in said:
        if said.get("lu") == "%" and not said.get("hu"):
            said = {**said, "hu": "%"}
        return _Band(val("lo", "lu"), val("hi", "hu"), True, True, None, 2, said["hi"])
    if "op" in said:
        v, op = val("n", "u"), said["op"]
        if op in ("≥", ">=", "不低于", "不少于", "达到"):
            return _Band(v, inf, True, False, None, 3)
        if op in (">", "超过", "高于", "大于"):
            return _Band(v, inf, False, False, None, 3)
        if op in ("≤", "<="):
            return _Band(-inf, v, False, True, None, 3)
        return _Band(-inf, v, False, False, None, 3)
    if "m" in said:
        v, suffix = val("m", "mu"), said["suffix"]
        firm = 3 if suffix[0] in "及或含" or "内" in suffix else 1
        if "上" in suffix:
            return _Band(v, inf, True, False, None, firm)
        return _Band(-inf, v, False, True, None, firm)
    if "at" in said:  # 完成85%: that value alone
        v = val("at", "au")
        return _Band(v, v, True, True, None, 3)
    if "k" in said:  # a count: 1次投诉 is [1, 2), 3次及以上 is [3, ∞)
        percent.append(False)
        k = float(said["k"])
        return _Band(k, inf if said.get("more") else k + 1, True, False, None, 3)
    return None


def _band_score(said: dict[str, str], weight: float) -> Any:
    if "s1" in said:
        return (number(said["s1"]), number(said["s2"]))
    if "zero" in said:
        return 0.0
    if "fullm" in said:
        return weight
    if "linear" in said:
        return "linear"
    if "prorata" in said:
        return "prorata"
    return number(said["s"])


def _bands(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """90%以上20分, 85%-94%:得8分, 低于80分0分, 1次投诉:得8分, 60-90分之间线性: a `bands` rule, each band's
    interval settled the way the table means it (see `_settle`), in the table's own points (`out_of`)."""
    if weight is None:
        out.problems.append(Problem("import_weight_needed", {}, ()))
        return
    bands: list[_Band] = []
    percent: list[bool] = []
    perfect: float | None = None
    for s in statements:
        if s.kind == "all":
            perfect = number(s.said["s"])
            continue
        if s.kind == "label":
            if not s.said["label"].startswith(("无", "没有", "不")):
                out.problems.append(Problem("import_mixed", {"kinds": "band、label"}, ()))
                return
            band = _Band(-math.inf, 1.0, False, False, None, 3)
            percent.append(False)
        elif s.kind == "cap":
            continue
        else:
            got = _cond(s.said, percent)
            if got is None:
                out.problems.append(Problem("import_unread", {"text": s.text}, ()))
                return
            band = got
        band.score = _band_score(s.said, weight)
        band.extra = bool(s.said.get("extra"))
        if band.extra:
            band.score = weight + band.score
        bands.append(band)
    if len(set(percent)) > 1:
        out.problems.append(Problem("import_band_units", {}, ()))
        return
    pct = bool(percent and percent[0])
    higher = _higher(bands)
    for b in bands:  # 8-10分 over 1%-2%, lower being better: 10 at 1%, 8 at 2%
        if isinstance(b.score, tuple) and b.score != "prorata":
            b.score = tuple(sorted(b.score, reverse=not higher))
    if any(b.score == "prorata" for b in bands) and not _prorata(bands, _caps(statements), pct, out):
        return
    if perfect is not None:
        if higher and not pct:
            out.problems.append(Problem("import_perfect", {}, ()))
            return
        bands.append(_Band(1.0, math.inf, True, False, perfect, 3) if higher else
                     _Band(-math.inf, 0.0, False, True, perfect, 3))
    if not _settle(bands, higher, pct, weight, target, out):
        return
    extra = max((b.score - weight for b in bands if b.extra), default=0.0)
    top = max(max(b.score) if isinstance(b.score, tuple) else b.score for b in bands)
    if top <= 0:
        out.problems.append(Problem("import_no_points", {}, ()))
        return
    shown = bands[::-1] if higher else bands  # the best band first, as tables write them
    rule: dict[str, Any] = {"type": "bands", "bands": [
        {"when": _when(b, pct), "score": list(b.score) if isinstance(b.score, tuple) else b.score} for b in shown]}
    if extra:
        out.fields["extra"] = extra
    elif top != weight:
        rule["out_of"] = top
    if not higher:
        out.fields["direction"] = "lower"
    out.fields["rule"] = rule


def _prorata(bands: list[_Band], caps: dict[str, float], pct: bool, out: Understood) -> bool:
    """完成比例>85%按同比例核算分值, 最高得100分, with the worked example that says what the proportion is
    ((85.22%-85%)*(100-60)分/(100%-85%)+60分): linear from 85% at 60 to 100% at 100, then 100. Without the
    example, or where it disagrees with the text, the proportion is not said."""
    band = next(b for b in bands if b.score == "prorata")
    m = next((m for r in out.remarks if (m := LINEAR_EXAMPLE.search(fold_text(r)))), None)
    if m is None:
        out.problems.append(Problem("import_undefined", {"text": "按同比例核算分值"}, ()))
        return False
    scale = 0.01 if pct else 1.0
    lo, hi = number(m["lo"]) * scale, number(m["hi"]) * scale
    s1, s2 = number(m["s1"]), number(m["s2"])
    at = [b for b in bands if b.lo == b.hi == lo]
    if abs(band.lo - lo) > 1e-12 or caps.get("top", s2) != s2 or any(b.score != s1 for b in at) or hi <= lo:
        out.problems.append(Problem("import_example_differs", {"text": m.group()}, ()))
        return False
    band.hi, band.lo_closed, band.score = hi, bool(not at), (s1, s2)
    bands.append(_Band(hi, math.inf, True, False, s2, 3))
    return True


def _higher(bands: list[_Band]) -> bool:
    """Higher is better where the band furthest up scores more than the one furthest down."""
    def mid(b: _Band) -> float:
        return b.lo if math.isfinite(b.lo) else b.hi - 1e9

    def points(b: _Band) -> float:
        return (max(b.score) if isinstance(b.score, tuple) else b.score) if b.score != "linear" else math.nan

    ordered = sorted(bands, key=mid)
    return not (len(ordered) > 1 and points(ordered[-1]) < points(ordered[0]))


def _settle(bands: list[_Band], higher: bool, pct: bool, weight: float, target: Target | None,
            out: Understood) -> bool:
    """Each band's interval as the table means it: 90%以上 … 85%以上 stops each at the one above it, 以内 bands
    start where the one below ends; a range ends where the next begins one written step on (85%-94% then
    95%); a point two bands both claim goes to the firmer (4个及以上 beats 3-4个); a linear band runs between
    its neighbours' points; a gap inside the target (每月不超过3次) is full marks, any other gap is said."""
    ups = sorted((b for b in bands if math.isinf(b.hi) and math.isfinite(b.lo)), key=lambda b: -b.lo)
    for above, below in pairwise(ups):
        below.hi, below.hi_closed = above.lo, not above.lo_closed
    downs = sorted((b for b in bands if math.isinf(b.lo) and math.isfinite(b.hi)), key=lambda b: b.hi)
    for under, over in pairwise(downs):
        over.lo, over.lo_closed = under.hi, not under.hi_closed
    bands.sort(key=lambda b: (b.lo, not b.lo_closed))
    filler: list[_Band] = []
    for left, right in pairwise(bands):
        if left.hi_text and left.hi < right.lo and _one_step(left.hi_text, pct, right.lo - left.hi):
            end = left.score[1] if isinstance(left.score, tuple) else left.score
            if isinstance(left.score, tuple):
                filler.append(_Band(left.hi, right.lo, False, not right.lo_closed, end, 2))
            else:
                left.hi, left.hi_closed = right.lo, not right.lo_closed
        elif left.hi == right.lo and left.hi_closed and right.lo_closed:
            _share_point(left, right, pct, out)
        elif left.hi > right.lo:
            out.problems.append(Problem("import_band_overlap", {"at": one(right.lo, pct)}, ()))
            return False
    bands.extend(filler)
    bands.sort(key=lambda b: (b.lo, not b.lo_closed))
    if not _linear(bands, out):
        return False
    _gaps(bands, pct, weight, target, out)
    if higher and pct and bands[-1].hi == 1.0 and bands[-1].hi_closed:  # 90%-100%: a rate past 100% is as good
        bands[-1].hi, bands[-1].hi_closed = math.inf, False
    return _ends(bands, pct, out)


def _ends(bands: list[_Band], pct: bool, out: Understood) -> bool:
    """Beyond the last band a table writes, nothing is said: where that band gives points, what lies beyond is
    the table's to say (a count or a rate below 0 is none; a band of 0 points goes on at 0, as the rule's
    `otherwise` does)."""
    low, high = bands[0], bands[-1]
    if math.isfinite(low.lo) and low.lo > 0 and _at(low, low.lo) > 0:
        said = "< " if low.lo_closed else "<= "
        out.problems.append(Problem("import_bands_open", {"when": said + one(low.lo, pct),
                                                          "side": Term("band_lowest")}, ()))
        return False
    if math.isfinite(high.hi) and _at(high, high.hi) > 0:
        said = "> " if high.hi_closed else ">= "
        out.problems.append(Problem("import_bands_open", {"when": said + one(high.hi, pct),
                                                          "side": Term("band_highest")}, ()))
        return False
    return True


def _at(b: _Band, x: float) -> Any:
    """A band's points at one of its ends."""
    return b.score if not isinstance(b.score, tuple) else b.score[0] if x == b.lo else b.score[1]


def _share_point(left: _Band, right: _Band, pct: bool, out: Understood) -> None:
    """A value two bands both hold (90%-95% and 80%-90% share 90%): the firmer one's (4个及以上 beats 3-4个);
    where they agree on its points, either; else the better band's, as reaching a line enters the band above
    it, and said."""
    here_left, here_right = _at(left, left.hi), _at(right, right.lo)
    if left.firm != right.firm:
        if left.firm > right.firm:
            right.lo_closed = False
        else:
            left.hi_closed = False
    elif here_left == here_right or "linear" in (here_left, here_right):
        left.hi_closed = False
    elif here_left > here_right:
        right.lo_closed = False
        out.notes.append(Problem("import_shared_point", {"at": one(left.hi, pct)}, ()))
    else:
        left.hi_closed = False
        out.notes.append(Problem("import_shared_point", {"at": one(left.hi, pct)}, ()))


def _one_step(digits: str, pct: bool, gap: float) -> bool:
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    step = 10.0 ** -decimals / (100 if pct else 1)
    return abs(gap - step) < step * 1e-6


def _linear(bands: list[_Band], out: Understood) -> bool:
    for i, b in enumerate(bands):
        if b.score != "linear":
            continue
        left = bands[i - 1].score if i else None
        right = bands[i + 1].score if i + 1 < len(bands) else None
        if left is None or right is None or "linear" in (left, right):
            out.problems.append(Problem("import_linear_ends", {}, ()))
            return False
        b.score = (left[1] if isinstance(left, tuple) else left, right[0] if isinstance(right, tuple) else right)
        b.hi_closed = False
    return True


def _gaps(bands: list[_Band], pct: bool, weight: float, target: Target | None, out: Understood) -> None:
    """A stretch between two bands: full marks where the target's words cover it, else a note that it scores 0."""
    for left, right in list(pairwise(bands)):
        if left.hi == right.lo and (left.hi_closed or right.lo_closed):
            continue
        gap = _Band(left.hi, right.lo, not left.hi_closed, not right.lo_closed, weight, 2)
        t = target.value if target else None
        if t is not None and target is not None and target.higher is False and gap.lo < t <= gap.hi + 1e-12:
            gap.hi, gap.hi_closed = t, True
            bands.append(gap)
            out.notes.append(Problem("import_gap_target", {"when": _when(gap, pct), "target": target.text}, ()))
        else:
            out.notes.append(Problem("import_gap", {"when": _when(gap, pct)}, ()))
    bands.sort(key=lambda b: (b.lo, not b.lo_closed))


def _when(b: _Band, pct: bool) -> str:
    lo, hi = one(b.lo, pct) if math.isfinite(b.lo) else "", one(b.hi, pct) if math.isfinite(b.hi) else ""
    if not lo:
        return ("<= " if b.hi_closed else "< ") + hi
    if not hi:
        return (">= " if b.lo_closed else "> ") + lo
    return ("[" if b.lo_closed else "(") + f"{lo}, {hi}" + ("]" if b.hi_closed else ")")


def _labels(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """优秀得满分, 良好得80% … or 1级5分 …: a `mapping`, scaled to the weight where its points are not the
    weight's; 不流失5分, 流失0分 (none, or any) is a `threshold` at 0."""
    if weight is None:
        out.problems.append(Problem("import_weight_needed", {}, ()))
        return
    labels: dict[str, float] = {}
    shares = False
    for s in statements:
        said = s.said
        shares |= "share" in said or "fullm" in said
        value = 100.0 if "fullm" in said else 0.0 if "zero" in said else number(
            said.get("share") or said.get("s") or said["bare"])
        labels[said["label"]] = value
    if min(labels.values()) < 0:
        out.problems.append(Problem("import_label_negative", {}, ()))
        return
    if _pass_fail(labels, weight, target, out):
        return
    rule: dict[str, Any] = {"type": "mapping", "map": labels}
    if shares or max(labels.values()) != weight:
        rule["scale"] = True
    out.fields["rule"] = rule


def _pass_fail(labels: dict[str, float], weight: float, target: Target | None, out: Understood) -> bool:
    """Two labels, one the other's absence (不流失 / 流失) or the two sides of a reference (超过同期 / 低于同期)."""
    if len(labels) != 2:
        return False
    (good, _), (bad, b) = sorted(labels.items(), key=lambda kv: -kv[1])
    if b != 0:
        return False
    if re.sub("^(?:不|无|没有)", "", good) == bad and good != bad:
        out.fields.update({"target": 0, "direction": "lower", "rule": "threshold"})
        return True
    m, n = re.search("(?:超过|高于|达到|不低于)(.+)$", good), re.match("(?:低于|未达到|不足)(.+)$", bad)
    ref = target.reference if target else None
    if m and n and m.group(1) == n.group(1) and ref and m.group(1) in ref:
        subject, against = [*re.split("(?:不低于|达到|超过|高于)", ref, maxsplit=1), ""][:2]
        if subject and against:
            column = against if subject in against else against + subject
            out.fields.update({"column": subject, "target_column": column, "rule": "threshold"})
            return True
    return False


def _rubric(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """积极配合8-10分, 较好5-7分, 较差0-4分: ranges of points covering 0 to full marks, the assessor giving the
    points within the one that fits: a `rating` of that scale."""
    if weight is None:
        out.problems.append(Problem("import_weight_needed", {}, ()))
        return
    spans = sorted((number(s.said["s1"]), number(s.said["s2"])) if s.kind == "rubric" else
                   (number(s.said.get("s") or s.said.get("bare") or "0"),) * 2 for s in statements)
    covered = spans[0][0] == 0 and all(b[0] == a[1] + 1 for a, b in pairwise(spans))
    if not covered:
        out.problems.append(Problem("import_rubric_gaps", {}, ()))
        return
    out.notes.append(Problem("import_rubric", {"scale": one(spans[-1][1])}, ()))
    out.fields["rule"] = {"type": "rating", "scale": spans[-1][1], "raters": ["考评人评分"]}


def _veto(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """重大事故直接取消考核资格, alone in its row: a veto outside the weights, counting its own column."""
    if weight is not None:
        out.problems.append(Problem("import_veto_weight", {}, ()))
        return
    out.adjustment = True
    out.fields["rule"] = {"type": "veto"}


def _gain(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """客户表扬每次加1分，最多加5分: a bonus outside the weights."""
    gains = [s.said for s in statements if s.kind == "gain"]
    if weight is not None or len(gains) != 1:
        out.problems.append(Problem("import_bonus_weight" if weight is not None else "import_penalty_clauses", {}, ()))
        return
    _bonus(number(gains[0]["pts"]), _caps(statements), out)


def _bonus(points: float, caps: dict[str, float], out: Understood) -> None:
    rule: dict[str, Any] = {"type": "bonus", "points": points}
    top = caps.get("add", caps.get("top"))
    if top is not None:
        rule["max"] = top
    out.adjustment = True
    out.fields["rule"] = rule


def _rate(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """由上级按1-5分评分: a rating on that scale, the rater's score in a column of its own."""
    said = statements[0].said
    if weight is None:
        out.problems.append(Problem("import_weight_needed", {}, ()))
        return
    scale = 100.0 if "hundred" in said else number(said["hi"])
    who = re.sub(r"^(?:由|请)", "", said["who"]) or "考评人"
    out.fields["rule"] = {"type": "rating", "scale": scale, "raters": [f"{who}评分"]}


def _pass(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """达到80%得满分，低于80%不得分: a `threshold` at the target the two statements share."""
    full = next(s.said for s in statements if s.kind == "full")
    bands = [s.said for s in statements if s.kind == "band"]
    said = full.get("n")
    below = bands[0] if len(bands) == 1 else {}
    if weight is None or said is None or below.get("op") not in ("低于", "<", "不足", "少于") or \
            ("zero" not in below and below.get("s") not in ("0",)):
        out.problems.append(Problem("import_mixed", {"kinds": "full、band"}, ()))
        return
    value = number(said)
    if abs(number(below["n"] + ("%" if below.get("u") == "%" else "")) - value) > 1e-12:
        out.problems.append(Problem("import_mixed", {"kinds": "full、band"}, ()))
        return
    if target is not None and target.value is not None and abs(target.value - value) > 1e-12:
        out.problems.append(Problem("import_target_differs", {"said": said, "target": target.text}, ("target",)))
        return
    out.fields.update({"target": said, "rule": "threshold"})


BUILDERS.update({"band": _bands, "label": _labels, "rubric": _rubric, "veto": _veto, "gain": _gain, "rate": _rate,
                 "pass": _pass})
