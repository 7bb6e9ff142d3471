"""Invariants over generated schemes, actuals and junk input."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from helpers import HEADER, TYPED_SQ, scheme_dict, write_xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpiscore import InputError, load_scheme, read_actuals, score
from kpiscore.core.rulebase import Context
from kpiscore.core.rules import Bands, Count, Deduct, Ratio, Threshold
from kpiscore.core.values import round_half_up
from kpiscore.text import voice

actual = st.floats(min_value=0, max_value=2, allow_nan=False)
weight = st.floats(min_value=1, max_value=50, allow_nan=False).map(lambda w: round(w, 1))
percent = st.floats(min_value=0, max_value=1.5, allow_nan=False)
target = st.floats(min_value=0.05, max_value=1.2, allow_nan=False).map(lambda t: round(t, 3))


@st.composite
def rules(draw):
    kind = draw(st.sampled_from(["ratio", "deduct", "count", "bands", "threshold"]))
    if kind == "ratio":
        return Ratio(cap=draw(st.none() | st.floats(min_value=1, max_value=2)))
    if kind == "deduct":
        add = draw(st.none() | st.floats(min_value=0, max_value=3))
        return Deduct(per=draw(st.sampled_from(["1%", "0.5%", "5%"])), points=draw(st.floats(0, 5)),
                      partial=draw(st.sampled_from(["prorate", "floor", "ceil"])), add=add,
                      max=None if add is None else draw(st.floats(50, 80)))
    if kind == "count":
        return Count(allow=draw(st.integers(0, 3)), points=draw(st.floats(0, 5)))
    if kind == "threshold":
        return Threshold(fail=draw(st.floats(0, 1)))
    edges = sorted(set(draw(st.lists(st.floats(0.05, 1.5).map(lambda x: round(x, 3)), min_size=1, max_size=4))))
    points = sorted(draw(st.lists(st.floats(0, 1), min_size=len(edges) + 1, max_size=len(edges) + 1)))
    bands = [{"when": f"< {edges[0]}", "score": points[0]}]
    bands += [{"when": f"[{lo}, {hi})", "score": [points[i], points[i + 1]]}
              for i, (lo, hi) in enumerate(itertools.pairwise(edges))]
    bands.append({"when": f">= {edges[-1]}", "score": points[-1]})
    return Bands(bands=bands)


@settings(max_examples=300, deadline=None)
@given(rules(), weight, target, st.lists(actual, min_size=2, max_size=12), st.booleans())
def test_weighted_score_bounded_and_monotone(rule, w, t, values, higher):
    if isinstance(rule, Bands):  # scores were drawn on [0, 1]: scale them to the weight
        higher = True
        w = 1.0
    if isinstance(rule, Ratio) and not higher and rule.cap is None:
        rule = Ratio(cap=1.5)
    ctx = Context(w, t, higher, True, voice=voice("zh"))
    a = pd.Series(sorted(values))
    s = rule.score(a, ctx).to_numpy(dtype=float)
    assert (s >= 0).all()
    top = rule.max_points(w)
    if math.isfinite(top):
        assert (s <= top + 1e-9).all()
    diffs = np.diff(s)
    if isinstance(rule, Count):
        assert (diffs <= 1e-9).all()  # more occurrences never score more
    elif higher:
        assert (diffs >= -1e-9).all()
    else:
        assert (diffs <= 1e-9).all()  # lower is better: a rising actual never scores more


SCHEME = {
    "name": "p",
    "missing": "skip",
    "dimensions": [{"name": "D1", "indicators": [
        {"name": "A", "weight": 30, "target": "90%"},
        {"name": "B", "weight": 30, "target": "95%", "rule": {"type": "deduct", "per": "1%"}}]},
        {"name": "D2", "indicators": [{"name": "C", "weight": 40, "rule": {"type": "count", "allow": 1}}]}],
    "adjustments": [{"name": "Bo", "rule": {"type": "bonus", "points": 0.7, "max": 5}},
                    {"name": "Pe", "rule": {"type": "penalty", "points": 1.3}}],
}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.none() | percent, st.none() | percent, st.integers(0, 9), st.integers(0, 9),
                          st.integers(0, 9)), min_size=1, max_size=20))
def test_total_is_the_sum_of_its_parts(rows):
    scheme = load_scheme(SCHEME)
    frame = pd.DataFrame([[str(i), "x", *r] for i, r in enumerate(rows)],
                         columns=["工号", "姓名", "A", "B", "C", "Bo", "Pe"])
    r = score(frame, scheme)
    parts = r.scores.sum(axis=1) + r.summary["bonus"] - r.summary["penalty"]
    expected = np.maximum(round_half_up(parts, 2), 0)
    assert np.allclose(r.summary["total"], expected, atol=0)
    assert np.allclose(r.dimensions.sum(axis=1), r.scores.sum(axis=1), atol=1e-9)
    assert (r.summary["rank"] >= 1).all()


junk = st.one_of(st.none(), st.text(max_size=6), st.floats(allow_nan=False, allow_infinity=False),
                 st.integers(-10**6, 10**6), st.booleans())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(junk, min_size=len(HEADER), max_size=len(HEADER)), min_size=1, max_size=5))
def test_never_crashes_on_junk(tmp_path, rows):
    scheme = load_scheme(TYPED_SQ)
    header = ["工号", "姓名", "部门", "客服响应及时率", "上门服务到达及时率", "问题一次性解决率", "技术方案准确率",
              "服务流程合规率", "客户满意度(CSAT)"]
    rows = [[v if not isinstance(v, str) or v.isprintable() else "x" for v in row] for row in rows]
    path = write_xlsx(tmp_path / "junk.xlsx", [[*header, "投诉处理及时率"], *[[*r, None] for r in rows]])
    try:
        result = score(read_actuals(path, scheme), scheme)
    except InputError as exc:
        assert exc.findings and all(f.file == "junk.xlsx" for f in exc.findings)
    else:
        assert len(result.summary) >= 1


yaml_leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 200), st.floats(allow_nan=False, allow_infinity=False),
                      st.sampled_from(["90%", "ratio", "deduct", "bands", ">= 95%", "[1%, 2%)", "abc", ""]))
yaml_tree = st.recursive(yaml_leaf, lambda children: st.one_of(
    st.lists(children, max_size=4),
    st.dictionaries(st.sampled_from(["name", "weight", "target", "rule", "type", "dimensions", "indicators",
                                     "bands", "when", "score", "map", "grades", "grade", "min", "x"]),
                    children, max_size=5)), max_leaves=25)


@settings(max_examples=200, deadline=None)
@given(yaml_tree)
def test_scheme_loader_never_crashes_on_junk(data):
    from kpiscore import SchemeError, UsageError

    try:
        load_scheme(data if isinstance(data, dict) else {"name": "x", "dimensions": data})
    except (SchemeError, UsageError) as exc:
        assert exc.findings


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_yaml_text_never_crashes(tmp_path, text):
    from kpiscore import SchemeError

    path = tmp_path / "junk.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_scheme(path)
    except SchemeError as exc:
        assert all(f.file == "junk.yaml" for f in exc.findings)


LAYOUT_SCHEME = {"name": "版式", "dimensions": [{"name": "D", "indicators": [
    {"name": "及时率", "weight": 60, "target": "90%"},
    {"name": "投诉", "weight": 40, "rule": {"type": "count", "allow": 1, "points": 5}}]}]}
person = st.tuples(st.floats(0, 1.2).map(lambda x: round(x, 3)), st.integers(0, 6), st.sampled_from(["一组", "二组"]))
footers = st.lists(st.sampled_from(["合计", "平均值", "小计", "最高", "最低", "Total", "Average", "备注：含试用期",
                                    "制表人：王五", "审核人：李总", "批准人：张总", "说明：数据截至月底"]), max_size=3)


def _write_layout(path, people, title_rows, blank_every, merged, footer):
    """The same people as a plain table, or with title rows, blank lines, 部门 merged per team and footers."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("S")
    for r in range(title_rows):
        ws.write_string(r, 0, f"考核表 第{r + 1}行标题")
    r = title_rows
    ws.write_row(r, 0, ["工号", "姓名", "部门", "及时率", "投诉"])
    r += 1
    ordered = sorted(enumerate(people), key=lambda p: p[1][2])  # teams together, as merged cells need
    for team in ("一组", "二组"):
        members = [(i, p) for i, p in ordered if p[2] == team]
        first = r
        for n, (i, (rate, complaints, group)) in enumerate(members):
            ws.write_row(r, 0, [f"E{i:03d}", f"员工{i}"])
            if not merged:
                ws.write_string(r, 2, group)
            ws.write_number(r, 3, rate)
            ws.write_number(r, 4, complaints)
            r += 1
            if blank_every and (n + 1) % blank_every == 0 and n + 1 < len(members):
                r += 1  # a blank line inside the team
        if merged and members:
            if r - 1 > first:
                ws.merge_range(first, 2, r - 1, 2, team)
            else:
                ws.write_string(first, 2, team)
        if blank_every:
            r += 1
    for text in footer:
        ws.merge_range(r, 0, r, 1, text)
        ws.write_number(r, 3, 0.5)
        r += 1
    book.close()
    return path


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(person, min_size=1, max_size=8), st.integers(0, 3), st.integers(0, 3), st.booleans(), footers)
def test_layout_never_changes_a_score(tmp_path, people, title_rows, blank_every, merged, footer):
    plain = score(_write_layout(tmp_path / "plain.xlsx", people, 0, 0, False, []), LAYOUT_SCHEME)
    laid = score(_write_layout(tmp_path / "laid.xlsx", people, title_rows, blank_every, merged, footer),
                 LAYOUT_SCHEME)

    def by_id(result):
        frame = pd.concat([result.people[["id", "group"]], result.scores, result.summary], axis=1)
        return frame.set_index("id").sort_index()

    pd.testing.assert_frame_equal(by_id(plain), by_id(laid))
    assert [w.code for w in laid.warnings if w.code == "summary_row"] == ["summary_row"] * len(footer)
    assert [w.code for w in laid.warnings if w.code != "summary_row"] == [w.code for w in plain.warnings]


