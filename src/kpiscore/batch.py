"""Batch plans: several periods (and schemes by role) in one run, then the roll-up over the periods.

A period that fails is reported with all its errors while the others still get their workbooks; the
roll-up is written only when every period scored (年终考核结果为各次考核结果的算术平均数 by default).
"""

from __future__ import annotations

import glob
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from .engine import Result, assign_grades, coefficients, evaluate, ranks
from .errors import Finding, KpiscoreError, SchemeError, UsageError
from .i18n import label, msg
from .lint import lint_result, lint_scheme
from .output import TEMP_MARK, check_output
from .readers import Source, as_text, cell_kinds, parse, read_table
from .rules import Number
from .scheme import Grade, Model, Scheme, grade_problems, load_scheme, resolve_scheme_path
from .values import as_label, fold, round_half_up
from .yamlio import YamlDoc, read_yaml


def _label(value: Any) -> Any:
    """A period written as a number (2024) is the label "2024"; labels are folded, so `Q1 ` is `Q1`."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return as_label(value)
    return fold(value) if isinstance(value, str) else value


#: a period label names output files: no folders, no parent, nothing a file system refuses
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]|^\.|^$')


def _file_name(value: str) -> str:
    if _UNSAFE.search(value) or len(value) > 64:
        raise PydanticCustomError("plan_period_name", "{period} cannot name a file", {"period": value})
    return value


Label = Annotated[str, BeforeValidator(_label), AfterValidator(_file_name)]


class PeriodSpec(Model):
    period: Label
    input: str


class Rollup(Model):
    """How the periods roll up: the mean over the periods present, renormalised weights, or the last."""

    period: Label = "rollup"
    method: Literal["mean", "weights", "last"] = "mean"
    weights: dict[Label, Annotated[Number, Field(ge=0)]] | None = None
    grades: list[Grade] | None = None

    @model_validator(mode="before")
    @classmethod
    def _weights_form(cls, data: Any) -> Any:
        """`method: {weights: {2024Q1: 0.2, …}}` is short for `method: weights` with `weights: {…}`."""
        if isinstance(data, dict) and isinstance(data.get("method"), dict) and "weights" in data["method"]:
            data = {**data, "method": "weights", "weights": data["method"]["weights"]}
        return data


class Plan(Model):
    """A batch plan; paths are relative to the plan file."""

    name: str
    role_column: str | None = None
    scheme: str | None = None
    schemes: dict[str, str] | None = None
    periods: list[PeriodSpec] = Field(min_length=1)
    rollup: Rollup = Field(default_factory=Rollup)
    output: str = "."


def _plan_problems(plan: Plan) -> Iterator[tuple[str, dict[str, Any], tuple]]:
    if (plan.scheme is None) == (plan.schemes is None):
        yield "plan_scheme", {}, ("scheme",)
    if plan.schemes is not None and not plan.role_column:
        yield "plan_role_column", {}, ("schemes",)
    labels = [p.period for p in plan.periods]
    for i, period in enumerate(labels):
        if period in labels[:i]:
            yield "plan_period_duplicate", {"period": period}, ("periods", i, "period")
    r = plan.rollup
    if r.method == "weights" and not r.weights:
        yield "plan_weights_missing", {}, ("rollup", "method")
    for key in r.weights or {}:
        if key not in labels:
            yield "plan_weights_unknown", {"period": key}, ("rollup", "weights", key)
    for p in grade_problems([(("rollup", "grades", i), g) for i, g in enumerate(r.grades or [])]):
        yield p.code, p.params, p.loc


@dataclass
class LoadedPlan:
    """A checked plan with its schemes loaded and its paths resolved."""

    plan: Plan
    path: Path
    schemes: dict[str, Scheme]  # scheme key (its file's stem) → scheme; roles sharing a file share one
    roles: dict[str, str]  # folded role → scheme key; empty without role_column

    @property
    def lang(self) -> str:
        return next(iter(self.schemes.values())).language

    @property
    def folder(self) -> Path:
        return (self.path.parent / self.plan.output).resolve()

    def output(self, period: str, key: str) -> Path:
        if len(self.schemes) > 1:
            return self.folder / f"{period}_{key}_scored.xlsx"
        return self.folder / f"{period}_scored.xlsx"

    def rollup_output(self) -> Path:
        return self.folder / f"{self.plan.rollup.period}_rollup.xlsx"

    def inputs(self, spec: PeriodSpec) -> list[Path]:
        """A period's input files; a glob never matches the plan's own outputs (or their temporary files),
        which a run writes into a folder the glob may cover."""
        pattern = str(self.path.parent / spec.input)
        if not glob.has_magic(spec.input):
            return [Path(pattern)]
        outputs = {p.resolve() for p in self.outputs()}
        return [Path(p) for p in sorted(glob.glob(pattern))
                if Path(p).resolve() not in outputs and not Path(p).name.endswith("." + TEMP_MARK)]

    def outputs(self) -> list[Path]:
        """Every file a run of the plan writes."""
        return [*(self.output(p.period, key) for p in self.plan.periods for key in self.schemes),
                self.rollup_output()]


def load_plan(path: str | Path) -> LoadedPlan:
    """Read and check a plan and every scheme it names; raise SchemeError with all problems."""
    path = Path(path)
    read = read_yaml(path)
    plan: Plan | None = None
    more: list[Finding] = []
    if read.doc is not None:
        plan, more = _check(read.doc)
    if read.findings or plan is None:
        raise SchemeError(read.failure(more))
    named = plan.schemes if plan.schemes is not None else {"": plan.scheme or ""}
    schemes: dict[str, Scheme] = {}
    keys: dict[Path, str] = {}  # scheme file → key: the stem, made unique
    roles, errors = {}, []
    for role, name in named.items():
        local = path.parent / name
        try:
            file = resolve_scheme_path(local if local.is_file() else name).resolve()
            if file not in keys:
                key = file.stem if file.stem not in schemes else f"{file.stem}-{len(schemes) + 1}"
                keys[file], schemes[key] = key, load_scheme(file)
        except KpiscoreError as exc:  # a broken or missing scheme is the plan's error (exit 1)
            errors += exc.findings
            continue
        if plan.role_column:
            roles[fold(role)] = keys[file]
    if errors:
        raise SchemeError(errors)
    return LoadedPlan(plan, path, schemes, roles)


def _check(doc: YamlDoc) -> tuple[Plan | None, list[Finding]]:
    try:
        plan = Plan.model_validate(doc.data)
    except ValidationError as exc:
        return None, doc.validation_findings(exc, "zh")
    found = [doc.finding(code, msg(code, "zh", **params), loc) for code, params, loc in _plan_problems(plan)]
    return (plan if not found else None), found


# ---------------------------------------------------------------------------------------------------------
# one period


@dataclass
class PeriodOutcome:
    """What became of one period: its results by role and the workbooks written, or its errors."""

    period: str
    results: dict[str, Result] = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


Step = Callable[[str, bool], None]


def _quiet(what: str, done: bool) -> None:
    """The default progress callback: say nothing."""


def score_period(loaded: LoadedPlan, spec: PeriodSpec, step: Step = _quiet,
                 files: list[Path] | None = None) -> PeriodOutcome:
    """Read every input file of a period (`files`, else its input's matches now), split rows by role, and
    score each scheme's rows together."""
    outcome = PeriodOutcome(spec.period)
    files = loaded.inputs(spec) if files is None else files
    lang = loaded.lang
    if not files or not all(f.is_file() for f in files):
        missing = spec.input if not files else next(str(f) for f in files if not f.is_file())
        outcome.findings.append(Finding("file_missing", msg("file_missing", lang, path=missing)))
        return outcome
    parts: dict[str, list[tuple[pd.DataFrame, Source, pd.Series]]] = {key: [] for key in loaded.schemes}
    for file in files:
        step(f"{spec.period} · {file.name}", False)
        try:
            raw, src = read_table(file, next(iter(loaded.schemes.values())), None)
        except KpiscoreError as exc:  # an unreadable file fails its period, not the batch
            outcome.findings += exc.findings
            continue
        for key, rows, roles, found in _split_roles(raw, src, loaded):
            outcome.findings += found
            if rows is not None:
                frame, bad = parse(rows, loaded.schemes[key], src)
                outcome.findings += bad
                parts[key].append((frame, src, roles.reindex(frame.index)))
    outcome.findings += _duplicates_across(parts, loaded)
    if outcome.findings:
        return outcome
    for key, pieces in parts.items():
        if not pieces:
            continue
        frame = pd.concat([f for f, _, _ in pieces], ignore_index=True)
        result = evaluate(frame, loaded.schemes[key], spec.period)
        result.sources = [s for _, s, _ in pieces]
        result.warnings = [*(n for _, s, _ in pieces for n in s.notices), *lint_result(result)]
        result.people["role"] = pd.concat([r for _, _, r in pieces], ignore_index=True).to_numpy()
        outcome.results[key] = result
    return outcome


def _split_roles(raw: pd.DataFrame, src: Source, loaded: LoadedPlan
                 ) -> Iterator[tuple[str, pd.DataFrame | None, pd.Series, list[Finding]]]:
    """Rows by the scheme their role maps to, with each row's role; a row whose role maps to no scheme is an
    error at its cell."""
    none = pd.Series(None, index=raw.index, dtype=object)
    if loaded.plan.role_column is None:
        yield next(iter(loaded.schemes)), raw, none, []
        return
    lang = loaded.lang
    column = fold(loaded.plan.role_column)
    if column not in raw.columns:
        text = msg("columns_missing", lang, columns=loaded.plan.role_column)
        yield "", None, none, [src.at("columns_missing", text, row=src.header_row)]
        return
    kinds = pd.DataFrame({c: cell_kinds(raw[c]) for c in raw.columns}, index=raw.index)
    used = ~(kinds == "blank").all(axis=1)
    roles = as_text(raw[column], kinds[column]).map(fold, na_action="ignore")
    unknown = used & ~roles.isin(list(loaded.roles))
    names = " / ".join(loaded.plan.schemes or {})
    found = [src.at("role_unknown", msg("role_unknown", lang, value=raw.at[r, column] or "", roles=names),
                    r, column) for r in raw.index[unknown]]
    yield "", None, none, found
    for key in loaded.schemes:
        rows = raw[used & roles.map(loaded.roles).eq(key)]
        if len(rows):
            yield key, rows, roles[rows.index], []


def _duplicates_across(parts: dict[str, list[tuple[pd.DataFrame, Source, pd.Series]]],
                       loaded: LoadedPlan) -> list[Finding]:
    """An id in two files, or under two schemes, of one period is an error (within one part, parse said so)."""
    seen: dict[str, str] = {}
    found = []
    for key, pieces in parts.items():
        id_col = fold(loaded.schemes[key].columns.id)
        for frame, src, _ in pieces:
            for row, value in frame[id_col].dropna().drop_duplicates().items():
                place = src.at("", "", row, id_col).place
                if value in seen:
                    found.append(src.at("id_duplicate_across", msg("id_duplicate_across", loaded.lang, id=value,
                                                                   other=seen[value]), row, id_col))
                else:
                    seen[value] = place
    return found


# ---------------------------------------------------------------------------------------------------------
# the roll-up


@dataclass
class RollupResult:
    """One row per employee over the periods, and what the roll-up workbook needs besides."""

    table: pd.DataFrame  # id, name, group, per-period total/grade, total, grade, coefficient, payout, ranks, …
    periods: list[str]
    grade_lists: list[list[str]]  # the grade names of each pool (roll-up grades, or each scheme's), best first
    lang: str
    decimals: int
    plan: Plan
    period_means: pd.Series  # mean total per period
    group_heading: str  # the schemes' group column, or a neutral word where they differ


def rollup(loaded: LoadedPlan, outcomes: list[PeriodOutcome]) -> RollupResult:
    """Roll the periods' totals (after veto) up per employee: mean over the periods present, weights
    renormalised over them, or the last present; then grades, forced distribution, payout and ranks."""
    plan, spec = loaded.plan, loaded.plan.rollup
    periods = [o.period for o in outcomes]
    columns: dict[str, list[Any]] = {k: [] for k in ("id", "name", "group", "base", "total", "grade", "role",
                                                        "scheme", "period", "order")}
    for order, outcome in enumerate(outcomes):
        for key, result in outcome.results.items():
            people, summary, n = result.people, result.summary, len(result.people)
            columns["id"] += people["id"].tolist()
            columns["name"] += people["name"].tolist()
            columns["group"] += people["group"].tolist() if "group" in people else [None] * n
            columns["base"] += people["base"].tolist() if "base" in people else [np.nan] * n
            columns["total"] += summary["total"].tolist()
            columns["grade"] += summary["grade"].tolist()
            columns["role"] += people["role"].tolist() if "role" in people else [None] * n
            columns["scheme"] += [key] * n
            columns["period"] += [outcome.period] * n
            columns["order"] += [order] * n
    long = pd.DataFrame(columns).astype({"base": float, "total": float})
    totals = long.pivot(index="id", columns="period", values="total").reindex(columns=periods)
    grades_wide = long.pivot(index="id", columns="period", values="grade").reindex(columns=periods)
    last = long.sort_values("order").groupby("id").last()
    present = totals.notna()
    if spec.method == "mean":
        total = totals.mean(axis=1)
    elif spec.method == "last":
        total = last["total"]
    else:
        w = pd.Series(spec.weights).reindex(periods).fillna(0.0)
        weight_present = present.mul(w, axis=1).sum(axis=1)
        total = totals.fillna(0).mul(w, axis=1).sum(axis=1) / weight_present.where(weight_present > 0)
    decimals = next(iter(loaded.schemes.values())).decimals
    total = pd.Series(round_half_up(total.reindex(last.index), decimals), index=last.index)
    grade = pd.Series(None, index=last.index, dtype=object)
    coefficient = pd.Series(np.nan, index=last.index)
    payout = pd.Series(np.nan, index=last.index)
    pools = [(spec.grades, last.index)] if spec.grades else [
        (scheme.grades, last.index[last["scheme"] == key]) for key, scheme in loaded.schemes.items()]
    for grades, index in pools:
        if len(index):
            grade[index] = assign_grades(total[index], grades)
            coefficient[index], payout[index] = coefficients(grade[index], grades, last.loc[index, "base"])
    names = [[g.grade for g in grades] for grades, index in pools if len(index)]
    rank, group_rank = ranks(total, last["group"] if last["group"].notna().any() else None)
    table = pd.DataFrame({"id": last.index, "name": last["name"], "group": last["group"]}, index=last.index)
    if plan.role_column:
        table["role"] = last["role"]
    for p in periods:
        table[f"total:{p}"] = totals[p]
        table[f"grade:{p}"] = grades_wide[p]
    table["total"], table["grade"] = total, grade
    table["coefficient"], table["payout"] = coefficient, payout
    table["rank"], table["group_rank"] = rank, group_rank
    table["present"] = present.sum(axis=1).astype(int)
    table["absent"] = ~present.all(axis=1)
    first_seen = long.groupby("id")["order"].min()
    table = table.loc[first_seen.sort_values(kind="stable").index].reset_index(drop=True)
    group_columns = {s.columns.group for s in loaded.schemes.values()}
    heading = group_columns.pop() if len(group_columns) == 1 and None not in group_columns else label("team",
                                                                                                      loaded.lang)
    return RollupResult(table, periods, names, loaded.lang, decimals, plan, totals.mean(axis=0), str(heading))


# ---------------------------------------------------------------------------------------------------------
# the whole run


@dataclass
class BatchReport:
    """Every period's outcome, and the roll-up written (None when a period failed)."""

    outcomes: list[PeriodOutcome]
    rollup_path: Path | None
    rollup_count: int = 0
    #: warnings about the plan's schemes themselves (each period's own are on its results)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes) and self.rollup_path is not None


def run_batch(plan: LoadedPlan | str | Path, force: bool = False, step: Step = _quiet) -> BatchReport:
    """Score every period of a plan into its workbook, then write the roll-up if every period scored.

    `step(what, done)` hears what is being read or written, and `done` once per period and for the
    roll-up (len(periods) + 1 in all): the CLI draws its progress bar with it."""
    from .workbook import write_rollup, write_workbook

    loaded = plan if isinstance(plan, LoadedPlan) else load_plan(plan)
    if loaded.folder.exists() and not loaded.folder.is_dir():
        raise UsageError([Finding("output_not_folder", msg("output_not_folder", loaded.lang,
                                                           path=str(loaded.folder)))])
    inputs = {spec.period: loaded.inputs(spec) for spec in loaded.plan.periods}  # before anything is written
    every_input = [f for files in inputs.values() for f in files]
    for target in loaded.outputs():
        check_output(target, every_input, force, loaded.lang)
    outcomes = []
    for spec in loaded.plan.periods:
        step(spec.period, False)
        outcome = score_period(loaded, spec, step, inputs[spec.period])
        for key, result in outcome.results.items():
            target = loaded.output(spec.period, key)
            write_workbook(result, target, force)
            outcome.outputs.append(target)
        if not outcome.ok:  # an earlier run's workbook must not pass for this run's result
            for key in loaded.schemes:
                loaded.output(spec.period, key).unlink(missing_ok=True)
        outcomes.append(outcome)
        step(spec.period, True)
    report = BatchReport(outcomes, None, warnings=[w for s in loaded.schemes.values() for w in lint_scheme(s)])
    if all(o.ok for o in outcomes):
        rolled = rollup(loaded, outcomes)
        report.rollup_path, report.rollup_count = loaded.rollup_output(), len(rolled.table)
        write_rollup(rolled, report.rollup_path, force)
    else:
        loaded.rollup_output().unlink(missing_ok=True)
    step(loaded.plan.rollup.period, True)
    return report

