"""The scoring core: typed actuals and a scheme in, every score, total, grade and rank out.

Pure pandas over whole columns — no files, no terminal. The order of work is the SPEC's: indicator
scores → skip rescaling → rounding → total → veto → grade → forced distribution → ranks.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..errors import Finding, InputError
from . import calibration
from .gap import Gap, gap
from .grading import assign_grades, coefficient_of, no_moves, ranks, reached_grade
from .payout import Paid, paid_table, pay
from .rulebase import Context
from .rules import Veto
from .say import Say, Term
from .scheme import Adjustment, Indicator, Scheme
from .values import columns_frame, fold, round_half_up, row_sum

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    from .lazy import np, pd


#: how many employees' ways to the next grade are worked at once
GAP_CHUNK = 100_000
#: how many scores that overflow are named one by one
SHOWN = 20


@dataclass(frozen=True)
class Problem:
    """A cell or row the engine cannot score; readers turn it into a finding with its place."""

    code: str
    row: Any
    column: str | None


def _actual(frame: pd.DataFrame, item: Indicator | Adjustment) -> pd.Series:
    return item.value(frame[[fold(c) for c in item.inputs]])


def blank_is_zero(item: Indicator | Adjustment) -> bool:
    """Whether the item's rule reads a blank as 0 (counts, bonus, penalty and veto: nothing happened)."""
    return bool(item.rule.blank_is_zero)


def blank_meaning(scheme: Scheme, item: Indicator | Adjustment) -> str:
    """What a blank cell of `item` means, as a label key: 0 for counts and adjustments, else the policy."""
    return "blank_zero" if blank_is_zero(item) else "missing_" + scheme.missing_policy(item)


