"""The checks of a scheme across its fields, over the raw YAML document as well as the models: weights that do
not add up, grades out of order, names that head two columns, a column with two roles, sources and payouts that
do not fit. Each problem is collected with its place, never raised on the first (`check_scheme`)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from pydantic import (
    BaseModel,
    ValidationError,
)

from ..errors import Finding
from .document import YamlDoc
from .measures import period_days
from .rulebase import Problem
from .rules import RULES
from .say import Say, Term
from .scheme import Adjustment, Columns, Grade, Indicator, Scheme, SchemeSource
from .values import PERCENT_MAX, fold, one, parse_number, usable


def _indicator_problems(ind: Indicator | Adjustment, loc: tuple[str | int, ...], personal: bool
                        ) -> Iterator[Problem]:
    """The rule's own problems on this indicator, and a bare number where a percent indicator wants a %;
    `personal`: the scheme has a targets source."""
    extra = getattr(ind, "extra", None) or 0.0
    for p in ind.rule.problems(getattr(ind, "weight", None), ind.target, ind.direction == "higher", extra):
        if not (p.code == "target_missing" and (ind.target_column or personal)):  # every row may bring its own
            yield Problem(p.code, p.params, (*loc, *p.loc))
    if ind.target_column and not ind.rule.needs_target:
        yield Problem("target_column_rule", {"type": ind.rule.type}, (*loc, "target_column"))
    if ind.actual is not None and ind.rule.value_kind != "number":  # a label, a rating or a count is no ratio
        yield Problem("actual_ratio_rule", {"type": ind.rule.type}, (*loc, "actual"))
    if ind.percent:
        quantities = [(("target",), ind.target)] if ind.target is not None else []
        for where, q in [*quantities, *ind.rule.in_unit()]:
            if not q.percent and abs(q.value) > PERCENT_MAX:
                yield Problem("percent_bare", {"value": q.text, "pct": q.text, "frac": one(q.value / 100)},
                              (*loc, *where))


def _scheme_problems(
    grades: list[tuple[tuple, Grade]],
    items: list[tuple[tuple, Indicator | Adjustment]],
    raw: dict[str, Any],
    columns: Columns | None,
    say: Say,
    sum_checked: bool = False,
) -> Iterator[Problem]:
    total = _number(raw.get("total", 100))
    weights = [_number(w) for w in _raw_weights(raw)]
    if total is not None and weights and all(w is not None for w in weights) and not sum_checked:
        s = sum(weights)  # type: ignore[arg-type]
        if abs(s - total) > 1e-9 * max(1.0, abs(total)):
            yield Problem("weights_sum", {"sum": one(s), "total": one(total)}, ("dimensions",))
    yield from grade_problems(grades)
    quota = raw.get("quota")
    if isinstance(quota, dict) and quota.get("scope") == "group" and columns is not None and not columns.group:
        yield Problem("quota_scope_group", {}, ("quota", "scope"))
    seen_grades = {g.grade for _, g in grades}
    names: set[str] = set()
    for loc, name in _raw_names(raw):
        if name in names:
            yield Problem("name_duplicate", {"name": name}, (*loc, "name"))
        names.add(name)
    yield from _heading_problems(items, raw, columns, say)
    kinds: dict[str, tuple[str, bool]] = {}
    reserved = {fold(c) for c in (columns.id, columns.name, columns.group, columns.base) if c} if columns else set()
    status = raw.get("participation", {}).get("column") if isinstance(raw.get("participation"), dict) else None
    if isinstance(status, str):
        if fold(status) in reserved:
            yield Problem("column_reserved", {"column": status}, ("participation", "column"))
        reserved.add(fold(status))
    for loc, item in items:
        veto_grade = item.rule.grade_named()
        if veto_grade and grades and veto_grade not in seen_grades:
            yield Problem("veto_grade_unknown", {"grade": veto_grade}, (*loc, "rule", "grade"))
        for column in item.inputs:
            key = fold(column)
            if key in reserved:
                yield Problem("column_reserved", {"column": column}, (*loc, "column"))
            kind = (item.rule.value_kind, item.percent)
            if kinds.setdefault(key, kind) != kind:
                yield Problem("column_conflict", {"column": column}, (*loc, "column"))
    yield from _rank_problems(items, columns)


def _source_problems(scheme: Scheme) -> Iterator[Problem]:
    """Sources, measures and the targets source: each measure by itself, each named source declared and
    keyed by employee, and each measure read by a rule that takes its kind of number."""
    for name, spec in scheme.sources.items():
        yield from (Problem(p.code, p.params, ("sources", name, *p.loc)) for p in spec.problems())
    if scheme.period_dates is not None:
        days = period_days(None, list(scheme.period_dates))
        if days is None or days[0] > days[1]:
            yield Problem("period_dates_invalid", {"dates": " – ".join(scheme.period_dates)}, ("period_dates",))
    named: list[tuple[tuple[str | int, ...], str]] = [(("measures", name), m.source)
                                                      for name, m in scheme.measures.items()]
    if scheme.targets is not None:
        named.append((("targets",), scheme.targets.source))
    places = {item.name: where for where, item in scheme.locations()}
    named += [((*places[item.name], "rule"), rule.source or "") for item, rule in scheme.long_ratings()]
    for loc, source in named:
        declared = scheme.sources.get(source)
        if declared is None:
            known = ", ".join(scheme.sources) or "—"
            yield Problem("source_unknown", {"source": source, "sources": known}, (*loc, "source"))
        elif declared.id is None:
            yield Problem("source_not_by_id", {"source": source}, (*loc, "source"))
    for name, m in scheme.measures.items():
        yield from (Problem(p.code, p.params, ("measures", name, *p.loc)) for p in m.problems())
        if m.source in scheme.sources:
            spec = scheme.sources[m.source]
            yield from (Problem(p.code, p.params, ("measures", name, *p.loc)) for p in m.role_problems(spec))
    yield from _read_two_ways(scheme)
    yield from _rating_role_problems(scheme, places)
    yield from _payout_problems(scheme)
    yield from _role_problems(scheme)
    for where, item in scheme.locations():
        for column in item.inputs:
            measure = scheme.measure(column)
            if measure is None:
                continue
            counted = item.actual is not None or item.rule.value_kind == "count"
            agg = measure.agg
            if item.rule.value_kind not in ("number", "count") or (counted and agg not in ("count", "sum")):
                yield Problem("measure_rule", {"measure": column, "agg": agg, "type": item.rule.type},
                              (*where, "column"))
            elif item.actual is None and measure.percent != item.percent:
                code = "measure_percent" if measure.percent else "measure_not_percent"
                yield Problem(code, {"measure": column, "agg": agg}, (*where, "column"))


def _read_two_ways(scheme: Scheme) -> Iterator[Problem]:
    """A source's column is read as numbers or as text, not both: `of: 时长` beside `where: {时长: 无}` in
    any measure of that source."""
    for source in scheme.sources:
        measures = [(name, m) for name, m in scheme.measures.items() if m.source == source]
        numbers = {c for _, m in measures for c in m.numbers()}
        for name, m in measures:
            for column in m.where:
                if fold(column) in m.texts() and fold(column) in numbers:
                    yield Problem("where_text_on_number", {"column": column}, ("measures", name, "where", column))


def _rating_role_problems(scheme: Scheme, places: dict[str, tuple[str | int, ...]]) -> Iterator[Problem]:
    """A ratings source's ratee id, rater, role and score are four columns: a rater column that is the id
    would make every rating a self-rating."""
    for item, rule in scheme.long_ratings():
        spec = scheme.sources.get(rule.source or "")
        roles = [("id", spec.id if spec else None), ("rater", rule.rater), ("role", rule.role_column),
                 ("score", rule.score_column)]
        seen: dict[str, str] = {}
        for role, column in roles:
            if column is None:
                continue
            first = seen.setdefault(fold(column), role)
            if first != role:
                said = {"column": column, "first": Term(f"role_{first}"), "second": Term(f"role_{role}")}
                yield Problem("rating_column_role", said, (*places[item.name], "rule", role))


def _role_problems(scheme: Scheme) -> Iterator[Problem]:
    """A column of the input has one role: a personal target column or a payout column is no identity,
    status or input column, nor one of the other's (the inputs among themselves and against the identity
    are `_scheme_problems`' `column_reserved` and `column_conflict`)."""
    cols = scheme.columns
    roles: dict[str, str] = {}
    for role, column in (("id", cols.id), ("name", cols.name), ("group", cols.group if cols.group and
                         "group" in cols.model_fields_set else None), ("base", cols.base)):
        if column:
            roles.setdefault(fold(column), role)
    if scheme.participation:
        roles.setdefault(fold(scheme.participation.column), "status")
    for _, item in scheme.locations():
        for column in item.inputs:
            if scheme.from_source(column) is None:
                roles.setdefault(fold(column), "input")
    claims: list[tuple[str, str, tuple[str | int, ...]]] = [
        (item.target_column, "target", (*where, "target_column"))
        for where, item in scheme.locations() if item.target_column]
    spec = scheme.pay
    if spec is not None and scheme.payout is not None:
        if spec.mode == "pool" and spec.weight:
            claims.append((spec.weight, "payout", ("payout", "weight")))
        if spec.prorate:
            claims += [(spec.prorate.column, "payout", ("payout", "prorate", "column")),
                       (spec.prorate.of, "payout", ("payout", "prorate", "of"))]
        claims += [(c, "payout", ("payout", "units", "prices", c)) for c in spec.unit_columns]
    targets: set[str] = set()
    for column, role, loc in claims:
        key = fold(column)
        first = roles.setdefault(key, role)
        if first != role:
            yield Problem("column_role", {"column": column, "first": Term(f"role_{first}"),
                                          "second": Term(f"role_{role}")}, loc)
        elif role == "target" and key in targets:
            yield Problem("target_column_shared", {"column": column}, loc)
        if role == "target":
            targets.add(key)


