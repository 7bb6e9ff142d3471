"""A comparison of two rounds in words: the scheme's changes, the improvement plan's status, everyone's row
named, and the `--format json` document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.compare import Change, Comparison
from ..core.say import Say
from ..core.values import one
from ..text import voice
from .result import scope

if TYPE_CHECKING:
    import pandas as pd


def changes(found: Comparison, say: Say | None = None) -> list[str]:
    """`新增指标：首次解决率（权重 10）`, `上门服务到达及时率 权重 15 → 20`, … in the after round's language."""
    say = say or voice(found.lang)
    return [_change(c, say) for c in found.scheme_changes]


def _change(c: Change, say: Say) -> str:
    if c.after is None or c.before is None:
        item = c.after or c.before
        assert item is not None
        return say(f"diff_{c.what}", name=item.name, weight=one(item.weight))
    a, b, name = c.before, c.after, c.after.name
    if c.what == "weight":
        return say("diff_weight", name=name, before=one(a.weight), after=one(b.weight))
    if c.what == "target":
        return say("diff_target", name=name, before=a.target_text(say) or "—", after=b.target_text(say) or "—")
    said = [i.rule.describe(i.context(say)) for i in (a, b)]
    return say("diff_rule", name=name, before=said[0], after=said[1])


def shown(frame: pd.DataFrame, say: Say) -> pd.DataFrame:
    """A table with its facts said: everyone's scope as 全部, a plan's status in words."""
    out = frame.copy()
    if "scope" in out:
        out["scope"] = scope(out["scope"], say)
    if "status" in out:
        out["status"] = out["status"].map(lambda code: say(f"status_{code}"))
    return out


def comparison_document(found: Comparison) -> dict[str, Any]:
    """The `--format json` document of a comparison."""
    say = voice(found.lang)

    def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
        frame = shown(frame, say)
        return frame.astype(object).where(frame.notna(), None).to_dict("records")

    per = {k: records(g.drop(columns="id")) for k, g in found.scores.groupby("id", sort=False)}
    people = [{**p, "indicators": per.get(p["id"], [])} for p in records(found.people)]
    return {"indicators": records(found.indicators), "grades": records(found.grades),
            "people": people, "only_before": records(found.only_before),
            "only_after": records(found.only_after), "improvements": records(found.improvements),
            "scheme_changes": changes(found, say)}
