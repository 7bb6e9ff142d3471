"""An English scheme says every rule, calculation and note in English: no Chinese character and no CJK
punctuation (、，；：（）) reaches an English user from the core's words."""

import re

import pandas as pd

from kpiscore import score
from kpiscore.core.rules import Rating
from kpiscore.io.workbook import scheme_table
from kpiscore.text import voice
from kpiscore.words.result import Words

#: a Chinese character, CJK punctuation (、。「」…), or a full-width form (，；：（）)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

SCHEME = {
    "name": "Service desk", "language": "en", "missing": "skip",
    "columns": {"id": "Id", "name": "Name", "group": "Team"},
    "grades": [{"grade": "A", "min": 90, "max_share": "34%"}, {"grade": "B", "min": 70}, {"grade": "C", "min": 0}],
    "dimensions": [
        {"name": "Speed", "weight": "50%", "indicators": [
            {"name": "answer", "weight": 20, "target": "90%", "target_column": "answer target"},
            {"name": "handle", "weight": 10, "target": 300, "direction": "lower",
             "rule": {"type": "ratio", "cap": 1.2}},
            {"name": "solved", "weight": 10, "target": "95%",
             "rule": {"type": "deduct", "per": "1%", "points": 1, "partial": "ceil", "add": 0.5, "max": 12}},
            {"name": "complaints", "weight": 10, "rule": {"type": "count", "allow": 1, "points": 5}}]},
        {"name": "Quality", "weight": "40%", "indicators": [
            {"name": "survey", "weight": 15, "rule": {"type": "bands", "bands": [
                {"when": ">= 95%", "score": 15}, {"when": "[90%, 95%)", "score": [10, 15]}], "otherwise": 0}},
            {"name": "audit", "weight": 10, "target": "80%", "rule": {"type": "threshold", "fail": 2}},
            {"name": "mood", "weight": 10, "rule": {"type": "mapping", "map": {"great": 10, "fine": 6, "poor": 0},
                                                     "scale": True}},
            {"name": "peers", "weight": 5, "rule": {"type": "rating", "scale": 5, "trim": False,
                                                     "raters": {"lead": 2, "peer": 1}}}]},
        {"name": "Conduct", "weight": "10%", "indicators": [
            {"name": "dress", "weight": "50%", "rule": {"type": "clauses", "max_off": 4, "floor": -1, "clauses": [
                {"name": "uniform", "points": 2}, {"name": "badge", "points": 1, "max_off": 2},
                {"name": "leave days", "when": ">= 2", "points": 1}, {"name": "contacts", "short_of": 3, "points": 1},
                {"name": "fraud", "forfeit": True}]}},
            {"name": "checks", "weight": "50%", "rule": {"type": "checklist", "items": ["on time", "fixed"],
                                                         "points": 1, "out_of": 2, "zero_below": 1}}]}],
    "adjustments": [{"name": "extra", "rule": {"type": "bonus", "points": 1, "max": 3}},
                    {"name": "late", "rule": {"type": "penalty", "points": 0.5}},
                    {"name": "breach", "rule": {"type": "veto"}},
                    {"name": "warning", "rule": {"type": "veto", "effect": "grade", "grade": "C"}},
                    {"name": "last", "rank": {"last": 1, "within": "group"}, "rule": {"type": "penalty", "points": 1}},
                    {"name": "escalated", "rule": {"type": "veto", "effect": "ceiling", "grade": "B"}}],
}


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "Id": ["E1", "E2", "E3"], "Name": ["Ann", "Bo", "Cy"], "Team": ["one", "one", "two"],
        "answer": [0.92, 0.80, None], "answer target": [0.85, None, None], "handle": [280, 400, 310],
        "solved": [0.93, 0.99, 0.96], "complaints": [0, 3, 1], "survey": [0.96, 0.92, 0.80],
        "audit": [0.9, 0.7, 0.85], "mood": ["great", "fine", "poor"], "lead": [4.5, 3, 4], "peer": [4, 3.5, 5],
        "extra": [2, 0, 5], "late": [0, 1, 0], "breach": [0, 0, 0], "warning": [0, 1, 0],
        "uniform": [0, 1, 3], "badge": [0, 3, 0], "leave days": [0, 2, 1], "contacts": [3, 1, 5], "fraud": [0, 0, 1],
        "on time": ["yes", "no", "✓"], "fixed": ["✓", "✗", "No"], "escalated": [1, 0, 0]})


def _said(text: str) -> list[str]:
    return CJK.findall(text)


def test_every_word_of_an_english_round_is_english():
    result = score(_frame(), SCHEME)
    words = Words(result)
    said = [*words.audit().to_numpy().ravel(), *words.total(), *words.grade_notes(), *words.next_grade()]
    said += [str(v) for v in scheme_table(result.scheme).to_numpy().ravel()]
    found = {text: _said(text) for text in map(str, said) if _said(text)}
    assert not found
    # and the words are the English catalog's, worked: 20 × 92% ÷ 85% = 21.65 (the personal target 85%)
    assert words.audit()["answer"].iloc[0].endswith("= 21.65 (personal target 85%)")


def test_every_rule_describes_itself_in_english():
    scheme = score(_frame(), SCHEME).scheme
    en = voice("en")
    for item in [*scheme.indicators, *scheme.adjustments]:
        text = item.rule.describe(item.context(en))
        assert text and not _said(text), (item.name, text)
    rated = Rating.model_validate({"type": "rating", "source": "r", "rater": "who", "role": "role", "score": "s",
                                   "roles": {"lead": 60, "peer": 40}, "min_raters": 2, "trim": False})
    assert not _said(rated.describe(scheme.indicators[0].context(en)))


def test_an_english_workbook_slip_and_template_hold_no_cjk(tmp_path):
    from openpyxl import load_workbook

    from kpiscore import api

    result = score(_frame(), SCHEME)
    api.write_result(result, tmp_path / "out.xlsx", "xlsx")
    api.write_slips(result, tmp_path / "slips.xlsx")
    api.write_template(result.scheme, tmp_path / "template.xlsx")
    found = {}
    for name in ("out.xlsx", "slips.xlsx", "template.xlsx"):
        book = load_workbook(tmp_path / name)
        for ws in book.worksheets:
            cells = [c for row in ws.iter_rows() for c in row]
            texts = [str(c.value) for c in cells if isinstance(c.value, str)]
            texts += [c.comment.text for c in cells if c.comment]
            texts += [ws.title, ws.oddHeader.center.text or "", ws.oddFooter.center.text or ""]
            found.update({f"{name} › {ws.title}: {t}": _said(t) for t in texts if _said(t)})
    assert not found