def applicability(frame: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """True where a weighted indicator applies: every cell except a blank one under `missing: skip`."""
    every = np.ones(len(frame), dtype=bool)
    return pd.DataFrame({
        ind.name: _actual(frame, ind).notna().to_numpy()
        if scheme.missing_policy(ind) == "skip" and not blank_is_zero(ind) else every
        for ind in scheme.indicators}, index=frame.index)


def missing_problems(frame: pd.DataFrame, scheme: Scheme) -> Iterator[Problem]:
    """Blank cells under `missing: error`, and rows where no weighted indicator applies."""
    for ind in scheme.indicators:
        if scheme.missing_policy(ind) != "error" or blank_is_zero(ind):
            continue
        blank = _actual(frame, ind).isna()
        # a rating is missing when all its raters are blank: name the first rater's cell
        for row in frame.index[blank.to_numpy()]:
            yield _blank_problem(frame, ind, row)
    if len(frame):
        none = ~applicability(frame, scheme).any(axis=1)
        for row in frame.index[none.to_numpy()]:
            yield Problem("no_applicable", row, None)


def context(frame: pd.DataFrame, ind: Indicator | Adjustment, scheme: Scheme, voice: Say | None = None) -> Context:
    """The indicator's context, with a target per row where it takes personal targets (a blank one is the
    scheme's); with a `voice` to put it into words."""
    ctx = ind.context(voice)
    key = scheme.target_key(ind)
    if key is None:
        return ctx
    personal = frame[key].to_numpy(dtype=float)
    scheme_target = np.nan if ctx.target is None else ctx.target
    return replace(ctx, target=np.where(np.isnan(personal), scheme_target, personal))


def _blank_problem(frame: pd.DataFrame, ind: Indicator, row: Any) -> Problem:
    """Why an actual is blank, at the cell to fix: a ratio of counts names its blank count or its 0, a rule of
    several columns (a checklist's requirements) its first blank one."""
    if ind.actual is None:
        columns = [fold(c) for c in ind.inputs]
        return Problem("blank", row, next((c for c in columns if pd.isna(frame.at[row, c])), columns[0]))
    first, second = (fold(c) for c in ind.actual.ratio)
    if frame.at[row, second] == 0:
        return Problem("denominator_zero", row, second)
    return Problem("blank", row, second if pd.isna(frame.at[row, second]) else first)


@dataclass(frozen=True)
class Column:
    """One column of the Scores table, by meaning rather than by heading.

    `key` is what it holds (id, name, group, actual, score, subtotal, bonus, …, veto), `item` the indicator,
    adjustment or dimension it belongs to, `kind` how it is shown (identity, actual, score, points, label, money,
    rank, flag), `unit` an actual's unit (percent, count, number) and `source` the input column it was read from.
    """

    key: str
    kind: str
    item: str | None = None
    unit: str | None = None
    source: str | None = None
    #: where no input column names it, the catalog label its heading adds to the item (出勤扣分)
    suffix: str | None = None

    @property
    def id(self) -> str:
        """Stable and unique within a table: `score:达成率`, `total`."""
        return f"{self.key}:{self.item}" if self.item is not None else self.key


@dataclass(frozen=True)
class Result:
    """Everything one scoring run produced, frame by frame, all indexed like the input rows."""

    scheme: Scheme
    people: pd.DataFrame  # id, name, group, base
    actuals: pd.DataFrame  # A per item (rating: the mean), by item name
    raw: pd.DataFrame  # weighted scores before rescaling and rounding, by indicator name
    scores: pd.DataFrame  # rounded (and rescaled) weighted scores; NaN where an indicator does not apply
    factor: pd.Series  # skip rescaling factor: total ÷ applicable weight (1 when everything applies)
    adjustments: pd.DataFrame  # rounded bonus/penalty points and veto flags, by adjustment name
    dimensions: pd.DataFrame  # dimension subtotals
    summary: pd.DataFrame  # bonus, penalty, total, grade, coefficient, payout, rank, group_rank, veto
    period: str | None = None
    #: where the actuals came from (`readers.Source`s, one per input file), for provenance
    sources: list[Any] = field(default_factory=list)
    #: findings that did not stop scoring (a changed scheme since the input template was made)
    warnings: list[Any] = field(default_factory=list)
    #: the people the scheme's participation leaves out: id, name, group and the reason, never scored
    not_assessed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["id", "name", "reason"]))
    #: the count columns of ratios of counts (`actual: {ratio: […]}`), by folded name, for the audit
    counts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())
    #: the input columns Scores shows besides the actuals, so that a scored workbook reads back as an input:
    #: the status, counts of ratios of counts, raters' ratings and the payout's columns, by folded name
    inputs: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())
    #: the personal target columns (`target_column`), by folded name: blank where the scheme's target applies
    targets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())
    #: each measure's inputs and value (a, b, n, value; see `Measure.calculation`), by measure name, and each
    #: long rating's value, count and breakdown (`Rating.rated`), by indicator name
    measured: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: the scheme's sources as read (`sources.SourceFile`: file, SHA-256, rows read and used), for provenance
    source_files: list[Any] = field(default_factory=list)
    #: each grade change a quota made (`grading.MOVE_COLUMNS`), in the order made
    quota_moves: pd.DataFrame = field(default_factory=no_moves)
    #: what the scoring itself has to say: quotas not applied or not met, a pool nobody could take
    notices: list[Any] = field(default_factory=list)
    #: how each payout came about, per person and per team (None without a payout rule)
    paid: Paid | None = None
    #: each total or grade a calibration changed (`calibration.COLUMNS`: row, what, from, to, reason, approver)
    calibration: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=calibration.COLUMNS))

    @property
    def lang(self) -> str:
        return self.scheme.language

    def context_of(self, item: Indicator | Adjustment, rows: slice | None = None, voice: Say | None = None
                   ) -> Context:
        """The item's context in this result (or in a positional slice of its rows): a target per row where
        targets are personal; with a `voice` to put it into words (and the inputs its words show)."""
        rows = rows or slice(None)
        ctx = context(self.targets.iloc[rows], item, self.scheme, voice)
        shown = [fold(c) for c in item.rule.carried()] if voice is not None and item.actual is None else []
        return replace(ctx, inputs=self.inputs.iloc[rows][shown]) if shown else ctx

    def next_grade(self, rows: slice | None = None) -> Gap:
        """Each employee's way to the next grade (see `gap.gap`); `rows` (a positional slice) a chunk of them."""
        rows = rows or slice(None)
        frames = {"actuals": self.actuals.iloc[rows], "raw": self.raw.iloc[rows], "scores": self.scores.iloc[rows]}
        contexts = {i.name: self.context_of(i, rows) for i in self.scheme.indicators}
        return gap(self.scheme, self.summary.iloc[rows], frames, self.factor.iloc[rows], contexts)

    def achievement(self) -> pd.DataFrame:
        """score ÷ weight per indicator before skip rescaling (NaN where it does not apply)."""
        return pd.DataFrame({ind.name: self.raw[ind.name] / ind.weight if ind.weight else np.nan
                             for ind in self.scheme.indicators}, index=self.raw.index)

    def columns(self) -> list[Column]:
        """The Scores table's columns in order: identity, then per dimension each indicator's actual and score
        and the subtotal, then adjustments' actuals, bonus, penalty, total, grade, coefficient, payout, ranks
        and veto — those the scheme and the people call for."""
        s, cols = self.scheme, self.scheme.columns
        out = [Column("id", "identity", source=cols.id), Column("name", "identity", source=cols.name)]
        if "group" in self.people:
            out.append(Column("group", "identity", source=cols.group))
        if s.participation and fold(s.participation.column) in self.inputs:
            out.append(Column("input", "label", item=fold(s.participation.column), source=s.participation.column))
        carried: set[str] = set()  # a count two ratios share is shown once
        for dim in s.dimensions:
            for ind in dim.indicators:
                out += [Column("input", "actual", item=fold(c), unit="count" if ind.actual else "number", source=c)
                        for c in _carried(ind) if fold(c) not in carried]
                carried.update(fold(c) for c in _carried(ind))
                out.append(_actual_column(ind))
                if s.target_key(ind):  # the target beside the actual, where it varies
                    out.append(replace(_actual_column(ind), key="target", source=ind.target_column))
                out.append(Column("score", "score", item=ind.name))
            out.append(Column("subtotal", "score", item=dim.name))
        out += [_actual_column(adj) for adj in s.adjustments]
        out += [Column("input", "actual", item=fold(c), unit="number", source=c) for c in money_columns(s)]
        for key in ("bonus", "penalty"):
            if any(a.rule.role == key for a in s.adjustments):
                out.append(Column(key, "points"))
        out += [Column("total", "points"), Column("grade", "label")]
        for key, kind in (("coefficient", "points"), ("payout", "money")):
            if self.summary[key].notna().any() or _has(s, key):
                out.append(Column(key, kind))
        out.append(Column("rank", "rank"))
        if "group" in self.people:
            out.append(Column("group_rank", "rank"))
        out.append(Column("veto", "flag"))
        if len(self.calibration):
            out.append(Column("adjusted", "flag"))
        if len(s.grades) > 1:  # the points short of the next grade, and the way to make them up
            out.append(Column("next_grade", "label"))
        return out

    def column(self, col: Column) -> pd.Series:
        """One column of the Scores table, without the table: a writer of a million rows takes them in turn.
        The way to the next grade is words, and comes from `words` (`Words.column`)."""
        if col.kind == "identity":
            return self.people[col.key]
        if col.key == "input":
            return self.inputs[col.item]
        if col.item is None:
            return self.summary[col.key]
        if col.key == "actual":
            return self._shown_actual(self.scheme.item(col.item))
        if col.key == "target":  # the target each row was scored against
            return pd.Series(context(self.targets, self.scheme.item(col.item), self.scheme).target,
                             index=self.people.index)
        return (self.scores if col.key == "score" else self.dimensions)[col.item]

    def _shown_actual(self, item: Indicator | Adjustment) -> pd.Series:
        """Counts as whole numbers (3, not 3.0) when they are whole."""
        a = self.actuals[item.name]
        present = a.dropna()
        if item.rule.value_kind == "count" and bool(((present % 1 == 0) & (present.abs() < 2**53)).all()):
            return a.astype("Int64")
        return a

    def to_dict(self) -> dict[str, Any]:
        """The `--format json` document."""
        s = self.scheme
        employees = []
        people = self.people
        scores = self.scores.astype(object).where(self.scores.notna(), None)
        dims = self.dimensions.astype(object).where(self.dimensions.notna(), None)
        summary = self.summary.astype(object).where(self.summary.notna(), None)
        for row in people.index:
            sm = summary.loc[row]
            employees.append({
                "id": people.at[row, "id"],
                "name": _none(people.at[row, "name"]),
                "group": _none(people.at[row, "group"]) if "group" in people else None,
                "scores": {ind.name: scores.at[row, ind.name] for ind in s.indicators},
                "dimensions": {dim.name: dims.at[row, dim.name] for dim in s.dimensions},
                "bonus": sm["bonus"], "penalty": sm["penalty"], "total": sm["total"],
                "grade": sm["grade"], "coefficient": sm["coefficient"], "payout": sm["payout"],
                "rank": int(sm["rank"]),
                "group_rank": int(sm["group_rank"]) if sm["group_rank"] is not None else None,
                "veto": bool(sm["veto"]),
            })
        decided = self.calibration.astype(object).where(self.calibration.notna(), None)
        by_row = {row: [{"item": c["what"], "from": c["from"], "to": c["to"], "reason": c["reason"],
                         "approver": c["approver"]} for c in part.to_dict("records")]
                  for row, part in decided.groupby("row", sort=False)}
        moves = self.quota_moves.astype(object).where(self.quota_moves.notna(), None)
        moved = {row: part.drop(columns="row").to_dict("records") for row, part in moves.groupby("row", sort=False)}
        way = self.next_grade()
        for row, employee in zip(people.index, employees, strict=True):
            employee["adjustment"] = by_row.get(row)
            employee["quota_moves"] = moved.get(row)
            employee["next_grade"] = None if way.grade[row] is None else {
                "grade": way.grade[row], "points": float(way.points[row]), "options": way.options(row)}
        out: dict[str, Any] = {"scheme": s.name, "period": self.period, "employees": employees}
        if self.paid is not None:  # per team: the amount shared, what was paid, the cents left over and to whom
            teams = paid_table(self.paid, people)
            out["payout"] = {"mode": self.paid.spec.mode, "teams": [
                {"team": t.name, "headcount": int(t.headcount), "amount": _none(t.amount), "base": _none(t.base),
                 "paid": _none(t.paid), "remainder": _none(t.remainder),
                 "takers": [people.at[r, "id"] for r in self.paid.teams.at[i, "takers"]]}
                for i, t in zip(teams.index, teams.itertuples(), strict=True)]}
        if self.source_files:  # provenance of each source file (and of an adjustments file)
            out["sources"] = [{"name": f.name, "file": f.file, "sha256": f.sha256, "rows": f.read, "used": f.used}
                              for f in self.source_files]
        if s.participation is not None:  # listed apart: they are no employee of this round's scores
            left = self.not_assessed.astype(object).where(self.not_assessed.notna(), None)
            out["not_assessed"] = [{"id": r.get("id"), "name": r.get("name"), "group": r.get("group"),
                                    "reason": r.get("reason")} for r in left.to_dict("records")]
        return out