def _payout_problems(scheme: Scheme) -> Iterator[Problem]:
    """The payout's mode and keys, its teams source (declared, one row per group, and groups to match), and
    coefficients to pay by."""
    spec = scheme.pay
    if scheme.payout is None or spec is None:
        return
    yield from (Problem(p.code, p.params, ("payout", *p.loc)) for p in spec.problems())
    if not any(g.coefficient is not None for g in scheme.grades):
        yield Problem("payout_no_coefficient", {}, ("payout",))
    source = spec.team_source
    where = ("payout", spec.mode, "source")
    if source is not None and source not in scheme.sources:
        yield Problem("source_unknown", {"source": source, "sources": ", ".join(scheme.sources) or "—"}, where)
    elif source is not None and scheme.sources[source].group is None:
        yield Problem("source_not_by_group", {"source": source}, where)
    if source is not None and not scheme.columns.group:
        yield Problem("payout_needs_group", {"source": source}, where)
    group = scheme.sources[source].group if source in scheme.sources else None
    for column in spec.team_columns if group else []:
        if fold(column) == fold(group or ""):
            loc = ("payout", "pool", "column") if spec.mode == "pool" else ("payout", "units", "prices", column)
            yield Problem("column_role", {"column": column, "first": Term("role_group"),
                                          "second": Term("role_payout")}, loc)


