"""A scoring result in words: each score's calculation (the audit), each total's sum, why a grade is not the
one the total reached (calibrations, quota moves), each payout and the way to the next grade.

Worked over whole columns, a chunk of rows at a time where a writer asks (`rows`, a positional slice): a
million people's words are written in parts, never held at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.analysis import EVERYONE
from ..core.engine import GAP_CHUNK, Column, Result, blank_is_zero
from ..core.gap import Gap
from ..core.say import Say
from ..core.scheme import Adjustment, Indicator, Ranked
from ..core.values import fill, fmt_fixed, fmt_plain, fold, one, round_half_up
from ..text import voice
from . import measures, payout

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    from ..core.lazy import np, pd


class Words:
    """One result put into words in its scheme's language (or `lang`)."""

    def __init__(self, result: Result, lang: str | None = None):
        self.result = result
        self.say: Say = voice(lang or result.lang)

    def table(self) -> pd.DataFrame:
        """The Scores table, keyed by each column's stable `Column.id`; writers head it in the user's language."""
        r = self.result
        return pd.DataFrame({col.id: self.column(col) for col in r.columns()}, index=r.people.index)

    def column(self, col: Column) -> pd.Series:
        """One column of the Scores table (see `Result.column`), the way to the next grade in words."""
        return self.next_grade() if col.key == "next_grade" else self.result.column(col)

    def audit(self, rows: slice | None = None) -> pd.DataFrame:
        """The calculation of every score: one column per indicator and adjustment, by its name."""
        r, say, rows = self.result, self.say, rows or slice(None)
        s, d = r.scheme, r.scheme.decimals
        actuals, scores, factor = r.actuals.iloc[rows], r.scores.iloc[rows], r.factor.iloc[rows]
        out = {}
        for ind in s.indicators:
            a, score = actuals[ind.name], fmt_fixed(scores[ind.name], d)
            personal = s.target_key(ind)
            text = ind.rule.words(a, r.context_of(ind, rows, say))
            rescale = f") × {one(s.total)} ÷ " + fmt_plain(s.total / factor)
            text = text.where(factor == 1, "(" + text + rescale) + " = " + score
            if ind.actual is not None:  # 19 / 20 = 95% → 15 × 95% ÷ 90% …
                first, second = (r.counts[fold(c)].iloc[rows] for c in ind.actual.ratio)
                text = fmt_plain(first) + " / " + fmt_plain(second) + " = " + fmt_plain(a, True) + " → " + text
            text = self._measured(ind, rows, text)
            if s.missing_policy(ind) == "zero" and not blank_is_zero(ind):
                text = text.where(a.notna(), say.label("blank_zero") + " = " + score)
            if ind.extra:  # 9 + 0.5 × 5 = 11.50（超出满分 2.50）: the points a table grants beyond full marks
                beyond = scores[ind.name] - ind.weight * factor
                said = fill(say.pattern("aside"), text=say.label("beyond_full") + " " + fmt_fixed(beyond, d))
                text = text.where(~(beyond > 0), text + said)
            if personal is not None:  # 30 − 1 × 0 = 30.00（个人目标 90%）
                target = r.targets[personal].iloc[rows]
                said = fill(say.pattern("aside"),
                            text=say.label("personal_target") + " " + fmt_plain(target, ind.percent))
                text = text.where(target.isna(), text + said)
            out[ind.name] = text.where(scores[ind.name].notna(), say.label("not_applicable"))
        for adj in s.adjustments:
            text = adj.rule.words(actuals[adj.name], adj.context(say))
            if adj.rank is not None:  # 加权总分排名后 1 名: 5 × 1
                text = who_ranked(adj.rank, say) + ": " + text
            if adj.rule.role != "veto":
                text = text + " = " + fmt_fixed(r.adjustments[adj.name].iloc[rows], d)
            out[adj.name] = text
        return pd.DataFrame(out, index=actuals.index)

    def _measured(self, item: Indicator | Adjustment, rows: slice, text: pd.Series) -> pd.Series:
        """The calculation with its measure's inputs before it: `30秒接通率 452 / 500 = 90.4% → …`."""
        r = self.result
        for name, m in reversed(r.scheme.measures.items()):  # each put before the last: they read in order
            if name in r.measured and fold(name) in map(fold, item.inputs):
                parts = r.measured[name].iloc[rows]
                said = measures.calculation(m, name, parts, self.say)
                text = text.where(parts["value"].isna(), said + " → " + text)
        rating = r.scheme.rating_from(item.inputs[0])
        if rating is not None and rating[0] is item and item.name in r.measured:  # 上级 4.5；下级 …
            parts = r.measured[item.name].iloc[rows]
            text = text.where(parts["words"].isna(), parts["words"] + " → " + text)
        return text

    def grade_notes(self, rows: slice | None = None) -> pd.Series:
        """Why a grade is not the one the total reached: each calibration (`校准：优秀 → 良好（原因：…；批准人：…）`),
        then each quota's move, in the order made, e.g. `强制分布：优秀名额 floor(12 × 20%) = 2，排第 3，降为良好`;
        "" for everyone else."""
        r = self.result
        index = r.summary.index[rows or slice(None)]
        moves = r.quota_moves[r.quota_moves["row"].isin(index)]
        notes = [calibrations(r.calibration[r.calibration["row"].isin(index)], self.say, r.scheme.decimals)]
        if len(moves):
            notes.append(self._moved(moves))
        joined = pd.concat(notes).groupby(level=0, sort=False).agg(self.say("list_sep").join)
        return joined.reindex(index, fill_value="")

    def _moved(self, moves: pd.DataFrame) -> pd.Series:
        """Each quota move in words, by its row: `强制分布：优秀名额 floor(12 × 20%) = 2，排第 3，降为良好`."""
        say = self.say
        scope = fill(say.pattern("aside"), text=moves["scope"].astype(str)).where(moves["scope"].notna(), "")
        parts = {k: moves[k].astype(str) for k in ("quota", "n", "share", "rounding", "place")}
        held = fill(say.pattern("quota_held"), held=moves["held"].astype(str)).where(moves["held"] > 0, "")
        said = {"max": fill(say.pattern("quota_max"), scope=scope, grade=moves["from"], to=moves["to"],
                            held=held, **parts),
                "min": fill(say.pattern("quota_min"), scope=scope, grade=moves["to"], source=moves["from"],
                            **parts)}
        return said["max"].where(moves["kind"] == "max", said["min"]).set_axis(moves["row"])

    def calibrations(self) -> pd.Series:
        """Each person's calibrations in words, joined, by row (absent where there are none)."""
        r = self.result
        decided = calibrations(r.calibration, self.say, r.scheme.decimals)
        return decided.groupby(level=0, sort=False).agg(self.say("list_sep").join)

    def payout(self, rows: slice | None = None) -> pd.Series:
        """Each payout's calculation (see `payout.calculation`); "" without a payout rule."""
        r = self.result
        if r.paid is None:
            return pd.Series("", index=r.summary.index[rows or slice(None)])
        return payout.calculation(r.paid, r.summary["coefficient"], self.say, rows)

    def total(self, rows: slice | None = None) -> pd.Series:
        """`27.91 + 35.18 + 9.80 + 25.44 + 2.00 − 3.00 = 96.33`, and the veto when there is one."""
        r, say, rows = self.result, self.say, rows or slice(None)
        d = r.scheme.decimals
        subtotals, summary = r.dimensions.iloc[rows], r.summary.iloc[rows]
        text = pd.Series("", index=subtotals.index)
        for dim in subtotals.columns:
            part = fmt_fixed(subtotals[dim], d).where(subtotals[dim].notna(), "")
            text = text.where(part == "", text.where(text == "", text + " + ") + part)
        for key, sign in (("bonus", " + "), ("penalty", " − ")):
            if any(a.rule.role == key for a in r.scheme.adjustments):
                text = text + sign + fmt_fixed(summary[key], d)
        weighted = r.scores.iloc[rows].sum(axis=1)
        if any(dim.floor is not None for dim in r.scheme.dimensions):  # 最高扣至该维度0分: the subtotals, floored
            weighted = subtotals.sum(axis=1, min_count=1).fillna(0)
        before_veto = np.maximum(round_half_up(weighted + summary["bonus"] - summary["penalty"], d), 0)
        text = text + " = " + fmt_fixed(pd.Series(before_veto, index=text.index), d)
        vetoed = summary["veto"] & (summary["total"] != before_veto)
        veto = say("list_sep") + say.label("veto") + " → "
        text = text.where(~vetoed, text + veto + fmt_fixed(summary["total"], d))
        decided = r.calibration.loc[r.calibration["what"] == "total", "row"]
        calibrated = summary.index.isin(decided)  # 66.00 = 66.00；校准 → 72.00 (the reason is on the grade's note)
        said = say("list_sep") + say.label("calibrated") + " → "
        return text.where(~calibrated, text + said + fmt_fixed(summary["total"], d))

    def next_grade(self, rows: slice | None = None) -> pd.Series:
        """The way to the next grade, worked a chunk of rows at a time: a million people's needed actuals are
        20 columns of 8 MB each, thrice over, where a chunk's are a tenth of that."""
        r = self.result
        if rows is not None:
            return next_grade(r.next_grade(rows), self.say)
        n = len(r.summary)
        parts = [next_grade(r.next_grade(slice(start, start + GAP_CHUNK)), self.say)
                 for start in range(0, max(n, 1), GAP_CHUNK)]
        return pd.concat(parts) if parts else pd.Series(dtype=object)


