"""The `kpiscore` command: parse options, call the library, render results; nothing else lives here."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from . import api, console
from .errors import Finding, KpiscoreError, UsageError
from .text import msg
from .version import __version__

app = typer.Typer(
    name="kpiscore", no_args_is_help=True, add_completion=False, rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
    help="Score KPI assessments (绩效考核) from a YAML indicator scheme into auditable workbooks.",
)

SchemeOption = Annotated[str, typer.Option(
    "--scheme", "-s", help="Scheme YAML file, or a starter scheme's name (see `kpiscore schemes`).")]
ActualsArg = Annotated[Path, typer.Argument(help="Filled input: xlsx, xlsm, xls, ods, csv or tsv.")]
SheetOption = Annotated[str | None, typer.Option("--sheet", help="Sheet to read (default: the first with a header).")]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace an existing output.")]
SourceOption = Annotated[list[str] | None, typer.Option(
    "--source", help="A source the scheme declares, as name=file (e.g. chats=chats.csv); repeat for several.")]
PeriodOption = Annotated[str | None, typer.Option(
    "--period", help="The period (2024Q1, 2024-03): its dates keep a source's rows (default: the scheme's).")]
AdjustOption = Annotated[Path | None, typer.Option(
    "--adjust", help="Calibrations and appeals: a file of 工号, 项目 (总分/等级), 调整为, 原因, 批准人.")]
OptionalActuals = Annotated[Path | None, typer.Argument(
    help="Filled input: xlsx, xlsm, xls, ods, csv or tsv (a roster will do when every indicator is a measure; "
         "none: the people are the ids in the sources).")]


@dataclass
class _Run:
    """One command's settings: the language its messages are in (the scheme's, once loaded) and --debug."""

    debug: bool
    lang: str = "zh"


def _version(value: bool) -> None:
    if value:
        console.out.print(f"kpiscore {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback for errors.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Score KPI assessments (绩效考核) from a YAML indicator scheme into auditable workbooks."""


@contextmanager
def _reported(ctx: typer.Context) -> Iterator[_Run]:
    """Render user errors as a list and exit 1 (scheme, data) or 2 (usage), without a traceback."""
    run = _Run(debug=bool(ctx.find_root().params.get("debug")))
    try:
        yield run
    except KpiscoreError as exc:
        if run.debug:
            raise
        console.findings(exc.findings, exc.lang or run.lang)
        raise typer.Exit(2 if isinstance(exc, UsageError) else 1) from None


def _scheme(run: _Run, source: str, *inputs: Path | None) -> api.Scheme:
    """Load the scheme (its language is the language of every later message), then check the inputs."""
    scheme = api.load_scheme(source)
    run.lang = scheme.language
    api.check_inputs([p for p in inputs if p is not None])
    return scheme


@dataclass
class _Round:
    """What a scoring command reads: the scheme (loaded, its language the run's), the input, the sources and
    the adjustments, each file checked to exist first."""

    scheme: api.Scheme
    actuals: Path | None
    sources: dict[str, Path]
    adjust: Path | None
    sheet: str | None
    period: str | None

    @property
    def files(self) -> list[Path]:
        """Every file the round reads, which no output may overwrite."""
        return [p for p in (self.actuals, self.adjust, *self.sources.values()) if p]

    @property
    def first(self) -> Path | None:
        """The file an output is named after: the input, else the first source."""
        return self.actuals or next(iter(self.sources.values()), None)

    def score(self) -> api.Result:
        return api.score(self.actuals, self.scheme, sheet=self.sheet, period=self.period, sources=self.sources,
                         adjust=self.adjust)


def _round(run: _Run, scheme: str, actuals: Path | None, sheet: str | None, source: list[str] | None,
           period: str | None, adjust: Path | None = None) -> _Round:
    sources = _sources(source)
    loaded = _scheme(run, scheme, actuals, adjust, *sources.values())
    return _Round(loaded, actuals, sources, adjust, sheet, period)


