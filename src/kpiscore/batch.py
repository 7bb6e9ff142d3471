"""Batch plans: several periods (and schemes by role) in one run, then the roll-up over the periods.

A period that fails is reported with all its errors while the others still get their workbooks; the
roll-up is written only when every period scored (年终考核结果为各次考核结果的算术平均数 by default).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .core.document import YamlDoc
from .core.engine import Result
from .core.plan import PeriodSpec, Plan, Rollup, plan_problems
from .core.rollup import period_rows, rollup
from .core.scheme import Scheme
from .core.values import fold
from .errors import Finding, KpiscoreError, SchemeError, UsageError
from .lints import lint
from .scoring import (
    TEMP_MARK,
    Actuals,
    Adjusting,
    Feeds,
    check_output,
    is_file,
    load_scheme,
    read_adjustments,
    read_by_role,
    read_sources,
    read_yaml,
    resolve_scheme_path,
    score,
    write_result,
    write_rollup,
    write_rollup_slips,
    write_slips,
)
from .text import voice
from .words.result import Words


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

    def output(self, period: str, key: str, kind: str = "scored") -> Path:
        """A period's workbook (`kind` scored, or slips), one per scheme where there are several."""
        if len(self.schemes) > 1:
            return self.folder / f"{period}_{key}_{kind}.xlsx"
        return self.folder / f"{period}_{kind}.xlsx"

    def rollup_output(self, level: Rollup, kind: str = "rollup") -> Path:
        return self.folder / f"{level.period}_{kind}.xlsx"

    def inputs(self, spec: PeriodSpec) -> list[Path]:
        """A period's input files; a glob never matches the plan's own outputs (or their temporary files),
        which a run writes into a folder the glob may cover."""
        pattern = str(self.path.parent / spec.input)
        if not glob.has_magic(spec.input):
            return [Path(pattern)]
        outputs = {p.resolve() for p in self.outputs()}
        return [Path(p) for p in sorted(glob.glob(pattern))
                if Path(p).resolve() not in outputs and not Path(p).name.endswith("." + TEMP_MARK)]

    def outputs(self, slips: bool = False) -> list[Path]:
        """Every file a run of the plan writes (with `slips`, the slips as well)."""
        kinds = ["scored", "slips"] if slips else ["scored"]
        return [*(self.output(p.period, key, k) for p in self.plan.periods for key in self.schemes for k in kinds),
                *(self.rollup_output(level, k) for level in self.plan.levels
                  for k in (["rollup", "rollup_slips"] if slips else ["rollup"]))]


def load_plan(path: str | Path) -> LoadedPlan:
    """Read and check a plan and every scheme it names; raise SchemeError with all problems."""
    path = Path(path)
    read = read_yaml(path)
    lang = _plan_language(read.doc, path)
    plan: Plan | None = None
    more: list[Finding] = []
    if read.doc is not None:
        plan, more = _check(read.doc)
    if read.findings or plan is None:
        raise SchemeError(read.failure(more), lang)
    named = plan.schemes if plan.schemes is not None else {"": plan.scheme or ""}
    schemes: dict[str, Scheme] = {}
    keys: dict[Path, str] = {}  # scheme file → key: the stem, made unique
    roles, errors = {}, []
    for role, name in named.items():
        local = path.parent / name
        try:
            file = resolve_scheme_path(local if is_file(local) else name).resolve()
            if file not in keys:
                key = file.stem if file.stem not in schemes else f"{file.stem}-{len(schemes) + 1}"
                keys[file], schemes[key] = key, load_scheme(file)
        except KpiscoreError as exc:  # a broken or missing scheme is the plan's error (exit 1)
            errors += exc.findings
            continue
        if plan.role_column:
            roles[fold(role)] = keys[file]
    if errors:
        raise SchemeError(errors, lang)
    loaded = LoadedPlan(plan, path, schemes, roles)
    clashes = _clashes(loaded)
    if clashes:
        assert read.doc is not None
        raise SchemeError([read.doc.finding(code, params, loc) for code, params, loc in clashes], lang)
    return loaded


#: the longest file name most file systems take, in bytes (a Chinese character is three in UTF-8), and the
#: longest path (Linux's PATH_MAX, less the room of an output's name)
NAME_BYTES, PATH_BYTES = 255, 3_800