NUMBERLIKE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**20, 10**20).map(str),
    st.from_regex(r"\s?[+-]?(\d{0,4}(\.\d{0,3})?|\.\d+)([eE][+-]?\d{1,3})?%?\s?", fullmatch=True),
    st.sampled_from(["NaN", "nan", "inf", "-Infinity", "1_000", "0x10", "1,234", "８８", "—", "", "E0001"]),
    st.text(max_size=6))


@settings(max_examples=200, deadline=None)
@given(st.lists(NUMBERLIKE, max_size=30))
def test_polars_and_to_numeric_read_the_same_plain_numbers(texts):
    # a large column's plain numbers are read by polars first; a small one's by to_numeric alone
    from kpiscore.io import cells

    alone = cells.plain_numbers(texts).to_numpy()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cells, "POLARS_FROM", 0)
        first = cells.plain_numbers(texts).to_numpy()
    assert np.array_equal(alone, first, equal_nan=True), (texts, alone, first)


#: what a CSV cell of a plain text may hold: no quote, delimiter or line break (those go to `csv` alone)
CSV_CELL = st.one_of(NUMBERLIKE, st.sampled_from(["E1", "E2", "张三", "合计", "#DIV/0!", "-", "很满意", "较满意", " "])
                     ).filter(lambda t: not set(t) & set(',"\r\n\0'))