#: the grades of a scheme that names none: each one's name (a catalog label, in the scheme's language) and min
DEFAULT_GRADES = (("grade_default_top", 90), ("grade_default_good", 80), ("grade_default_pass", 70),
                  ("grade_default_low", 0))

#: the Scores sheet's own columns, which no indicator, dimension or adjustment may be named like
GENERATED = ("score_suffix", "subtotal_suffix", "bonus", "penalty", "total", "grade", "coefficient", "payout", "rank",
             "group_rank", "veto")


def _heading_problems(items: list[tuple[tuple, Indicator | Adjustment]], raw: dict[str, Any],
                      columns: Columns | None, say: Say) -> Iterator[Problem]:
    """Every column of the Scores sheet is named once: an indicator named 总分, an adjustment named 加分
    (the bonus total's column) or 客服响应 beside an indicator 客服响应得分 would make two columns of one
    name, and one of them would be lost. Clashes other checks name already (a duplicate name, an input
    column that is an identity column or is read two ways) are not said twice."""
    taken: dict[str, str] = {fold(say.label(key).strip()): "generated" for key in GENERATED}
    if columns is not None:
        for key in ("id", "name", "group", "base"):
            column = getattr(columns, key)
            if column and fold(column) in taken:  # group: 工号 would head two columns of Scores 工号
                yield Problem("name_collides", {"name": column}, ("columns", key))
            elif column:
                taken[fold(column)] = "identity"
    for _, dim in _raw_dimensions(raw):
        if isinstance(dim.get("name"), str):
            taken.setdefault(fold(dim["name"] + say.label("subtotal_suffix")), "generated")
    for loc, item in items:
        headings = [(item.name, "name", (*loc, "name"))]
        if item.column and fold(item.column) != fold(item.name) and item.rule.value_kind != "rating":
            headings.append((item.column, "column", (*loc, "column")))
        if isinstance(item, Indicator):
            headings.append((item.name + say.label("score_suffix"), "score", (*loc, "name")))
        inputs = {fold(c) for c in item.inputs}
        for heading, kind, where in headings:
            key = fold(heading)
            other = taken.get(key)
            said = (other == "identity" and key in inputs) or (other == kind and kind in ("name", "score")) or (
                other in ("name", "column") and key in inputs)
            presented = kind == "column" and other == "generated"  # an input 加分: the generated heading yields
            if other is not None and not said and not presented:
                yield Problem("name_collides", {"name": heading}, where)
        for heading, kind, _ in headings:
            taken.setdefault(fold(heading), kind)


