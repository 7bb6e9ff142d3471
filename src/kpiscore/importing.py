"""`kpiscore import`: a department's own KPI table made a scheme, never silently wrong.

The table is read (`io.kpitable`), drafted row by row (`core.kpitable`, each 评分标准 by the phrase grammar), put
into commented YAML (`io.schemetext`) and checked as any scheme is (`core.checks`): a problem the checks find is
put back at its row's cell. What is not understood is a finding at its cell and a `TODO` in the draft.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .core.checks import check_scheme
from .core.document import data_language
from .core.kpitable import Cell, Drafted, Item, cell_text, draft
from .core.scheme import Adjustment, Indicator
from .errors import Finding, InputError, UsageError
from .io.formats.grid import Grid
from .io.kpitable import Recorded, open_table, read_kpi_table, read_recorded
from .io.output import atomic_write, check_output
from .io.schemetext import KeyPath, scheme_text
from .io.tables import Source, column_letter
from .io.workbook import grades_table, rule_words, scheme_table
from .io.yamlio import load_yaml
from .text import msg, voice

#: the field a column of the Scheme sheet shows (its others all say the rule)
_SHOWN_FIELD = {1: "name", 3: "weight", 4: "target", 5: "direction"}
#: the column a finding about a field is shown at, where the table has it
_FIELD_COLUMN = {"weight": "weight", "target": "target", "direction": "target", "name": "indicator"}


@dataclass
class Imported:
    """A table imported: the scheme as YAML text (with `TODO` where a rule is not understood) and as data,
    the findings that keep it from being used (each at its cell), and the readings to check (notes)."""

    text: str
    data: dict[str, Any]
    source: Source
    findings: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    count: int = 0

    @property
    def todo(self) -> int:
        return len(re.findall(r": TODO$", self.text, flags=re.M))


def import_table(path: str | Path, sheet: str | None = None, lang: str = "zh") -> Imported:
    """Read a KPI table (xlsx, xls, ods, csv, an HTML .xls, docx) into a scheme; see the module's note."""
    path = Path(path)
    opened = open_table(path)
    recorded = read_recorded(opened) if sheet is None else None
    if recorded is not None:
        return _given_back(recorded, lang)
    name, headings, rows, src = read_kpi_table(opened, sheet)
    drafted = draft(name, headings, rows)
    if not drafted.dimensions and not drafted.findings:
        raise InputError([src.at("import_empty", {})])
    items = _items(drafted)
    place = f"{src.file} › {src.sheet}" if src.sheet else src.file
    head = [msg("import_header", lang, source=place), msg("import_grades", lang)]
    comments = {path_: _comments(item, lang) for path_, item in items.items()}
    data = drafted.scheme()
    text, owner = scheme_text(data, comments, head)
    out = Imported(text, data, src, [_at(f, src) for f in drafted.findings], [_at(f, src) for f in drafted.notes],
                   sum(len(d[2]) for d in drafted.dimensions))
    if not out.findings:
        out.findings += [_at(f, src) for f in _checked(text, path.name, owner, items, headings)]
    return out


def _items(drafted: Drafted) -> dict[KeyPath, Item]:
    found: dict[KeyPath, Item] = {}
    for i, (_, _, items) in enumerate(drafted.dimensions):
        for j, item in enumerate(items):
            found[("dimensions", i, "indicators", j)] = item
    for k, item in enumerate(drafted.adjustments):
        found[("adjustments", k)] = item
    return found


def _comments(item: Item, lang: str) -> list[str]:
    """Above an item: the table's text with its cell, the rule in kpiscore's words, the readings to check."""
    lines = []
    rule = item.cells.get("rule")
    if rule is not None:
        lines.append(msg("import_original", lang, cell=rule.address) + "：" + rule.text)
    for role in ("target", "source", "period"):
        cell = item.cells.get(role)
        if cell is not None and cell.text:
            lines.append(f"{cell.address}：{cell.text}")
    words = _words(item, lang)
    if words:
        lines.append(msg("import_reads", lang) + "：" + words)
    for note in item.understood.notes:
        lines.append(msg("import_note", lang) + "：" + msg(note.code, lang, **note.params))
    return lines


def _words(item: Item, lang: str) -> str:
    """The rule said back (`deduct: 目标 85%，每低于目标 1% 扣 2 分`), from the item as the scheme model reads
    it; none for an item whose rule is a TODO or whose weight is a share of its dimension."""
    fields = item.fields
    if fields.get("rule") == "TODO" or isinstance(fields.get("weight"), str):
        return ""
    try:
        model = Adjustment.model_validate(fields) if item.adjustment else Indicator.model_validate(fields)
    except ValueError:
        return ""
    return rule_words(model, voice(lang))