def _has(scheme: Scheme, key: str) -> bool:
    if key == "coefficient":
        return any(g.coefficient is not None for g in scheme.grades)
    return scheme.pay is not None and _has(scheme, "coefficient")


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _carried(item: Indicator | Adjustment) -> list[str]:
    """An indicator's input columns that its actual column does not show: the counts of a ratio of counts,
    each rater's rating, each clause's count."""
    return list(item.actual.ratio) if item.actual is not None else item.rule.carried()


def money_columns(scheme: Scheme) -> list[str]:
    """The payout's columns of the input: the base, the weight, the days, unit counts typed per row."""
    spec = scheme.pay
    return list(dict.fromkeys([*spec.person_columns, *spec.unit_columns])) if spec is not None else []


def _actual_column(item: Indicator | Adjustment) -> Column:
    """An actual is headed by its input column name (a rating, by the indicator's name), in its unit."""
    suffix = item.rule.actual_suffix() if item.actual is None else None
    if suffix is not None:  # the points clauses took, the requirements not met: no input's, said so
        return Column("actual", "actual", item=item.name, unit="number", suffix=suffix)
    source = item.column or item.name if item.rule.value_kind != "rating" else item.name
    unit = "percent" if item.percent else "count" if item.rule.value_kind == "count" else "number"
    return Column("actual", "actual", item=item.name, unit=unit, source=source)


