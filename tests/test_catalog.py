"""The one catalog of user text: every code in both languages, with the same blanks to fill."""

import re
import string
from pathlib import Path

import pytest

from kpiscore.text import LABELS, MESSAGES, WORDS

SRC = Path(__file__).parents[1] / "src" / "kpiscore"
CATALOG = {**{("msg", k): v for k, v in MESSAGES.items()}, **{("label", k): v for k, v in LABELS.items()},
           **{("words", k): v for k, v in WORDS.items()}}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(CATALOG), ids=lambda k: f"{k[0]}:{k[1]}")
def test_every_code_has_zh_and_en_with_the_same_fields(key):
    zh, en = CATALOG[key]
    assert zh and en
    assert _fields(zh) == _fields(en)
    # English says no Chinese, except where it quotes a Chinese example value
    assert not re.search(r"[\u4e00-\u9fff]", en.replace("待改进", ""))


def test_every_code_the_source_names_is_in_the_catalog():
    # a whole code in quotes, not the head of one put together ("missing_" + policy)
    used = {("msg", c) for c in _literal(r'msg\("(\w+)"')} | {("label", c) for c in _literal(r'label\("(\w+)"')} | {
        ("words", c) for c in _literal(r'(?:words|say)\("(\w+)"')}
    assert not used - set(CATALOG)


def _literal(pattern: str) -> set[str]:
    found = {m for path in SRC.rglob("*.py") for m in re.findall(pattern, path.read_text(encoding="utf-8"))}
    return {m for m in found if not m.endswith("_")}