def grade_problems(grades: list[tuple[tuple, Grade]]) -> Iterator[Problem]:
    """Grades go from the highest `min` down, each named once (schemes and a plan's roll-up grades)."""
    for (_, prev), (loc, g) in itertools.pairwise(grades):
        if g.min >= prev.min:
            yield Problem("grades_order", {"grade": g.grade, "min": one(g.min)}, (*loc, "min"))
    seen: set[str] = set()
    for loc, g in grades:
        for key in ("max_share", "min_share"):
            share = getattr(g, key)
            if share is not None and not 0 <= share.value <= 1:
                yield Problem("share_range", {"value": share.text}, (*loc, key))
        if g.grade in seen:
            yield Problem("grade_duplicate", {"grade": g.grade}, (*loc, "grade"))
        seen.add(g.grade)


def _number(value: Any) -> float | None:
    """A raw YAML value as a usable number, or None (its own field says what is wrong with it)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if usable(number) else None


def _rank_problems(items: list[tuple[tuple, Indicator | Adjustment]], columns: Columns | None) -> Iterator[Problem]:
    """A rank ranks by an indicator of the scheme, within groups only where there are groups, and reads no
    column of its own."""
    indicators = {i.name for _, i in items if isinstance(i, Indicator)}
    for loc, item in items:
        rank = item.rank if isinstance(item, Adjustment) else None
        if rank is None:
            continue
        if rank.of is not None and rank.of not in indicators:
            yield Problem("rank_unknown", {"name": rank.of}, (*loc, "rank", "of"))
        if rank.within == "group" and columns is not None and not columns.group:
            yield Problem("rank_within_group", {}, (*loc, "rank", "within"))
        if item.column or item.actual:
            yield Problem("rank_column", {}, (*loc, "rank"))


def within_dimensions(raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """A scheme whose table weights its dimensions (能力指标 85%, 态度指标 15%) and each indicator within its
    dimension (客户回访 5%): each indicator's weight becomes its share of its dimension's, in the total's points
    (5% of 85% is 4.25 of 100). Either every dimension has a weight or none; theirs sum to the total. Returns the
    document so weighted, and what is wrong; a weight that is no number is left to its own field's check."""
    dims = list(_raw_dimensions(raw))
    if not any("weight" in d for _, d in dims):
        return raw, []
    total = _number(raw.get("total", 100)) or 100.0
    problems: list[Problem] = []
    points: list[float] = []
    out = list(raw["dimensions"])
    for i, dim in dims:
        if "weight" not in dim:
            problems.append(Problem("dimension_weight_missing", {"dimension": str(dim.get("name", i + 1))},
                                    ("dimensions", i)))
            out[i] = _as_written(dim)
            continue
        share = _share(dim["weight"])
        inds = dim.get("indicators")
        if share is None or not isinstance(inds, list):
            out[i] = _as_written(dim)
            continue
        weight = share[0] * total if share[1] else share[0]
        points.append(weight)
        weighted, problem = _within(dim, inds, weight, share[0])
        out[i] = weighted if weighted is not None else _as_written(dim)
        problems += [Problem(problem.code, problem.params, ("dimensions", i, *problem.loc))] if problem else []
    if not problems and len(points) == len(dims) and abs(sum(points) - total) > 1e-9 * max(1.0, total):
        problems.append(Problem("dimension_weights_sum", {"sum": one(sum(points)), "total": one(total)},
                                ("dimensions",)))
    return {**raw, "dimensions": out}, problems