def evaluate(frame: pd.DataFrame, scheme: Scheme, period: str | None = None, sources: list[Any] | None = None,
             extra: dict[str, Any] | None = None, figures: pd.DataFrame | None = None,
             changes: pd.DataFrame | None = None) -> Result:
    """Score typed actuals (as `readers.parse` makes them) that have passed `missing_problems`; `sources`
    are where they came from, `extra` more per-person columns to carry (a batch's roles), `figures` each
    team's pool or unit counts by folded group (a payout's teams source), `changes` the calibration's
    (`calibration.check`)."""
    d = scheme.decimals
    people = _people(frame, scheme, extra)
    actuals, raw, scores, factor = _weighted(frame, scheme)
    dimensions = columns_frame([dim.subtotal(scores, d).to_numpy() for dim in scheme.dimensions],
                               [dim.name for dim in scheme.dimensions], frame.index)
    lifts = floor_lifts(dimensions, scheme)
    weighted = pd.Series(row_sum(scores, list(scores.columns), blank=0.0), index=frame.index)
    if lifts is not None:  # 最高扣至该维度0分: a subtotal below its floor is lifted to it, and so is the total
        dimensions = dimensions + lifts
        weighted = weighted + lifts.sum(axis=1)
    adjustments = _Adjustments(frame, scheme, scores, weighted, people.get("group"))
    actuals.update(adjustments.actuals)
    bonus = pd.Series(round_half_up(adjustments.bonus, d), index=frame.index)
    penalty = pd.Series(round_half_up(adjustments.penalty, d), index=frame.index)
    total = pd.Series(round_half_up(weighted + bonus - penalty, d), index=frame.index).clip(lower=0)
    total = total.where(~adjustments.veto_zero, 0.0)
    _finite(scores, total, people)

    calibrated, decided = calibration.apply(changes, total, d)
    vetoed = adjustments.veto_grade.where(adjustments.veto_grade.notna(),
                                          _capped(calibrated, scheme, adjustments.veto_ceiling))
    forced = vetoed.where(decided.isna(), decided)  # a decision after the score stands
    changes = _before(changes, total, calibrated, scheme, vetoed)
    total = calibrated
    graded = assign_grades(total, scheme.grades, forced, scheme.quota, people.get("group"))
    grade = graded.grade
    coefficient = coefficient_of(grade, scheme.grades)
    paid, unpaid = _paid(frame, scheme, coefficient, people.get("group"), figures)
    rank, group_rank = ranks(total, people.get("group"))
    summary = pd.DataFrame({
        "bonus": bonus, "penalty": penalty, "total": total, "grade": grade, "coefficient": coefficient,
        "payout": paid.payout if paid else np.nan, "rank": rank, "group_rank": group_rank,
        "veto": adjustments.veto_zero | adjustments.veto_grade.notna() | adjustments.veto_ceiling.notna(),
        "adjusted": frame.index.isin(changes["row"]),
    }, index=frame.index, copy=False)
    # the actuals are the typed input's own columns, not copied into one block: fresh memory is slow to touch
    counted = list(dict.fromkeys(fold(c) for ind in scheme.indicators if ind.actual for c in ind.actual.ratio))
    personal = list(dict.fromkeys(k for i in scheme.indicators if (k := scheme.target_key(i)) is not None))
    return Result(scheme, people, pd.DataFrame(actuals, index=frame.index, copy=False), raw, scores, factor,
                  pd.DataFrame(adjustments.points, index=frame.index), dimensions, summary,
                  period if period is not None else scheme.period, list(sources or []), counts=frame[counted],
                  inputs=frame[_input_keys(frame, scheme)],
                  targets=frame[personal], quota_moves=graded.moves, notices=graded.notices + unpaid, paid=paid,
                  calibration=changes)


