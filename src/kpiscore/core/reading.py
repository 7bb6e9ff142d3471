"""A row of a KPI table read into an indicator: its target cell, and its 评分标准's statements made one rule.

`phrases` says what a cell's statements are; this module says which rule they make, and refuses where they make
none exactly: a family of statements (steps, incidents, bands, labels, a formula, a rubric) is one rule kind,
and every statement must have its place in it. Steps that only add (每高于目标1%加0.5分) leave the score short of
the target unsaid; a band's range of points for a label leaves the points to the assessor; statements of two
families contradict. Each such text is a `Problem`, never an approximate rule. A reading the text leaves to
custom (90%以上 includes 90%, 85%-94% reaches up to 95%) is a `Problem` of kind note, written beside the rule.
"""

from __future__ import annotations

from .phrases import Read, read_phrases
from .readbands import read_bands
from .readbase import Target, Understood
from .readrules import (
    read_columns,
    read_events,
    read_gain,
    read_labels,
    read_pass,
    read_rate,
    read_ratio,
    read_rubric,
    read_steps,
    read_veto,
)
from .rulebase import Problem
from .say import Listed

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
        kinds = Listed(tuple(dict.fromkeys(s.kind for s in read.statements)))
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


#: the rule each family makes
BUILDERS = {"step": read_steps, "ratio": read_ratio, "columns": read_columns, "event": read_events,
            "band": read_bands, "label": read_labels, "rubric": read_rubric, "veto": read_veto, "gain": read_gain,
            "rate": read_rate, "pass": read_pass}