@app.command()
def score(
    ctx: typer.Context,
    scheme: SchemeOption,
    actuals: OptionalActuals = None,
    output: Annotated[str | None, typer.Option(
        "--output", "-o",
        help="Output file; `-` writes JSON or CSV to stdout. Default: <input>_scored.<format>.")] = None,
    sheet: SheetOption = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", help="xlsx, csv or json (default: from the output's suffix, else xlsx).")] = None,
    force: ForceOption = False,
    source: SourceOption = None,
    period: PeriodOption = None,
    adjust: AdjustOption = None,
) -> None:
    """Score every employee of one input and write the scored workbook (or CSV / JSON)."""
    with _reported(ctx) as run:
        r = _round(run, scheme, actuals, sheet, source, period, adjust)
        s, first = r.scheme, r.first
        fmt = _format(fmt, output)
        target = None
        if output != "-":
            if first is None:
                raise UsageError([Finding("nothing_to_score", {})])
            target = Path(output) if output else first.with_name(f"{first.stem}_scored.{fmt}")
            api.check_output(target, r.files, force)
        with console.progress(2) as step:
            step(first.name if first else "-", False)
            result = r.score()
            step(str(target or "-"), True)
            if target is not None:
                api.write_result(result, target, fmt, force)
            step(str(target or "-"), True)
        console.warnings(result.warnings, run.lang)
        if target is None:
            (api.write_json if fmt == "json" else api.write_csv)(result, sys.stdout)
            return
        console.info(msg("written", s.language, path=str(target), count=len(result.people)))
        console.summary(result)


def _sources(given: list[str] | None) -> dict[str, Path]:
    """`--source chats=chats.csv` options as name → path; a malformed or repeated one is a usage error."""
    out: dict[str, Path] = {}
    for text in given or []:
        name, sep, path = text.partition("=")
        if not sep or not name.strip() or not path.strip() or name.strip() in out:
            raise UsageError([Finding("source_option", {"value": text})])
        out[name.strip()] = Path(path.strip())
    return out


def _format(fmt: str | None, output: str | None) -> str:
    """The output format from --format, else the output's suffix, else xlsx (json on stdout); a suffix that
    is no format, or that disagrees with --format, is a usage error rather than a file no program opens."""
    suffix = Path(output).suffix.lower().lstrip(".") if output and output != "-" else ""
    if suffix and suffix not in api.FORMATS:
        raise UsageError([Finding("output_suffix", {"suffix": "." + suffix})])
    if fmt is None:
        fmt = suffix or ("json" if output == "-" else "xlsx")
    fmt = fmt.lower()
    if fmt not in api.FORMATS:
        raise UsageError([Finding("format_unknown", {"format": fmt})])
    if suffix and suffix != fmt:
        raise UsageError([Finding("output_suffix_format", {"suffix": "." + suffix, "format": fmt})])
    if output == "-" and fmt == "xlsx":
        raise UsageError([Finding("stdout_xlsx", {})])
    return fmt


@app.command()
def template(
    ctx: typer.Context,
    scheme: SchemeOption,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Where to write it (default <scheme name>_template.xlsx here).")] = None,
    roster: Annotated[Path | None, typer.Option(
        "--roster", help="xlsx or csv with ids, names (and groups) to pre-fill.")] = None,
    force: ForceOption = False,
) -> None:
    """Write the blank input workbook for a scheme, with notes, validation and instructions."""
    with _reported(ctx) as run:
        s = _scheme(run, scheme, roster)
        source = Path(s.source.path) if s.source else Path(scheme)
        target = output or Path(f"{source.stem}_template.xlsx")
        if target.suffix.lower() != ".xlsx":
            raise UsageError([Finding("output_suffix", {"suffix": target.suffix})])
        columns, rows, notices = api.make_template(s, target, roster, force)
        console.warnings(notices, run.lang)
        console.info(msg("template_written", s.language, path=str(target), columns=columns, rows=rows))


@app.command()
def validate(
    ctx: typer.Context,
    scheme: SchemeOption,
    actuals: Annotated[Path | None, typer.Argument(help="An input to check too.")] = None,
    sheet: SheetOption = None,
    source: SourceOption = None,
    period: PeriodOption = None,
) -> None:
    """Check a scheme (and optionally an input and the sources) and report every problem; writes nothing."""
    with _reported(ctx) as run:
        r = _round(run, scheme, actuals, sheet, source, period)
        s = r.scheme
        console.info(msg("scheme_ok", s.language, name=s.name, dimensions=len(s.dimensions),
                         indicators=len(s.indicators), total=f"{sum(i.weight for i in s.indicators):g}"))
        if not r.files:
            console.warnings(api.lint(s), run.lang)
            return
        result = r.score()
        files = "、".join(p.name for p in r.files)
        console.info(msg("input_ok", s.language, file=files, count=len(result.people)))
        console.warnings(result.warnings, run.lang)


@app.command()
def explain(
    ctx: typer.Context,
    scheme: SchemeOption,
    employee: Annotated[str, typer.Option("--id", help="The employee's id (工号).")],
    actuals: OptionalActuals = None,
    sheet: SheetOption = None,
    source: SourceOption = None,
    period: PeriodOption = None,
    adjust: AdjustOption = None,
) -> None:
    """Show one employee's calculation, indicator by indicator."""
    with _reported(ctx) as run:
        result = _round(run, scheme, actuals, sheet, source, period, adjust).score()
        reason = api.not_assessed(result, employee)
        if reason is not None:  # a normal answer: nothing was calculated, and why
            console.info(msg("employee_not_assessed", run.lang, id=employee, reason=reason))
            return
        lines = api.explain(result, employee)
        console.explanation(result, api.find(result, employee), lines)


@app.command()
def slips(
    ctx: typer.Context,
    scheme: SchemeOption,
    actuals: OptionalActuals = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="The slips workbook (default: <input>_slips.xlsx).")] = None,
    employee: Annotated[list[str] | None, typer.Option(
        "--id", help="Only this employee's slip (工号); repeat for several.")] = None,
    sheet: SheetOption = None,
    force: ForceOption = False,
    source: SourceOption = None,
    period: PeriodOption = None,
    adjust: AdjustOption = None,
) -> None:
    """Write a printable A4 page per employee for the feedback talk (个人绩效考核表)."""
    with _reported(ctx) as run:
        r = _round(run, scheme, actuals, sheet, source, period, adjust)
        first = r.first
        if first is None and output is None:
            raise UsageError([Finding("nothing_to_score", {})])
        target = output or first.with_name(f"{first.stem}_slips.xlsx")  # type: ignore[union-attr]
        if target.suffix.lower() != ".xlsx":
            raise UsageError([Finding("slips_suffix", {"suffix": target.suffix or target.name})])
        api.check_output(target, r.files, force)
        result = r.score()
        pages = api.write_slips(result, target, employee or None, force)
        console.warnings(result.warnings, run.lang)
        console.info(msg("slips_written", r.scheme.language, path=str(target), count=pages))