def floor_lifts(subtotals: pd.DataFrame, scheme: Scheme) -> pd.DataFrame | None:
    """What each dimension's floor adds to its subtotal (最高扣至该维度0分), by dimension name; None where no
    dimension has a floor, so that a round without one sums exactly as before."""
    if all(dim.floor is None for dim in scheme.dimensions):
        return None
    return pd.DataFrame({dim.name: dim.lift(subtotals[dim.name]) for dim in scheme.dimensions}, index=subtotals.index)


def _capped(total: pd.Series, scheme: Scheme, ceiling: pd.Series) -> pd.Series:
    """The ceiling's grade where the total reaches a better one; None elsewhere (a lower grade stands)."""
    if not ceiling.notna().any():  # no ceiling hit: a million totals are not graded twice
        return ceiling
    order = {g.grade: i for i, g in enumerate(scheme.grades)}
    reached = reached_grade(total, scheme.grades).map(order)
    return ceiling.where(reached < ceiling.map(order))


def _finite(scores: pd.DataFrame, total: pd.Series, people: pd.DataFrame) -> None:
    """An infinite or NaN score or total is never written: a tiny target or a huge measure that overflows a
    double stops the round, naming the person and the indicator."""
    bad = [(name, ~np.isfinite(col) & col.notna()) for name, col in scores.items()]
    bad.append(("", ~np.isfinite(total)))
    found = [Finding("score_not_finite", {"indicator": name or Term("total"), "id": people["id"].iloc[i]})
             for name, rows in bad for i in np.flatnonzero(rows.to_numpy())[:SHOWN]]
    if found:
        raise InputError(found)