def who_ranked(rank: Ranked, say: Say) -> str:
    """Who an adjustment counts: `加权总分排名后 1 名`, `销售额组内排名前 3 名`."""
    within = say("rank_in_group") if rank.within == "group" else ""
    of = rank.of or say.label("weighted_total")
    return say("rank_last" if rank.last else "rank_first", of=of, within=within, n=str(rank.last or rank.first))


def scope(values: pd.Series, say: Say) -> pd.Series:
    """A table's scopes or groups as shown: everyone's row (`analysis.EVERYONE`) named 全部 / All."""
    return values.where(values != EVERYONE, say.label("all"))


def calibrations(changes: pd.DataFrame, say: Say, decimals: int) -> pd.Series:
    """Each calibration in words, by its row: `校准：优秀 → 良好（原因：客户投诉升级未结案；批准人：李总）`, or for a
    total `校准：总分 91.20 → 88.00（…）`."""
    if not len(changes):
        return pd.Series(dtype=object)
    total = changes["what"] == "total"
    number = {k: fmt_fixed(changes[k].where(total, 0).astype(float), decimals) for k in ("from", "to")}
    text = {k: changes[k].astype(str).where(~total, number[k]) for k in ("from", "to")}
    item = pd.Series(say.pattern("calibration_total"), index=changes.index).where(total, "")
    line = fill(say.pattern("calibration"), item=item, reason=changes["reason"].astype(str),
                approver=changes["approver"].astype(str), **text)
    return line.set_axis(changes["row"].to_numpy())