def _clashes(loaded: LoadedPlan) -> list[tuple[str, dict[str, Any], tuple]]:
    """Outputs of one plan never collide, nor are named longer than a file system takes: period A_rollup's
    slips and roll-up A's slips would be one file, each written over the other (case folded: Windows and
    macOS disks do not tell Q1 from q1)."""
    plan = loaded.plan
    if any(len(part.encode("utf-8", "surrogatepass")) > NAME_BYTES for part in Path(plan.output).parts) or len(
            str(loaded.folder).encode("utf-8", "surrogatepass")) > PATH_BYTES:
        shown = plan.output if len(plan.output) <= 60 else plan.output[:60] + "…"
        return [("plan_folder_long", {"folder": shown, "limit": NAME_BYTES}, ("output",))]
    named: list[tuple[Path, str, tuple]] = []
    for i, p in enumerate(plan.periods):
        named += [(loaded.output(p.period, key, kind), p.period, ("periods", i, "period"))
                  for key in loaded.schemes for kind in ("scored", "slips")]
    for j, level in enumerate(plan.levels):
        where: tuple = ("rollups", j, "period") if plan.rollups is not None else ("rollup", "period")
        named += [(loaded.rollup_output(level, kind), level.period, where) for kind in ("rollup", "rollup_slips")]
    out: dict[tuple[str, tuple], dict[str, Any]] = {}  # one finding per problem and place
    seen: dict[str, str] = {}
    for file, period, loc in named:
        if len(file.name.encode("utf-8")) > NAME_BYTES:
            said = {"period": period, "file": file.name, "limit": NAME_BYTES}
            out.setdefault(("plan_output_name_long", loc), said)
            continue
        other = seen.setdefault(file.name.casefold(), period)
        if other != period:
            out.setdefault(("plan_outputs_collide", loc), {"period": period, "file": file.name, "other": other})
    return [(code, params, loc) for (code, loc), params in out.items()]


def _plan_language(doc: YamlDoc | None, path: Path) -> str:
    """The plan's `language:`, else the language of the first scheme file it names, else zh: an English
    department's plan errors are in English before any scheme has loaded."""
    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    if data.get("language") in ("zh", "en"):
        return str(data["language"])
    named = [data.get("scheme"), *(data.get("schemes") or {}).values()] if isinstance(data.get("schemes", {}), dict) \
        else [data.get("scheme")]
    for name in named:
        if isinstance(name, str) and is_file(path.parent / name):
            return read_yaml(path.parent / name).lang
    return "zh"


def _check(doc: YamlDoc) -> tuple[Plan | None, list[Finding]]:
    try:
        plan = Plan.model_validate(doc.data)
    except ValidationError as exc:
        return None, doc.validation_findings(exc)
    found = [doc.finding(code, params, loc) for code, params, loc in plan_problems(plan)]
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
    if not files or not all(is_file(f) for f in files):
        missing = spec.input if not files else next(str(f) for f in files if not is_file(f))
        outcome.findings.append(Finding("file_missing", {"path": missing}))
        return outcome
    parts: dict[str, list[Actuals]] = {key: [] for key in loaded.schemes}
    roles = {role: loaded.roles[fold(role)] for role in loaded.plan.schemes or {}}
    feeds: dict[str, Feeds] = {}
    given = {name: loaded.path.parent / path for name, path in spec.sources.items()}
    declared = {name for scheme in loaded.schemes.values() for name in scheme.sources}
    for key, scheme in loaded.schemes.items():
        # a period's sources serve the schemes that declare them: the one without sources takes none
        mine = {n: p for n, p in given.items() if n in scheme.sources or n not in declared}
        try:
            if scheme.sources or mine:
                feeds[key] = read_sources(scheme, mine, spec.period)
        except KpiscoreError as exc:
            outcome.findings += exc.findings
    if outcome.findings:
        return outcome
    for file in files:
        step(f"{spec.period} · {file.name}", False)
        try:
            for key, actuals in read_by_role(file, loaded.schemes, loaded.plan.role_column, roles, feeds).items():
                parts[key].append(actuals)
        except KpiscoreError as exc:  # an unreadable file fails its period, not the batch
            outcome.findings += exc.findings
    outcome.findings += _duplicates_across(parts, loaded)
    if not outcome.findings:
        try:
            adjust = _adjustments(loaded, spec, parts)
            outcome.results = {key: score(pieces, loaded.schemes[key], period=spec.period, feeds=feeds.get(key),
                                          adjust=adjust.get(key)) for key, pieces in parts.items() if pieces}
        except KpiscoreError as exc:  # a refused adjustment fails its period, not the batch
            outcome.findings += exc.findings
    return outcome


def _adjustments(loaded: LoadedPlan, spec: PeriodSpec, parts: dict[str, list[Actuals]]) -> dict[str, Adjusting]:
    """The period's adjustments file, read once, its rows given to the scheme whose people they name."""
    if not spec.adjust:
        return {}
    adjusting = read_adjustments(loaded.path.parent / spec.adjust, next(iter(loaded.schemes.values())))
    ids = {key: {i for a in pieces for i in (*a.frame[fold(loaded.schemes[key].columns.id)],
                                             *a.not_assessed.get("id", []))} for key, pieces in parts.items()}
    return adjusting.split(ids)