def _input_keys(frame: pd.DataFrame, scheme: Scheme) -> list[str]:
    """The folded input columns `Result.inputs` carries, each once."""
    status = [scheme.participation.column] if scheme.participation else []
    named = [*status, *(c for i in scheme.indicators for c in _carried(i)), *money_columns(scheme)]
    return [k for k in dict.fromkeys(fold(c) for c in named) if k in frame]


def _before(changes: pd.DataFrame | None, total: pd.Series, calibrated: pd.Series, scheme: Scheme,
            vetoed: pd.Series) -> pd.DataFrame:
    """The changes with what each changed from: the total as scored, the grade the (calibrated) total reached
    or a veto forced; worked out only where there are changes, not for every round."""
    if changes is None or not len(changes):
        return pd.DataFrame(columns=calibration.COLUMNS)
    grade = reached_grade(calibrated, scheme.grades, vetoed)
    rows = changes["row"].to_numpy()
    was = np.where(changes["what"] == "total", total[rows].to_numpy(dtype=object), grade[rows].to_numpy())
    return changes.assign(**{"from": was})[calibration.COLUMNS]


def _paid(frame: pd.DataFrame, scheme: Scheme, coefficient: pd.Series, group: pd.Series | None,
          figures: pd.DataFrame | None) -> tuple[Paid | None, list[Finding]]:
    """The payouts where the scheme pays and grades have coefficients, and a notice for each pool that no
    one could take (every coefficient 0)."""
    spec = scheme.pay
    if spec is None or not _has(scheme, "coefficient"):
        return None, []
    paid = pay(spec, coefficient, frame, group, figures)
    teams = paid.teams
    idle = teams[(teams["amount"] > 0) & (teams["shares"] == 0)] if spec.mode == "pool" else teams.iloc[:0]
    return paid, [Finding("pool_unpaid", {"team": paid.names[t] or Term("all"), "amount": f"{a:.2f}"})
                  for t, a in zip(idle["team"], idle["amount"], strict=True)]


def _people(frame: pd.DataFrame, scheme: Scheme, extra: dict[str, Any] | None) -> pd.DataFrame:
    """Id, name, and where present group, bonus base and the caller's extra columns."""
    cols = scheme.columns
    people = pd.DataFrame({"id": frame[fold(cols.id)], "name": frame[fold(cols.name)]}, index=frame.index)
    if cols.group and fold(cols.group) in frame:
        people["group"] = frame[fold(cols.group)]
    spec = scheme.pay
    if spec is not None and spec.mode == "base" and spec.base and fold(spec.base) in frame:
        people["base"] = frame[fold(spec.base)]
    for key, values in (extra or {}).items():
        people[key] = values
    return people