def _read_both_ways(path):
    """The actuals (or the findings) as `csv` splits the file, and as polars splits it in columns."""
    from kpiscore.io.decode import decode_text
    from kpiscore.io.formats import delimited

    scheme = load_scheme(scheme_dict(missing="skip"))

    def read():
        try:
            got = read_actuals(path, scheme)
        except InputError as exc:
            return None, [(f.code, f.params, f.cell) for f in exc.findings]
        return got.frame, [(f.code, f.params, f.cell) for f in got.warnings]

    by_rows = read()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(delimited, "COLUMNAR_FROM", 0)
        assert delimited.TextLines.plain(decode_text(path.read_bytes()))
        by_columns = read()
    return by_rows, by_columns


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(CSV_CELL, min_size=len(HEADER) - 2, max_size=len(HEADER) + 2), min_size=1, max_size=8),
       st.booleans(), st.booleans(), st.booleans(), st.integers(0, 3),
       st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
def test_polars_splits_a_plain_csv_as_csv_does(tmp_path, rows, title, crlf, trailing, blank_at, encoding):
    # ragged lines, a blank line, a title line, CRLF, a BOM or GBK: every cell, number, finding and its value
    # the same (polars reads UTF-8 bytes as they are, and any other encoding's text encoded as UTF-8)
    end = "\r\n" if crlf else "\n"
    body = [",".join(r) for r in rows]
    body.insert(min(blank_at, len(body)), "")
    lines = (["考核数据,,"] if title else []) + [",".join(HEADER), *body]
    path = tmp_path / "a.csv"
    path.write_bytes((end.join(lines) + (end if trailing else "")).encode(encoding))
    (rows_frame, rows_found), (columns_frame, columns_found) = _read_both_ways(path)
    assert rows_found == columns_found
    if rows_frame is not None:
        pd.testing.assert_frame_equal(rows_frame, columns_frame)


@settings(max_examples=300, deadline=None)
@given(st.one_of(NUMBERLIKE, st.floats(allow_nan=False).map(repr), st.floats(-1e6, 1e6).map(lambda f: f"{f:.{6}f}"),
                 st.decimals(-10**14, 10**14, allow_nan=False, allow_infinity=False).map(str),
                 st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str)))
def test_a_number_read_from_text_shows_as_typed(text):
    # a CSV cell read as a float at once must show as its text in every finding
    import polars as pl

    from kpiscore.io.cells import show as _show
    from kpiscore.io.tables import _exact_numbers

    if _exact_numbers(pl.Series([text])) is not None and text:
        assert _show(float(text)) == text