@app.command()
def compare(
    ctx: typer.Context,
    before: Annotated[Path, typer.Argument(help="The round before: an input or a scored workbook.")],
    after: Annotated[Path, typer.Argument(help="The round after: an input or a scored workbook.")],
    scheme: SchemeOption,
    scheme_after: Annotated[str | None, typer.Option(
        "--scheme-after", help="The scheme of the round after, where it changed.")] = None,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="Output file; `-` writes JSON to stdout. Default: <after>_compare.<format>.")] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="xlsx or json (default: from the output's "
                                                                     "suffix, else xlsx).")] = None,
    force: ForceOption = False,
    source: SourceOption = None,
    source_after: Annotated[list[str] | None, typer.Option(
        "--source-after", help="The round after's sources, where they differ from --source (name=file).")] = None,
) -> None:
    """Compare two rounds: per indicator, group and person before and after, the improvement plan followed up."""
    with _reported(ctx) as run:
        sources, later_sources = _sources(source), _sources(source_after) if source_after else None
        s = _scheme(run, scheme, before, after, *sources.values(), *(later_sources or {}).values())
        later = api.load_scheme(scheme_after) if scheme_after else None
        fmt = _format(fmt, output)
        if fmt == "csv":
            raise UsageError([Finding("output_suffix", {"suffix": ".csv"})])
        found = api.compare(before, after, s, later, sources=sources, sources_after=later_sources)
        if output == "-":
            api.write_plain_json(api.comparison_document(found), sys.stdout)
            return
        target = Path(output) if output else after.with_name(f"{after.stem}_compare.{fmt}")
        api.check_output(target, [before, after, *sources.values(), *(later_sources or {}).values()], force)
        api.write_comparison(found, target, fmt, force)
        console.info(msg("compare_written", s.language, path=str(target), count=len(found.people)))