def _weighted(frame: pd.DataFrame, scheme: Scheme
              ) -> tuple[dict[str, pd.Series], pd.DataFrame, pd.DataFrame, pd.Series]:
    """Actuals, raw scores, rounded (and rescaled) scores and the skip factor of the weighted indicators.

    Worked column by column in arrays: a million people's table is 160 MB, a column 8 MB."""
    actuals: dict[str, pd.Series] = {}
    applies = applicability(frame, scheme)
    n, names = len(frame), [ind.name for ind in scheme.indicators]
    raw: list[np.ndarray] = []
    applicable_weight = np.zeros(n)
    for i, ind in enumerate(scheme.indicators):
        a = _actual(frame, ind)
        if blank_is_zero(ind):
            a = a.fillna(0)
        actuals[ind.name] = a
        s = ind.rule.score(a, context(frame, ind, scheme)).to_numpy(dtype=float)
        on = applies[ind.name].to_numpy()
        # `zero`: a blank scores 0 points; `skip`: the indicator is left out and the rest are rescaled
        raw.append(np.array(s))  # made once the rule's temporaries are freed, it takes their memory
        np.copyto(raw[i], 0.0, where=np.isnan(s))
        np.copyto(raw[i], np.nan, where=~on)
        applicable_weight += on * ind.weight
    with np.errstate(divide="ignore"):
        factor = np.where(applies.all(axis=1).to_numpy(), 1.0, scheme.total / applicable_weight)
    scores = [np.multiply(r, factor) for r in raw]
    for column in scores:
        round_half_up(column, scheme.decimals, out=column)
    return (actuals, columns_frame(raw, names, frame.index), columns_frame(scores, names, frame.index),
            pd.Series(factor, index=frame.index))


class _Adjustments:
    """Bonus and penalty points (each rounded) and the vetoes: those that zero the total and forced grades;
    a rank by the `weighted` total (each dimension's floor counted, bonus and penalty not)."""

    def __init__(self, frame: pd.DataFrame, scheme: Scheme, scores: pd.DataFrame, weighted: pd.Series,
                 group: pd.Series | None):
        index = frame.index
        self.actuals: dict[str, pd.Series] = {}
        self.points: dict[str, pd.Series] = {}
        self.bonus, self.penalty = pd.Series(0.0, index=index), pd.Series(0.0, index=index)
        self.veto_zero = pd.Series(False, index=index)
        self.veto_grade = pd.Series(None, index=index, dtype=object)
        #: the best grade a veto of `effect: ceiling` allows (不能评为优秀: at most 良好)
        self.veto_ceiling = pd.Series(None, index=index, dtype=object)
        for adj in scheme.adjustments:
            if adj.rank is not None:  # 排名最后: 1 for those ranked so, by a score or the weighted total
                a = adj.rank.hit(scores[adj.rank.of] if adj.rank.of else weighted, group)
            else:
                a = _actual(frame, adj).fillna(0)
            self.actuals[adj.name] = a
            s = adj.rule.score(a, adj.context())
            if adj.rule.role == "veto":
                hit = s.astype(bool)
                self.points[adj.name] = hit
                forced = adj.rule.grade_named()
                if forced is None:
                    self.veto_zero |= hit
                elif isinstance(adj.rule, Veto) and adj.rule.effect == "ceiling":
                    self.veto_ceiling = self.veto_ceiling.where(~hit | self.veto_ceiling.notna(), forced)
                else:
                    self.veto_grade = self.veto_grade.where(~hit | self.veto_grade.notna(), forced)
                continue
            points = pd.Series(round_half_up(s, scheme.decimals), index=index)
            self.points[adj.name] = points
            if adj.rule.role == "bonus":
                self.bonus += points
            else:
                self.penalty += points