@st.composite
def clause_items(draw):
    """An item of 1–4 clauses of every way to count, a cap per clause and for the item, and a floor."""
    from kpiscore.core.clauses import Clauses

    clauses = []
    for i in range(draw(st.integers(1, 4))):
        way = draw(st.sampled_from(["each", "allow", "short_of", "when", "forfeit"]))
        clause: dict = {"name": f"c{i}"}
        if way == "forfeit":
            clause["forfeit"] = True
        else:
            clause["points"] = draw(st.floats(0, 6).map(lambda x: round(x, 2)))
            ways = {"allow": {"allow": draw(st.integers(1, 3))}, "short_of": {"short_of": draw(st.integers(1, 5))},
                    "when": {"when": f">= {draw(st.integers(1, 4))}"}}
            clause.update(ways.get(way, {}))
            if draw(st.booleans()):
                clause["max_off"] = draw(st.floats(0, 8).map(lambda x: round(x, 2)))
        clauses.append(clause)
    item_cap = draw(st.none() | st.floats(0, 12).map(lambda x: round(x, 2)))
    return Clauses(clauses=clauses, max_off=item_cap, floor=draw(st.sampled_from([0, -5, -10])))


@settings(max_examples=60, deadline=None)
@given(clause_items(), weight, st.lists(st.lists(st.integers(0, 6), min_size=4, max_size=4), min_size=1, max_size=8))
def test_an_item_of_clauses_stays_within_its_floor_and_weight_and_more_incidents_never_score_more(rule, w, rows):
    n = len(rule.clauses)
    counts = pd.DataFrame([r[:n] for r in rows], columns=rule.inputs(""), dtype=float)
    ctx = Context(w, None, True, False, voice=voice("zh"))
    s = rule.score(rule.actual(counts, ctx), ctx).to_numpy()
    assert ((s >= rule.floor - 1e-9) & (s <= w + 1e-9)).all()
    # one more of a clause's incidents (a short_of clause: one fewer, which is one more short) never scores more
    for i, clause in enumerate(rule.clauses):
        more = counts.copy()
        more.iloc[:, i] = (more.iloc[:, i] - 1).clip(lower=0) if clause.short_of else more.iloc[:, i] + 1
        worse = rule.score(rule.actual(more, ctx), ctx).to_numpy()
        assert (worse <= s + 1e-9).all(), (clause, rows)
    # the words say every row, and the way back: the points off allowed for a score reach it
    words = rule.words(rule.actual(counts, replace_inputs(ctx, counts)), replace_inputs(ctx, counts))
    assert words.notna().all() and (words != "").all()
    want = np.minimum(s + 1.0, w)
    need = rule.needed(rule.actual(counts, ctx), want, ctx).to_numpy()
    assert (np.isclose(w - need, want) | np.isnan(need)).all()


def replace_inputs(ctx, counts):
    from dataclasses import replace

    return replace(ctx, inputs=counts)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.floats(0, 20).map(lambda x: round(x, 2)), weight, st.sampled_from([None, 10, 100]),
       st.lists(st.lists(st.booleans(), min_size=5, max_size=5), min_size=1, max_size=8))
def test_a_checklist_scores_within_zero_and_its_weight_and_fewer_met_never_score_more(k, points, w, out_of, rows):
    from kpiscore.core.clauses import Checklist

    rule = Checklist(items=[f"r{i}" for i in range(k)], points=points, out_of=out_of)
    cells = pd.DataFrame([["✓" if met else "✗" for met in r[:k]] for r in rows], columns=rule.items)
    ctx = Context(w, None, True, False, voice=voice("zh"))
    a = rule.actual(cells, ctx)
    s = rule.score(a, ctx).to_numpy()
    assert ((s >= 0) & (s <= w + 1e-9)).all()
    assert (a == cells.eq("✗").sum(axis=1)).all()
    fewer = rule.score(pd.Series(np.minimum(a + 1, k), index=a.index), ctx).to_numpy()
    assert (fewer <= s + 1e-9).all()


@settings(max_examples=60, deadline=None)
@given(weight, st.sampled_from([10, 30, 100]), st.floats(0.05, 0.95), st.lists(percent, min_size=1, max_size=10))
def test_a_cliff_in_the_tables_own_points_is_all_or_nothing_and_scaled_to_the_weight(w, out_of, cliff, values):
    rule = Deduct(per="1%", points=2, out_of=out_of, zero_below=round(out_of * cliff, 2))
    ctx = Context(w, 0.9, True, True, voice=voice("zh"))
    a = pd.Series(values)
    s = rule.score(a, ctx).to_numpy()
    own = Deduct(per="1%", points=2).score(a, Context(float(out_of), 0.9, True, True)).to_numpy()
    # below the cliff nothing; at or above it, the own points scaled: own × W ÷ N
    assert np.allclose(s, np.where(own < rule.zero_below, 0.0, own * w / out_of))