def next_grade(way: Gap, say: Say) -> pd.Series:
    """`距"优秀"差 1.8 分：问题一次性解决率 82% → 89.2%（或上门服务到达及时率 75% → 85.2%）`; "" where there is no
    next grade to reach. Said only for the rows with a next grade, the options for those with one."""
    index = way.grade.index
    has = np.flatnonzero(way.grade.notna().to_numpy())
    effort = way.effort[has]
    ranked = np.argsort(np.where(np.isnan(effort), np.inf, effort), axis=1, kind="stable")
    found = (~np.isnan(effort)).sum(axis=1)
    text = np.full(len(has), say("gap_none"), dtype=object)
    for k in range(min(2, effort.shape[1])):  # the smallest step, then the next as the alternative
        some = np.flatnonzero(found > k)
        said = _option(way, has[some], ranked[some, k], say)
        text[some] = said if k == 0 else text[some] + fill(say.pattern("gap_or"), option=pd.Series(said))
    head = fill(say.pattern("gap_head"), grade=way.grade.iloc[has].astype(str).reset_index(drop=True),
                points=fmt_plain(way.points.iloc[has]).reset_index(drop=True)).to_numpy()
    out = np.full(len(index), "", dtype=object)
    out[has] = head + text
    return pd.Series(out, index=index)


def _option(way: Gap, rows: np.ndarray, which: np.ndarray, say: Say) -> np.ndarray:
    """`问题一次性解决率 82% → 89.2%` for the indicator `which` names in each of the `rows` (positions); a tally
    is named as one (`出勤扣分 52 → 6`)."""
    names = np.array(way.to.columns, dtype=object)[which]
    said = np.array([n + say.label(way.tallies[n]) if n in way.tallies else n for n in way.to.columns],
                    dtype=object)[which]
    pct = np.array([way.percent[n] for n in way.to.columns], dtype=bool)[which]
    shown = []
    for table in (way.actual, way.to):
        values = np.full(len(rows), np.nan)
        text = np.empty(len(rows), dtype=object)
        for j, name in enumerate(way.to.columns):  # each indicator's rows take their values from its column
            here = np.flatnonzero(which == j)
            if not len(here):
                continue
            column = table[name].to_numpy()[rows[here]]
            if name in way.labels:
                text[here] = column.astype(str)
            else:
                values[here] = column.astype(float)
        numbers = _numbers(values, pct)
        shown.append(np.where(np.isin(names, way.labels), text, numbers))
    return said + " " + shown[0] + " → " + shown[1]


def _numbers(values: np.ndarray, percent: np.ndarray) -> np.ndarray:
    """Actuals as typed, in one pass: 89.2% for a percent indicator, 3 for a count."""
    text = fmt_plain(pd.Series(values * np.where(percent, 100, 1))).to_numpy()
    return np.where(percent, text + "%", text)
