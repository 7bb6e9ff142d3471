"""The rule each family of statements makes but bands: steps from the target (`deduct`), a formula (`ratio`),
incidents (`count`, `clauses`, `penalty`), labels (`mapping`, `threshold`), a rubric or a scale (`rating`), a
bonus and a veto outside the weights. Each builder fills `Understood`, or says why it cannot.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from .phrases import Statement, number
from .readbase import (
    BELOW,
    COUNTED,
    MINUS,
    Target,
    Understood,
    caps_said,
    step_points,
    step_unit,
    target_fields,
    target_for,
)
from .rulebase import Problem
from .say import Listed
from .values import one


def read_steps(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """每低1%扣2分 (a deduction below the target), with 每高于1%加0.5分 beside it (points added above), caps,
    floors and a cliff: a `deduct`."""
    steps = [s.said for s in statements if s.kind == "step"]
    minus = [s for s in steps if s["verb"] in MINUS]
    plus = [s for s in steps if s["verb"] not in MINUS]
    if not minus and weight is None and len(plus) == 1 and plus[0]["unit"] in COUNTED:
        _bonus(number(plus[0]["pts"]), caps_said(statements), out)  # 每增加1个新客户加1分: outside the weights
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
    if not target_for(target, higher, statements, out):
        return
    assert target is not None and target.value is not None
    unit, per, value = step_unit(down, target, out)
    if unit is None:
        return
    rule: dict[str, Any] = {"type": "deduct", "per": per, "points": step_points(down)}
    caps = caps_said(statements)
    if plus:
        rule["add"] = number(plus[0]["pts"])
        if "add" in caps:
            rule["max"] = weight + caps["add"]
        elif "full" in caps:  # 最高不超过满分: what is added stops at full marks
            rule["max"] = weight
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
    out.fields.update(target_fields(value, target, unit, higher))
    out.fields["rule"] = rule


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


def read_ratio(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """实际/目标*100, 最多100分, 低于80分不得分: a `ratio` of 100 points, capped, with a cliff."""
    if weight is None:
        out.problems.append(Problem("import_weight_needed", {}, ()))
        return
    if not target_for(target, True, statements, out):
        return
    assert target is not None and target.value is not None
    caps = caps_said(statements)
    rule: dict[str, Any] = {"type": "ratio"}
    scale = 100.0 if any(s.said.get("times") for s in statements if s.kind == "ratio") else None
    if "top" in caps:
        rule["cap"] = caps["top"] / (scale or weight)
    elif "full" in caps:  # 最高不超过满分: the ratio no higher than 1
        rule["cap"] = 1.0
    if scale is not None and scale != weight:
        rule["out_of"] = scale
    cliffs = [number(s.said["n"]) for s in statements if s.kind == "cliff"]
    if cliffs:
        rule["zero_below"] = cliffs[0]
    out.fields.update(target_fields(target.value, target, "%" if target.percent else (target.unit or ""), True))
    out.fields["rule"] = rule


def read_columns(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """实际出勤天数/标准出勤天数*50%: the rate of two columns of the row, times the weight (its 50% of 100)."""
    said = next(s.said for s in statements if s.kind == "columns")
    w = number(said["w"])
    if weight is None or abs(w - weight) > 1e-9:
        out.problems.append(Problem("import_formula_weight", {"formula": f"×{said['w']}%",
                                                                "weight": one(weight) if weight else "/"}, ()))
        return
    caps = caps_said(statements)
    rule: dict[str, Any] = {"type": "ratio"}
    if "top" in caps:
        rule["cap"] = caps["top"] / weight
    elif "full" in caps:
        rule["cap"] = 1.0
    out.fields.update({"target": "100%", "actual": {"ratio": [said["num"], said["den"]]}, "rule": rule})


def clause_name(desc: str, noun: str = "") -> str:
    """The incident a clause counts, as a column name: the last part of its description (不按规定着装 of
    着工装,保持着装整洁,不按规定着装), without the words that only lead up to the count."""
    parts = [p for p in re.split(r"[,,]", desc) if p.strip()]
    name = noun or (parts[-1] if parts else "")
    name = re.sub(r"^(?:若|如|因|凡|对|发现|出现|发生|每)+", "", name)
    name = re.sub(r"(?:的|时|者|发生|出现|发现|违反|每|任|则)+$", "", name)
    return name[:16]


def read_events(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
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
    caps = caps_said(statements)
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


def read_labels(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
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


def read_rubric(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
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


def read_veto(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """重大事故直接取消考核资格, alone in its row: a veto outside the weights, counting its own column."""
    if weight is not None:
        out.problems.append(Problem("import_veto_weight", {}, ()))
        return
    out.adjustment = True
    out.fields["rule"] = {"type": "veto"}


def read_gain(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """客户表扬每次加1分，最多加5分: a bonus outside the weights."""
    gains = [s.said for s in statements if s.kind == "gain"]
    if weight is not None or len(gains) != 1:
        out.problems.append(Problem("import_bonus_weight" if weight is not None else "import_penalty_clauses", {}, ()))
        return
    _bonus(number(gains[0]["pts"]), caps_said(statements), out)


def _bonus(points: float, caps: dict[str, float], out: Understood) -> None:
    if "full" in caps:  # a bonus outside the weights has no full marks to stop at
        out.problems.append(Problem("import_bonus_full", {}, ()))
        return
    rule: dict[str, Any] = {"type": "bonus", "points": points}
    top = caps.get("add", caps.get("top"))
    if top is not None:
        rule["max"] = top
    out.adjustment = True
    out.fields["rule"] = rule


def read_rate(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """由上级按1-5分评分: a rating on that scale, the rater's score in a column of its own."""
    said = statements[0].said
    if weight is None:
        out.problems.append(Problem("import_weight_needed", {}, ()))
        return
    scale = 100.0 if "hundred" in said else number(said["hi"])
    who = re.sub(r"^(?:由|请)", "", said["who"]) or "考评人"
    out.fields["rule"] = {"type": "rating", "scale": scale, "raters": [f"{who}评分"]}


def read_pass(statements: list[Statement], weight: float | None, target: Target | None, out: Understood) -> None:
    """达到80%得满分，低于80%不得分: a `threshold` at the target the two statements share."""
    full = next(s.said for s in statements if s.kind == "full")
    bands = [s.said for s in statements if s.kind == "band"]
    said = full.get("n")
    below = bands[0] if len(bands) == 1 else {}
    if weight is None or said is None or below.get("op") not in ("低于", "<", "不足", "少于") or \
            ("zero" not in below and below.get("s") not in ("0",)):
        out.problems.append(Problem("import_mixed", {"kinds": Listed(("full", "band"))}, ()))
        return
    value = number(said)
    if abs(number(below["n"] + ("%" if below.get("u") == "%" else "")) - value) > 1e-12:
        out.problems.append(Problem("import_mixed", {"kinds": Listed(("full", "band"))}, ()))
        return
    if target is not None and target.value is not None and abs(target.value - value) > 1e-12:
        out.problems.append(Problem("import_target_differs", {"said": said, "target": target.text}, ("target",)))
        return
    out.fields.update({"target": said, "rule": "threshold"})