def _within(dim: dict[str, Any], inds: list[Any], weight: float, written: float
            ) -> tuple[dict[str, Any] | None, Problem | None]:
    """A weighted dimension with its indicators' weights in the total's points (None where they are no numbers
    or do not make it whole, with the problem)."""
    within = [_share(ind.get("weight")) if isinstance(ind, dict) else None for ind in inds]
    if any(w is None for w in within) or not sum(w[0] for w in within if w):
        return None, None
    whole = sum(w[0] for w in within if w)
    # their shares of the dimension make the whole of it (5% + 30% + 65%), or its weight already
    # (4.25 + 25.5 + 55.25 of 85): anything else is a slip in the table, never rescaled unseen
    percents = all(w[1] for w in within if w)
    if not any(abs(whole - whole_of) <= 1e-9 * max(1.0, whole_of)
               for whole_of in ((1.0,) if percents else (1.0, 100.0, weight, written))):
        said = {"dimension": str(dim.get("name", "")), "sum": one(whole, percents), "weight": dim["weight"]}
        return None, Problem("dimension_within_sum", said, ("indicators",))
    return {**dim, "indicators": [{**ind, "weight": weight * w[0] / whole}
                                  for ind, w in zip(inds, within, strict=True) if w]}, None


def _as_written(dim: dict[str, Any]) -> dict[str, Any]:
    """A dimension whose weights are wrong, its indicators' weights numbers as written (25% as 0.25): the
    problem is said once, for the dimension, and not again for each weight."""
    inds = dim.get("indicators")
    if not isinstance(inds, list):
        return dim
    return {**dim, "indicators": [{**ind, "weight": w[0]} if isinstance(ind, dict) and (w := _share(ind.get("weight")))
                                  else ind for ind in inds]}


def _share(value: Any) -> tuple[float, bool] | None:
    """A weight as written: 85, 0.85, "85%" (value, written as a percent); None where it is none."""
    number = _number(value)
    if number is not None:
        return number, False
    read = parse_number(value) if isinstance(value, str) else None
    return read if read is not None and usable(read[0]) and read[0] >= 0 else None