@app.command()
def batch(
    ctx: typer.Context,
    plan: Annotated[Path, typer.Argument(help="The batch plan (YAML).")],
    force: Annotated[bool, typer.Option("--force", help="Replace outputs of an earlier run.")] = False,
    slips: Annotated[bool, typer.Option(
        "--slips", help="Also write each period's slips (个人绩效考核表) and each roll-up's.")] = False,
) -> None:
    """Score several periods (and schemes by role) in one run, then write the roll-up workbook."""
    with _reported(ctx) as run:
        api.check_inputs([plan])
        loaded = api.load_plan(plan)
        run.lang = loaded.lang
        with console.progress(len(loaded.plan.periods) + 1) as step:
            report = api.run_batch(loaded, force, step, slips=slips)
        said = set(report.warnings)  # the schemes' own warnings, said once rather than once a period
        console.warnings(report.warnings, run.lang)
        for outcome in report.outcomes:
            for result in outcome.results.values():
                console.warnings([w for w in result.warnings if w not in said], run.lang)
                said.update(result.warnings)
            if outcome.ok:
                paths = ", ".join(str(p) for p in outcome.outputs)
                console.info(msg("period_written", run.lang, period=outcome.period, paths=paths))
            else:
                console.info(msg("period_failed", run.lang, period=outcome.period))
                console.findings(outcome.findings, run.lang)
        if report.rollup_path is None:
            console.info(msg("rollup_skipped", run.lang))
            raise typer.Exit(1)
        for path, count in report.rollups:
            console.info(msg("rollup_written", run.lang, path=str(path), count=count))


@app.command()
def measures(
    ctx: typer.Context,
    scheme: SchemeOption,
    sql: Annotated[bool, typer.Option("--sql", help="Print each measure as SQL (one GROUP BY) instead of words.")
                   ] = False,
    period: PeriodOption = None,
    dialect: Annotated[str, typer.Option(
        "--dialect", help="The SQL's dialect: duckdb, sqlite, postgres, spark, hive, clickhouse or mysql.")
                       ] = "duckdb",
) -> None:
    """Show the scheme's measures in words, or as SQL a data team runs on its own warehouse."""
    with _reported(ctx) as run:
        s = _scheme(run, scheme)
        for name, text in api.measure_texts(s, sql=sql, period=period, dialect=dialect):
            console.out.print(text if sql else f"{name}: {text}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def schemes(ctx: typer.Context) -> None:
    """List the starter schemes that `init` copies and `--scheme` accepts by name."""
    with _reported(ctx):
        console.starters(api.starters())


@app.command()
def init(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A starter scheme's name, as `kpiscore schemes` lists it.")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Where to write it (default NAME.yaml).")] = None,
    force: ForceOption = False,
) -> None:
    """Copy a starter scheme, comments and all, to edit into your own."""
    with _reported(ctx) as run:
        target = api.init_scheme(name, output, force)
        console.info(msg("created", run.lang, path=str(target), name=name))


@app.command("import")
def import_(
    ctx: typer.Context,
    table: Annotated[Path, typer.Argument(
        help="Your KPI table: xlsx, xls, ods, csv, an HTML .xls, or docx, with 指标名称 and 评分标准 columns.")],
    sheet: SheetOption = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Where to write the scheme (default <table>.yaml beside the table).")] = None,
    draft: Annotated[bool, typer.Option(
        "--draft", help="Write the scheme even where a rule is not understood, with TODO there.")] = False,
    force: ForceOption = False,
) -> None:
    """Turn a department's own KPI table into a commented scheme; never guesses a rule it cannot read."""
    with _reported(ctx) as run:
        api.check_inputs([table])
        imported = api.import_table(table, sheet)
        target = output or table.with_suffix(".yaml")
        console.warnings(imported.notes, run.lang)
        if imported.findings and not draft:
            console.findings(imported.findings, run.lang)
            console.info(msg("import_not_written", run.lang, count=len(imported.findings)))
            raise typer.Exit(1)
        if imported.findings:
            console.findings(imported.findings, run.lang)
        api.write_imported(imported, target, draft=draft, force=force, inputs=[table])
        code = "import_draft_written" if imported.findings else "import_written"
        console.info(msg(code, run.lang, path=str(target), count=imported.count, todo=imported.todo))


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM ends the run like Ctrl+C: through every `finally`, so no temporary file stays behind. During
    an import (start-up, a command's first use of pandas) it ends at once instead: an exception there would
    leave a half-imported module that the `finally` blocks then trip over, and nothing is written yet. An
    import is told by its frames (importlib's own), never by touching modules: that would load a lazy one."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            os._exit(128 + signum)
        frame = frame.f_back
    raise SystemExit(128 + signum)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
