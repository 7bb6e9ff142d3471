"""A measure over a system export in words: what it is (the Sources sheet) and each person's figure from its
inputs (the audit)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.measures import Condition, Measure, is_number
from ..core.say import Say
from ..core.values import fmt_plain, one

if TYPE_CHECKING:
    import pandas as pd


def describe(measure: Measure, name: str, say: Say) -> str:
    """`客户满意度 = survey 中满足条件的行占比（条件：满意度 ∈ {非常满意, 满意}）`."""
    cond = say("list_sep").join(_condition(c, v, say) for c, v in measure.where.items())
    of = " / ".join(f"Σ {c}" for c in measure.of_columns) if measure.agg == "ratio" else "".join(measure.of_columns)
    what = say(f"measure_{measure.agg}", of=of, source=measure.source)
    return f"{name} = {what}" + (say("measure_where", where=cond) if cond else "")


def calculation(measure: Measure, name: str, parts: pd.DataFrame, say: Say) -> pd.Series:
    """Each person's measure from its inputs (`Result.measured`): `30秒接通率 452 / 500 = 90.4%`,
    `NPS (12 − 3) / 20 = 45`."""
    a, b, n, value = (parts[k] for k in ("a", "b", "n", "value"))
    shown = fmt_plain(value, measure.percent)
    if measure.agg == "count":
        text = fmt_plain(a) + say("measure_rows")
    elif measure.agg in ("sum", "median"):
        before, after = say(f"measure_{measure.agg}_of", n="\x00").split("\x00")
        text = "= " + shown + before + fmt_plain(n) + after
    elif measure.agg == "nps":
        text = "(" + fmt_plain(a) + " − " + fmt_plain(b) + ") / " + fmt_plain(n) + " = " + shown
    else:  # mean, share, ratio: a quotient
        below = b if measure.agg == "ratio" else n
        text = fmt_plain(a) + " / " + fmt_plain(below) + " = " + shown
    return name + " " + text


def _condition(column: str, cond: Condition, say: Say) -> str:
    if isinstance(cond, dict):
        return say("list_sep").join(f"{column} {op} {_shown(v)}" for op, v in cond.items())
    return f"{column} {'∈' if isinstance(cond, list) else '='} {_shown(cond)}"


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "{" + ", ".join(_shown(v) for v in value) + "}"
    return one(value) if is_number(value) else str(value)