def _raw_dimensions(raw: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    dims = raw.get("dimensions")
    for i, dim in enumerate(dims if isinstance(dims, list) else []):
        if isinstance(dim, dict):
            yield i, dim


def _raw_indicators(raw: dict[str, Any]) -> Iterator[tuple[tuple, Any]]:
    for i, dim in _raw_dimensions(raw):
        inds = dim.get("indicators")
        for j, ind in enumerate(inds if isinstance(inds, list) else []):
            yield ("dimensions", i, "indicators", j), ind


def _raw_adjustments(raw: dict[str, Any]) -> Iterator[tuple[tuple, Any]]:
    adj = raw.get("adjustments")
    for k, item in enumerate(adj if isinstance(adj, list) else []):
        yield ("adjustments", k), item


def _raw_weights(raw: dict[str, Any]) -> list[Any]:
    return [ind.get("weight") if isinstance(ind, dict) else None for _, ind in _raw_indicators(raw)]


def _raw_names(raw: dict[str, Any]) -> Iterator[tuple[tuple, str]]:
    """Dimension, indicator and adjustment names: they head output columns, so they must be unique."""
    for i, dim in _raw_dimensions(raw):
        if isinstance(dim.get("name"), str):
            yield ("dimensions", i), dim["name"]
    for loc, item in [*_raw_indicators(raw), *_raw_adjustments(raw)]:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            yield loc, item["name"]


def _parts(model: type[BaseModel], pairs: Iterator[tuple[tuple, Any]]) -> list[tuple[tuple, Any]]:
    """The parts that validate on their own, with their places."""
    out = []
    for loc, raw in pairs:
        try:
            out.append((loc, model.model_validate(raw)))
        except ValidationError:
            continue
    return out


def _todos(data: Any, loc: tuple = ()) -> Iterator[tuple]:
    """Where a draft says `TODO`: the fields `kpiscore import` could not read from its table."""
    if data == "TODO":
        yield loc
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _todos(value, (*loc, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _todos(value, (*loc, i))


def check_scheme(doc: YamlDoc, say: Say, source: SchemeSource | None = None) -> tuple[Scheme | None, list[Finding]]:
    """Validate YAML data as a scheme: every structural and cross-field problem, each at its line. `say` is
    the catalog in the scheme's language: its default grades' names, and the Scores headings no name may
    take; `source` is the file it was read from, kept for provenance."""
    raw = doc.data
    if not isinstance(raw, dict):
        return None, [doc.finding("yaml_not_mapping", {}, ())]
    todo = [doc.finding("import_todo", {}, loc) for loc in _todos(raw)]
    if todo:  # a draft of `kpiscore import` is not a scheme until each TODO is settled
        return None, todo
    if "grades" not in raw:
        raw = {**raw, "grades": [{"grade": say.label(key), "min": m} for key, m in DEFAULT_GRADES]}
    findings: list[Finding] = []
    scheme: Scheme | None = None
    raw, weighted = within_dimensions(raw)
    try:
        scheme = Scheme.model_validate(raw)
    except ValidationError as exc:
        findings += [_relabel(f, doc) for f in doc.validation_findings(exc)]
    if scheme is not None:
        scheme._doc = doc
        scheme._source = source
        grades = [(("grades", i), g) for i, g in enumerate(scheme.grades)]
        items: list[tuple[tuple, Indicator | Adjustment]] = list(scheme.locations())
        columns: Columns | None = scheme.columns
    else:
        raw_grades = raw.get("grades")
        grades = _parts(Grade, ((("grades", i), g) for i, g in enumerate(
            raw_grades if isinstance(raw_grades, list) else [])))
        items = _parts(Indicator, _raw_indicators(raw)) + _parts(Adjustment, _raw_adjustments(raw))
        valid_columns = _parts(Columns, iter([((), raw.get("columns", {}))]))
        columns = valid_columns[0][1] if valid_columns else None
    personal = isinstance(raw.get("targets"), dict)
    problems = [p for loc, item in items for p in _indicator_problems(item, loc, personal)]
    problems += [*weighted, *_scheme_problems(grades, items, raw, columns, say, sum_checked=bool(weighted))]
    if scheme is not None:
        problems += _source_problems(scheme)
        problems += [Problem("floor_over_dimension", {"floor": one(dim.floor), "weight": one(weight)},
                             ("dimensions", i, "floor"))
                     for i, dim in enumerate(scheme.dimensions)
                     if dim.floor is not None and dim.floor > (weight := sum(ind.weight for ind in dim.indicators))]
    findings += [doc.finding(p.code, p.params, p.loc) for p in problems]
    findings.sort(key=lambda f: (f.line or 0))
    return (scheme if not findings else None), findings


def _relabel(f: Finding, doc: YamlDoc) -> Finding:
    """Say "bonus belongs under adjustments" rather than "unknown rule type bonus"."""
    if f.code == "union_tag_invalid" and f.field and f.field.startswith("dimensions"):
        tag = _tag_at(doc, f.field)
        if isinstance(tag, str) and tag in RULES and RULES[tag].role != "weighted":
            return Finding("adjustment_in_dimension", {"type": tag}, f.file, f.line, f.field)
    if f.code == "union_tag_invalid" and f.field and f.field.startswith("adjustments"):
        tag = _tag_at(doc, f.field)
        if isinstance(tag, str) and tag in RULES and RULES[tag].role == "weighted":
            return Finding("weighted_in_adjustments", {"type": tag}, f.file, f.line, f.field)
    if f.code == "extra_forbidden" and f.field and f.field.startswith("adjustments") and f.field.endswith(".weight"):
        return Finding("weight_on_adjustment", {"type": "bonus/penalty/veto"},
                       f.file, f.line, f.field)
    if f.code == "missing" and f.field and f.field.startswith("dimensions") and f.field.endswith(".weight"):
        return Finding("weight_missing", {}, f.file, f.line, f.field)
    return f


def _tag_at(doc: YamlDoc, field: str) -> Any:
    node: Any = doc.data
    for key, idx in _split_path(field):
        node = node.get(key) if isinstance(node, dict) else None
        if idx is not None:
            node = node[idx] if isinstance(node, list) and idx < len(node) else None
    return node.get("type") if isinstance(node, dict) else node


def _split_path(field: str) -> Iterator[tuple[str, int | None]]:
    for part in field.split("."):
        name, _, rest = part.partition("[")
        yield name, int(rest.rstrip("]")) if rest else None


