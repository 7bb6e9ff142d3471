"""The library API: everything the command line does, callable from Python or a notebook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .engine import Result, evaluate, missing_problems
from .errors import Finding, InputError
from .i18n import msg
from .lint import lint_result, lint_scheme
from .output import atomic_write, write_csv, write_json
from .readers import Actuals, read_actuals
from .scheme import Scheme, load_scheme
from .values import fold
from .workbook import write_workbook


def score(actuals: Actuals | str | Path | pd.DataFrame, scheme: Scheme | str | Path | dict,
          sheet: str | None = None, period: str | None = None) -> Result:
    """Score actuals (read from a file or a DataFrame if they are not read yet) under a scheme.

    Raises SchemeError or InputError carrying every problem found.
    """
    if not isinstance(scheme, Scheme):
        scheme = load_scheme(scheme)
    if not isinstance(actuals, Actuals):
        actuals = read_actuals(actuals, scheme, sheet)
    problems = list(missing_problems(actuals.frame, scheme))
    if problems:  # reachable only with a frame that did not come through read_actuals
        lang = scheme.language
        raise InputError([actuals.source.at(p.code, msg(p.code, lang, indicator=p.column), p.row, p.column)
                          for p in problems])
    result = evaluate(actuals.frame, scheme, period)
    result.sources = [actuals.source]
    result.warnings = [*actuals.warnings, *lint_scheme(scheme), *lint_result(result)]
    return result


def lint(scheme: Scheme | str | Path | dict, actuals: Actuals | str | Path | pd.DataFrame | None = None,
         sheet: str | None = None) -> list[Finding]:
    """The warnings `validate` prints: scheme traps, and with actuals everything a run would warn about."""
    if not isinstance(scheme, Scheme):
        scheme = load_scheme(scheme)
    if actuals is None:
        return lint_scheme(scheme)
    return score(actuals, scheme, sheet).warnings


def explain(result: Result, employee_id: str) -> pd.DataFrame:
    """One employee's calculation, indicator by indicator: what `kpiscore explain` prints."""
    rows = result.people.index[result.people["id"] == fold(str(employee_id))]
    if not len(rows):
        raise InputError([Finding("employee_unknown", msg("employee_unknown", result.lang, id=employee_id))])
    row = rows[0]
    audit = result.audit().loc[row]
    lines = []
    for dim in result.scheme.dimensions:
        for ind in dim.indicators:
            lines.append({"dimension": dim.name, "indicator": ind.name, "weight": ind.weight,
                          "calculation": audit[ind.name], "score": result.scores.at[row, ind.name]})
    for adj in result.scheme.adjustments:
        value = result.adjustments.at[row, adj.name]
        lines.append({"dimension": "", "indicator": adj.name, "weight": None, "calculation": audit[adj.name],
                      "score": None if adj.rule.type == "veto" else value})
    frame = pd.DataFrame(lines)
    frame.attrs["row"] = row  # the input row, for callers that want the person's totals too
    return frame


def write_result(result: Result, path: Path, fmt: str, force: bool = True) -> None:
    """Write a result as xlsx, csv (UTF-8 with BOM, for Excel) or json, atomically; without `force` an
    existing file is never replaced."""
    if fmt == "xlsx":
        write_workbook(result, path, force)
        return

    def write(tmp: Path) -> None:
        encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
        with tmp.open("w", encoding=encoding, newline="") as out:
            (write_csv if fmt == "csv" else write_json)(result, out)

    atomic_write(path, write, result.lang, force)