def _checked(text: str, file: str, owner: dict[int, KeyPath], items: dict[KeyPath, Item],
             headings: dict[str, Cell]) -> list[Finding]:
    """The draft checked as a scheme file is; each problem at the cell of the row and column it is about."""
    doc, findings = load_yaml(text, file)
    if doc is not None:
        _, more = check_scheme(doc, voice("zh"))
        findings += more
    out = []
    for f in findings:
        item = items.get(owner.get(f.line or 0, ()))
        if item is None:  # about the whole table (the weights' sum): at the weight column's heading
            cell = headings.get("weight") or next(iter(headings.values()))
        else:
            role = _FIELD_COLUMN.get((f.field or "").split(".")[-1].split("[")[0], "rule")
            cell = item.cells.get(role) or item.cells.get("rule") or next(iter(item.cells.values()))
        out.append(replace(f, file=None, line=None, field=None, cell=cell.address))
    return out


def _given_back(recorded: Recorded, lang: str) -> Imported:
    """A scored workbook's scheme given back: the document it recorded, where its Scheme sheet still shows
    that scheme cell for cell. A cell changed since is a finding there (edit the scheme file, not the sheet),
    and the part it shows is a TODO in a draft: never silently the recorded value, never a guess at the edit."""
    data = recorded.data
    doc, _ = load_yaml(json.dumps(data, ensure_ascii=False), recorded.src.file)
    scheme = check_scheme(doc, voice(data_language(data)))[0] if doc is not None else None
    if scheme is None:
        raise InputError([recorded.src.at("import_record_damaged", {})])
    say = voice(scheme.language)
    rules = scheme_table(scheme)
    paths = [loc for loc, _ in scheme.locations()]  # in the order the Scheme sheet lists them
    title = scheme.name + (f" · {scheme.period}" if scheme.period else "")
    expected: dict[tuple[int, int], tuple[Any, KeyPath]] = {(0, 0): (title, ("name",))}
    for j, heading in enumerate(rules.columns):
        expected[(2, j)] = (heading, ())
    for i, row in enumerate(rules.itertuples(index=False)):
        for j, value in enumerate(row):
            expected[(3 + i, j)] = (value, (*paths[i], _SHOWN_FIELD.get(j, "rule")))
    grades, top = grades_table(scheme), 3 + len(rules) + 2
    for j, heading in enumerate(grades.columns):
        expected[(top, j)] = (heading, ())
    for i, row in enumerate(grades.itertuples(index=False)):
        for j, value in enumerate(row):
            expected[(top + 1 + i, j)] = (value, ("grades",))
    data = json.loads(json.dumps(data))  # a copy to mark TODO in
    findings = []
    for (r, c), (value, where) in expected.items():
        shown = _cell(recorded.shown, r, c)
        if _same(shown, value):
            continue
        findings.append(Finding("import_sheet_edited", {"shown": cell_text(shown), "recorded": cell_text(value)},
                                file=recorded.src.file, sheet=recorded.src.sheet, cell=f"{column_letter(c)}{r + 1}"))
        if where:
            _todo(data, where)
    comments = {p: [msg("import_reads", lang) + "：" + str(rules.iloc[i, 7])] for i, p in enumerate(paths)}
    head = [msg("import_given_back", lang, source=f"{recorded.src.file} › {recorded.src.sheet}", name=say.label(
        "scheme_sheet"))]
    text, _ = scheme_text(data, comments, head)
    return Imported(text, data, recorded.src, findings, [], sum(len(d.indicators) for d in scheme.dimensions))


def _cell(grid: Grid, row: int, col: int) -> Any:
    i, j = row - grid.top, col - grid.left
    return grid.rows[i][j] if 0 <= i < len(grid.rows) and 0 <= j < len(grid.rows[i]) else None


def _same(shown: Any, value: Any) -> bool:
    """A cell shows what the scheme writes there: the same text, or the same number as Excel keeps it."""
    a, b = cell_text(shown).strip(), cell_text(value).strip()
    if a == b:
        return True
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    except ValueError:
        return False


def _todo(data: dict[str, Any], where: KeyPath) -> None:
    """Mark the field a changed cell shows as not settled."""
    node: Any = data
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = "TODO"


def _at(f: Finding, src: Source) -> Finding:
    return replace(f, file=src.file, sheet=src.sheet)


def write_imported(imported: Imported, target: str | Path, draft: bool = False, force: bool = False,
                   inputs: list[Path] | None = None) -> Path:
    """Write the imported scheme; a table not wholly understood is written only as a `draft` (with its
    TODOs), and otherwise raises its findings."""
    target = Path(target)
    if target.suffix.lower() not in (".yaml", ".yml"):
        raise UsageError([Finding("init_suffix", {"path": str(target)})])
    if imported.findings and not draft:
        raise InputError(imported.findings)
    check_output(target, inputs or [], force)
    atomic_write(target, lambda tmp: Path(tmp).write_text(imported.text, encoding="utf-8"), force)
    return target
