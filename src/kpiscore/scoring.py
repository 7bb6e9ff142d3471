"""One scoring run, step by step: load a scheme, read actuals, score, lint, explain, write.

These are the API's steps (`kpiscore.api` is the door that shows them with the batch); `batch` composes
them into plans of several periods and uses nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from .core.compare import Comparison
from .core.compare import compare as comparison
from .core.engine import Result, evaluate
from .core.lint import lint_result, lint_scheme
from .core.measures import period_days
from .core.scheme import Scheme
from .core.sql import DIALECTS, Unsaid, measure_sql
from .core.values import fold
from .errors import Finding, InputError, UsageError
from .io import slips
from .io.comparebook import write_compare_workbook
from .io.decode import is_file
from .io.flat import save_csv, write_csv, write_json, write_plain_json
from .io.output import FORMATS, TEMP_MARK, atomic_write, check_inputs, check_output
from .io.readers import (
    Actuals,
    Adjusting,
    read_actuals,
    read_adjustments,
    read_by_role,
    read_plan,
    read_roster,
)
from .io.rollupbook import write_rollup
from .io.schemefile import load_scheme, resolve_scheme_path
from .io.slips import write_rollup_slips
from .io.sources import Feeds, read_sources
from .io.template import MIN_ROWS, input_columns, write_template
from .io.typed import missing_findings
from .io.workbook import write_workbook
from .io.yamlio import YamlFile, read_yaml
from .text import msg, voice
from .words import measures as said_measures
from .words.compare import comparison_document
from .words.result import Words

__all__ = [
    "FORMATS",
    "TEMP_MARK",
    "Actuals",
    "Adjusting",
    "Feeds",
    "YamlFile",
    "check_inputs",
    "check_output",
    "compare",
    "explain",
    "find",
    "is_file",
    "load_scheme",
    "make_template",
    "measure_texts",
    "not_assessed",
    "read_actuals",
    "read_adjustments",
    "read_by_role",
    "read_sources",
    "read_yaml",
    "resolve_scheme_path",
    "score",
    "write_comparison",
    "write_csv",
    "write_json",
    "write_result",
    "write_rollup",
    "write_rollup_slips",
    "write_slips",
    "write_template",
]


def score(actuals: Actuals | list[Actuals] | str | Path | pd.DataFrame | None, scheme: Scheme | str | Path | dict,
          sheet: str | None = None, period: str | None = None, sources: Mapping[str, str | Path] | None = None,
          feeds: Feeds | None = None, adjust: str | Path | pd.DataFrame | Adjusting | None = None) -> Result:
    """Score actuals (read from a file or a DataFrame if they are not read yet) under a scheme; a list of
    Actuals (several files of one period) is scored as one department. The scheme's sources are the files
    `sources` names (or `feeds`, read already by `read_sources`); with sources and no actuals, the people are
    the ids the measures' sources hold. `adjust` is an adjustments file (or frame) of calibrated totals and
    grades, applied after scoring and before the quotas.

    Raises SchemeError or InputError carrying every problem found, UsageError for a source not given.
    """
    if not isinstance(scheme, Scheme):
        scheme = load_scheme(scheme)
    if feeds is None and (scheme.sources or sources):
        feeds = read_sources(scheme, {k: Path(v) for k, v in (sources or {}).items()}, period or scheme.period)
    if actuals is None:
        ids = feeds.ids() if feeds is not None else []
        actuals = pd.DataFrame({scheme.columns.id: ids, scheme.columns.name: [None] * len(ids)})
    if not isinstance(actuals, Actuals | list):
        actuals = read_actuals(actuals, scheme, sheet, feeds)
    parts = actuals if isinstance(actuals, list) else [actuals]
    problems = [f for a in parts for f in missing_findings(a.frame, scheme, a.source)]
    if problems:  # reachable only with Actuals that did not come through read_actuals
        raise InputError(problems, scheme.language)
    frame = pd.concat([a.frame for a in parts], ignore_index=len(parts) > 1)
    keys = {key for a in parts for key in a.extra}
    extra = {key: pd.concat([a.extra[key] for a in parts], ignore_index=len(parts) > 1).to_numpy() for key in keys}
    left_out = pd.concat([a.not_assessed for a in parts], ignore_index=len(parts) > 1)
    everyone = pd.concat([frame[fold(scheme.columns.id)], left_out.get("id", pd.Series(dtype=object))])
    if feeds is not None and feeds.ratees:  # a rating of someone not in the round is a typo in an id
        strangers = feeds.unrated(everyone)
        if strangers:
            raise InputError(strangers, scheme.language)
    adjusting = read_adjustments(adjust, scheme) if adjust is not None and not isinstance(adjust, Adjusting) \
        else adjust
    changes = adjusting.check(frame, left_out, scheme) if adjusting is not None else None
    team_source = scheme.pay.team_source if scheme.pay is not None else None
    figures = feeds.teams.get(team_source) if feeds is not None and team_source is not None else None
    result = evaluate(frame, scheme, period, [a.source for a in parts], extra, figures, changes)
    warnings = [w for a in parts for w in a.warnings]
    if feeds is not None:
        warnings += [*feeds.notices, *feeds.matched(everyone)]
        ids = result.people["id"]
        measured = {name: part.reindex(ids.to_numpy()).set_axis(ids.index)
                    for name, part in [*feeds.parts.items(), *feeds.ratings.items()]}
        result = replace(result, measured=measured, source_files=feeds.files)
    if adjusting is not None:  # the adjustments file's provenance beside the sources'
        result = replace(result, source_files=[*result.source_files, adjusting.provenance])
    found = [*warnings, *result.notices, *lint_scheme(scheme), *lint_result(result)]
    return replace(result, warnings=[w.said_in(scheme.language) for w in found], not_assessed=left_out)


def not_assessed(result: Result, employee_id: str) -> str | None:
    """Why an employee of the input was not assessed this round (their status, as typed), or None."""
    left = result.not_assessed
    reasons = left.loc[left["id"] == fold(str(employee_id)), "reason"] if "reason" in left else None
    return str(reasons.iloc[0]) if reasons is not None and len(reasons) else None


def find(result: Result, employee_id: str) -> int:
    """The input row of an employee (the index of every table of the result)."""
    rows = result.people.index[result.people["id"] == fold(str(employee_id))]
    if not len(rows):
        reason = not_assessed(result, employee_id)
        if reason is not None:  # not assessed: nothing was calculated, the reason says why
            raise InputError([Finding("employee_not_assessed", {"id": employee_id, "reason": reason})], result.lang)
        raise InputError([Finding("employee_unknown", {"id": employee_id})], result.lang)
    return int(rows[0])


def measure_texts(scheme: Scheme, sql: bool = False, period: str | None = None, dialect: str = "duckdb"
                  ) -> list[tuple[str, str]]:
    """Each measure of a scheme in words (as the Sources sheet says it), or as SQL in `dialect` over a table
    named after its source: its rows read as kpiscore reads them, one `GROUP BY` of the id. A measure the
    dialect cannot say exactly is a SQL comment saying so."""
    if sql and dialect not in DIALECTS:
        raise UsageError([Finding("sql_dialect", {"dialect": dialect, "dialects": ", ".join(DIALECTS)})])
    days = period_days(period or scheme.period, list(scheme.period_dates) if scheme.period_dates else None)
    say = voice(scheme.language)
    out = []
    for name, m in scheme.measures.items():
        if not sql:
            out.append((name, said_measures.describe(m, name, say)))
            continue
        try:
            out.append((name, measure_sql(m, name, m.source, scheme.sources[m.source], days, dialect)))
        except Unsaid as exc:
            out.append((name, "-- " + msg(exc.code, scheme.language, **exc.params)))
    return out


def explain(result: Result, employee_id: str) -> pd.DataFrame:
    """One employee's calculation, indicator by indicator: what `kpiscore explain` prints."""
    row = find(result, employee_id)
    audit = Words(result).audit().loc[row]
    lines = []
    for dim in result.scheme.dimensions:
        for ind in dim.indicators:
            lines.append({"dimension": dim.name, "indicator": ind.name, "weight": ind.weight,
                          "calculation": audit[ind.name], "score": result.scores.at[row, ind.name]})
    for adj in result.scheme.adjustments:
        value = result.adjustments.at[row, adj.name]
        lines.append({"dimension": "", "indicator": adj.name, "weight": None, "calculation": audit[adj.name],
                      "score": None if adj.rule.role == "veto" else value})
    return pd.DataFrame(lines)


