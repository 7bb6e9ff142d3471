"""Calibration and appeals: a total or grade changed after scoring, each change with its reason and approver.

A calibration meeting or an appeal decides after the score; done by hand in Excel, that decision leaves no
trace. Here each row of an adjustments file (工号, 项目 总分/等级, 调整为, 原因, 批准人) is checked, applied after
scoring and before the quotas (an adjusted grade stays fixed, as a veto's does), and said wherever the grade
is: Scores, the audit, JSON and the roll-up. This module owns the checks, the application and the words; the
readers hand it the file's cells as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .say import Listed
from .scheme import Scheme
from .values import first_rows, fold, parse_number, round_half_up

if TYPE_CHECKING:
    import pandas as pd
else:
    from .lazy import pd

#: what an adjustment may change, as the 项目 column names it (folded, lower case)
WHAT = {"总分": "total", "total": "total", "等级": "grade", "grade": "grade"}
#: the file's columns besides the id, by meaning: each heading in zh and en
HEADINGS = {"what": ("项目", "What"), "to": ("调整为", "To"), "reason": ("原因", "Reason"),
            "approver": ("批准人", "Approver")}
#: the columns of an applied calibration (`Result.calibration`): one row per change
COLUMNS = ["row", "what", "from", "to", "reason", "approver"]


@dataclass(frozen=True)
class Refusal:
    """An adjustment that cannot be applied: a catalog code, its facts, the file's row and the column (by
    meaning: id, what, to, reason, approver) to fix."""

    code: str
    params: dict[str, Any]
    row: Any
    column: str


def check(table: pd.DataFrame, ids: pd.Series, left_out: dict[str, str], scheme: Scheme
          ) -> tuple[pd.DataFrame, list[Refusal]]:
    """The adjustments (`table`: id, what, to, reason, approver as text, blanks None, indexed by the file's
    rows) matched to the people scored (`ids`, folded, indexed by their rows), and every one refused: an id
    not scored (or not assessed, `left_out` id → reason), an unknown 项目, a reason or approver missing, a
    grade the scheme does not have, a total that is no number from 0 to the scheme's total, and the same
    person's same 项目 twice. Returns the changes (`row`: the person's row, `what`, `to`, reason, approver)."""
    rows = pd.Series(ids.index, index=ids.to_numpy())
    rows = rows[~rows.index.duplicated()]
    person = table["id"].fillna("").astype(str).map(fold)
    what = table["what"].fillna("").astype(str).map(lambda t: WHAT.get(fold(t).lower(), ""))
    to = _targets(table["to"], what, scheme)
    blank = {key: table[key].fillna("").astype(str).str.strip() == "" for key in ("reason", "approver")}
    key = person + "\x00" + what
    twice = (what != "") & key.duplicated()
    first = first_rows(key)
    grades = Listed(tuple(g.grade for g in scheme.grades))
    refused: list[Refusal] = []
    for at in table.index:  # the refusals of each row together, in the file's order
        said = {"id": person[at]}
        if person[at] not in rows.index:
            code = "adjust_not_assessed" if person[at] in left_out else "adjust_id_unknown"
            refused.append(Refusal(code, {**said, "reason": left_out.get(person[at], "")}, at, "id"))
        if not what[at]:
            refused.append(Refusal("adjust_what", {"value": table.at[at, "what"] or ""}, at, "what"))
        elif to[at] is None:
            params = {"value": table.at[at, "to"] or "", "grades": grades, "total": scheme.total}
            refused.append(Refusal(f"adjust_{what[at]}_invalid", params, at, "to"))
        refused += [Refusal(f"adjust_{k}_missing", said, at, k) for k in ("reason", "approver") if blank[k][at]]
        if twice[at]:
            params = {**said, "what": table.at[at, "what"], "other": first[key[at]]}
            refused.append(Refusal("adjust_duplicate", params, at, "what"))
    ok = person.isin(rows.index) & to.notna()
    changes = pd.DataFrame({"row": person[ok].map(rows), "what": what[ok], "to": to[ok],
                            "reason": table.loc[ok, "reason"], "approver": table.loc[ok, "approver"]})
    return changes.reset_index(drop=True), refused


def _targets(text: pd.Series, what: pd.Series, scheme: Scheme) -> pd.Series:
    """What each adjustment changes to: one of the scheme's grades (folded as compared), or a total from 0 to
    the scheme's total; None where it is neither."""
    grades = {fold(g.grade): g.grade for g in scheme.grades}
    written = text.fillna("").astype(str).map(fold)
    grade = written.map(grades)
    read = written.map(parse_number)
    number = read.map(lambda r: r[0] if r is not None and not r[1] and 0 <= r[0] <= scheme.total else None)
    return grade.where(what == "grade", number.where(what == "total")).astype(object).where(
        lambda v: v.notna(), None)


def apply(changes: pd.DataFrame | None, total: pd.Series, decimals: int) -> tuple[pd.Series, pd.Series]:
    """The totals after the total adjustments (rounded like every total), and the grades the grade
    adjustments fix (None elsewhere)."""
    forced = pd.Series(None, index=total.index, dtype=object)
    if changes is None or not len(changes):
        return total, forced
    total = total.copy()
    for what, part in changes.groupby("what"):
        if what == "total":
            total[part["row"].to_numpy()] = round_half_up(part["to"].astype(float), decimals)
        else:
            forced[part["row"].to_numpy()] = part["to"].to_numpy()
    return total, forced