def _duplicates_across(parts: dict[str, list[Actuals]], loaded: LoadedPlan) -> list[Finding]:
    """An id in two files, or under two schemes, of one period is an error (within one file, reading said so)."""
    seen: dict[str, str] = {}
    found = []
    for key, pieces in parts.items():
        id_col = fold(loaded.schemes[key].columns.id)
        for actuals in pieces:
            src = actuals.source
            for row, value in actuals.frame[id_col].dropna().drop_duplicates().items():
                place = src.at("", {}, row, id_col).place
                if value in seen:
                    found.append(src.at("id_duplicate_across", {"id": value, "other": seen[value]}, row, id_col))
                else:
                    seen[value] = place
    return found


# ---------------------------------------------------------------------------------------------------------
# the roll-up


# ---------------------------------------------------------------------------------------------------------
# the whole run


@dataclass
class BatchReport:
    """Every period's outcome, and the roll-up written (None when a period failed)."""

    outcomes: list[PeriodOutcome]
    rollup_path: Path | None
    rollup_count: int = 0
    #: every roll-up level written, in order, with its number of employees (the last is `rollup_path`)
    rollups: list[tuple[Path, int]] = field(default_factory=list)
    #: warnings about the plan's schemes themselves (each period's own are on its results)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes) and self.rollup_path is not None


def run_batch(plan: LoadedPlan | str | Path, force: bool = False, step: Step = _quiet,
              slips: bool = False) -> BatchReport:
    """Score every period of a plan into its workbook, then write the roll-up if every period scored.

    `step(what, done)` hears what is being read or written, and `done` once per period and for the
    roll-up (len(periods) + 1 in all): the CLI draws its progress bar with it. With `slips`, each period's
    slips (个人绩效考核表) and each roll-up's are written beside their workbooks."""
    loaded = plan if isinstance(plan, LoadedPlan) else load_plan(plan)
    if os.path.exists(loaded.folder) and not os.path.isdir(loaded.folder):  # never raise for a long name
        raise UsageError([Finding("output_not_folder", {"path": str(loaded.folder)})])
    inputs = {spec.period: loaded.inputs(spec) for spec in loaded.plan.periods}  # before anything is written
    every_input = [f for files in inputs.values() for f in files]
    every_input += [loaded.path.parent / p for spec in loaded.plan.periods
                    for p in [*spec.sources.values(), *([spec.adjust] if spec.adjust else [])]]
    for target in loaded.outputs(slips):
        check_output(target, every_input, force)
    outcomes = []
    for spec in loaded.plan.periods:
        step(spec.period, False)
        outcome = score_period(loaded, spec, step, inputs[spec.period])
        for key, result in outcome.results.items():
            target = loaded.output(spec.period, key)
            write_result(result, target, "xlsx", force)
            outcome.outputs.append(target)
            if slips:
                write_slips(result, loaded.output(spec.period, key, "slips"), None, force)
                outcome.outputs.append(loaded.output(spec.period, key, "slips"))
        if not outcome.ok:  # an earlier run's workbook must not pass for this run's result
            for key in loaded.schemes:
                for kind in ("scored", "slips"):
                    loaded.output(spec.period, key, kind).unlink(missing_ok=True)
        outcomes.append(outcome)
        step(spec.period, True)
    report = BatchReport(outcomes, None, warnings=[w for s in loaded.schemes.values() for w in lint(s)])
    levels = loaded.plan.levels
    if all(o.ok for o in outcomes):
        done = {o.period: period_rows(o.period, o.results, {k: Words(r).calibrations() for k, r in o.results.items()})
                for o in outcomes}
        for level in levels:  # each level from the periods and the levels below it
            rolled = rollup(loaded.plan, level, loaded.schemes, voice(loaded.lang), loaded.lang,
                            [(p, done[p]) for p in loaded.plan.rolled_from(level)])
            done[level.period] = rolled.rows
            path = loaded.rollup_output(level)
            write_rollup(rolled, path, force)
            report.rollups.append((path, len(rolled.table)))
            if slips:
                write_rollup_slips(rolled, loaded.rollup_output(level, "rollup_slips"), force)
        report.rollup_path, report.rollup_count = report.rollups[-1]
    else:
        for level in levels:
            loaded.rollup_output(level).unlink(missing_ok=True)
    step(levels[-1].period, True)
    return report