def write_result(result: Result, path: str | Path, fmt: str, force: bool = True) -> None:
    """Write a result as xlsx, csv (UTF-8 with BOM, for Excel) or json, atomically; without `force` an
    existing file is never replaced."""
    path = Path(path)
    if fmt == "xlsx":
        write_workbook(result, path, force)
    elif fmt == "csv":
        atomic_write(path, lambda tmp: save_csv(result, tmp), force)
    else:
        _save_json(result.to_dict(), path, force)


def _save_json(document: dict[str, Any], path: Path, force: bool) -> None:
    """A JSON document written atomically, UTF-8."""
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as out:
            write_plain_json(document, out)

    atomic_write(path, write, force)


def write_slips(result: Result, path: str | Path, ids: list[str] | None = None, force: bool = True) -> int:
    """The slips for the feedback talk (个人绩效考核表): one A4 page per employee, or per employee `ids` names
    (each found as `find` finds it: an unknown id, or one not assessed, is an InputError); returns the pages."""
    rows = [find(result, i) for i in ids] if ids else None
    return slips.write_slips(result, path, rows, force)


def compare(before: str | Path, after: str | Path, scheme: Scheme | str | Path,
            scheme_after: Scheme | str | Path | None = None, today: date | None = None,
            sources: Mapping[str, str | Path] | None = None,
            sources_after: Mapping[str, str | Path] | None = None) -> Comparison:
    """Two rounds compared: each an input or a scored workbook, scored under its scheme (`scheme_after` where
    the scheme changed) with its sources (`sources_after`, else the same); a scored BEFORE's 改进计划 rows with
    an owner and a deadline are followed up."""
    first = score(before, scheme, sources=sources)
    second = score(after, scheme_after or first.scheme, sources=sources if sources_after is None else sources_after)
    return comparison(first, second, read_plan(Path(before), first.scheme.language), today)


def write_comparison(found: Comparison, path: str | Path, fmt: str, force: bool = True) -> None:
    """A comparison as a workbook or as JSON, atomically."""
    if fmt == "xlsx":
        write_compare_workbook(found, Path(path), force)
    else:
        _save_json(comparison_document(found), Path(path), force)


def make_template(scheme: Scheme, target: Path, roster: Path | None = None, force: bool = False
                  ) -> tuple[int, int, list[Finding]]:
    """Write the input template (pre-filled from a roster file); returns its column and row counts and the
    roster's notices."""
    check_output(target, [p for p in (Path(scheme.source.path) if scheme.source else None, roster) if p], force)
    people = read_roster(roster, scheme) if roster is not None else None
    write_template(scheme, target, people.frame if people is not None else None, force)
    rows = max(MIN_ROWS, len(people.frame) if people is not None else 0)
    return len(input_columns(scheme)), rows, people.warnings if people is not None else []
