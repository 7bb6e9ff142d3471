"""Cells to kinds, text and numbers, a whole column at a time: the one number grammar (`88%`, `０.８８`,
`1,234`) as the readers apply it, each cell's kind (number, text, blank, error value, uncalculated formula,
not-applicable mark), and text folded and stripped without a Python loop over a million rows.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..core.values import NUMBER, THOUSANDS, fold, hundredths
from .formats.grid import ERROR_VALUES, Uncalculated

#: every kind a cell may be, in the order of their codes
KINDS = ("number", "bool", "text", "blank", "error", "uncalculated", "na", "other")
_KIND = {k: i for i, k in enumerate(KINDS)}

_NUMBER_TYPES = {float, int, np.float64, np.float32, np.int64, np.int32}


_BOOL_TYPES = {bool, np.bool_}


_BLANK_TYPES = {type(None)}


#: what pandas infers for a column whose every cell is a number or blank (bools and text infer otherwise)
_ALL_NUMBERS = {"floating", "integer", "mixed-integer-float"}


def cell_kinds(col: pd.Series, marks: frozenset[str] | set[str] = frozenset()) -> pd.Series:
    """Each cell's kind: "number", "bool", "text", "blank", "error" (`#DIV/0!`),
    "uncalculated" (a formula without a result), "na" (one of the not-applicable `marks`, as
    `values.mark_spellings` spells them) or "other" (a date). A categorical, so that a million comparisons
    with "number" compare small integers, not strings."""
    return classified(col, marks)[0]


def classified(col: pd.Series, marks: frozenset[str] | set[str]) -> tuple[pd.Series, pd.Series | None, bool]:
    """The cells' kinds, the numbers read on the way from text cells that are plain numbers ("88.5" as a CSV
    writes it), so that they are read once, and whether a text cell begins or ends with a space."""
    # one C pass settles a column of numbers, or of text and blanks: no type() asked of each cell
    inferred = pd.api.types.infer_dtype(col, skipna=True)
    if inferred in _ALL_NUMBERS:
        return _kinds(np.where(col.isna().to_numpy(), _KIND["blank"], _KIND["number"]), col.index), None, False
    values = col.to_numpy(dtype=object)
    kind = np.full(len(col), _KIND["blank"], dtype=np.int8)
    if inferred in ("string", "empty"):
        # an object column where a second pass meets no blank either is all text (every column of a CSV);
        # pandas' own string dtype keeps its blanks in a mask, and that pass would not see them
        whole = col.dtype == object and pd.api.types.infer_dtype(col, skipna=False) == "string"
        is_text = np.ones(len(col), dtype=bool) if whole else col.notna().to_numpy()
    else:
        is_text = _typed_kinds(col, values, kind)
    plain, spaced = None, False
    if is_text.any():
        texts, where = values[is_text], is_text.nonzero()[0]
        kind[where] = _KIND["text"]
        first, last = _edges(texts.tolist())
        edge = np.isin(first, _SPACES) | np.isin(last, _SPACES)
        spaced = bool(edge.any())
        if not numeric_mark(marks):  # then a number as text is no mark (and never an error value)
            read = plain_numbers(texts, first)
            looks = read.notna().to_numpy()
            plain = pd.Series(read.to_numpy()[looks], index=col.index[where[looks]])
            texts, where, edge = texts[~looks], where[~looks], edge[~looks]
        text = stripped(pd.Series(texts, dtype=object), bool(edge.any()))
        special = text.isin(ERROR_VALUES | set(marks) | {""}).to_numpy()  # one look-up of each text, not three
        if special.any():
            text, where = text[special], where[special]
            kind[where[text.isin(marks).to_numpy()]] = _KIND["na"]
            kind[where[text.isin(ERROR_VALUES).to_numpy()]] = _KIND["error"]
            kind[where[text.eq("").to_numpy()]] = _KIND["blank"]
    return _kinds(kind, col.index), plain, spaced


def numeric_mark(marks: frozenset[str] | set[str]) -> bool:
    """Whether a not-applicable mark reads as a number: then a number typed as text must be compared with
    the marks as text, not read first."""
    return bool(plain_numbers(list(marks)).notna().any())


def read_already(col: pd.Series) -> tuple[pd.Series, pd.Series, bool]:
    """The kinds and numbers of a column of text cells read as floats already (see `_text_columns`)."""
    blank = col.isna().to_numpy()
    return _kinds(np.where(blank, _KIND["blank"], _KIND["text"]), col.index), col[~blank], False


def _typed_kinds(col: pd.Series, values: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Number, bool, blank, uncalculated and other cells marked in `kind` from one type() per cell; returns
    which cells are text."""
    types = col.map(type)
    kind[:] = _KIND["other"]
    number = types.isin(_NUMBER_TYPES).to_numpy()
    kind[number] = _KIND["number"]
    kind[types.isin(_BOOL_TYPES).to_numpy()] = _KIND["bool"]
    kind[types.isin(_BLANK_TYPES).to_numpy()] = _KIND["blank"]
    kind[number.nonzero()[0][pd.isna(values[number].astype(float))]] = _KIND["blank"]  # a NaN number cell
    if Uncalculated in _present(types):
        kind[types.eq(Uncalculated).to_numpy()] = _KIND["uncalculated"]
    return types.eq(str).to_numpy()


def plain_numbers(texts: Any, first: np.ndarray | None = None) -> pd.Series:
    """Texts read as numbers at C speed where they are plain ones (88.5, -3, 1e3), NaN where they are not.
    Only texts that can begin a number are tried (by their `first` characters' codes, when known already): a
    million ids such as E0000001 fail slowly."""
    texts = pd.Series(texts, dtype=object)
    read = np.full(len(texts), np.nan)
    could = np.isin(_edges(texts.tolist())[0] if first is None else first, _NUMBER_START)
    if could.sum() >= POLARS_FROM:  # what polars reads, `to_numeric` reads the same; the rest is tried below
        import polars as pl

        tried = pl.Series(texts[could].tolist(), dtype=pl.String).cast(pl.Float64, strict=False)
        read[could] = tried.to_numpy()
        could &= np.isnan(read)
    if could.any():
        read[could] = pd.to_numeric(texts[could], errors="coerce").astype(float)
    return pd.Series(read)


#: from this many texts, polars' Rust parser reads the plain numbers first: it pays for its import (0.06 s)
#: and reads a million in 0.03 s, where `to_numeric` takes 0.11 s and the first-character test 0.15 s
POLARS_FROM = 50_000


#: how a text that `to_numeric` reads can begin: a digit, a sign, a point, a space, or inf and nan
_NUMBER_START = np.array([ord(c) for c in "0123456789+-. \t\n\r\x0b\x0ciInN"], dtype=np.uint32)


#: every character `str.strip` strips
_SPACES = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)


#: an id with no letter or digit (its whole line of word-less characters), or with a tab or return in it
_NO_WORD = re.compile(r"(?m)^[^\w\n]*$|[\r\t]")


def _edges(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each text's first and last character's code (0 for an empty text), read from all the texts at once
    as one array of code points, joined by NULs: a character looked at text by text costs a fifth of a
    second a million, and so does each text's length."""
    none = np.zeros(len(texts), dtype=np.uint32)
    joined = "\0".join(texts)
    points = (np.frombuffer(joined.encode("ascii"), dtype=np.uint8) if joined.isascii()  # a quarter the memory
              else np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32))
    del joined
    if not len(points):
        return none, none
    breaks = np.flatnonzero(points == 0)
    if len(breaks) == len(texts) - 1:
        starts, ends = np.concatenate(([0], breaks + 1)), np.concatenate((breaks, [len(points)]))
    else:  # a text holds a NUL of its own: count the lengths
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
        ends = np.cumsum(lengths) - 1
        starts = ends - lengths + 1
    empty = starts == ends
    first = np.where(empty, 0, points[np.minimum(starts, len(points) - 1)]).astype(np.uint32)
    return first, np.where(empty, 0, points[np.maximum(ends - 1, 0)]).astype(np.uint32)


def _spaced(texts: list[str]) -> bool:
    """Whether a text begins or ends with a space."""
    first, last = _edges(texts)
    return bool(np.isin(first, _SPACES).any() or np.isin(last, _SPACES).any())


def stripped(texts: pd.Series, spaced: bool | None = None) -> pd.Series:
    """Texts without their edge spaces, stripped one by one only when one of them has some (`spaced`, when it
    is known already)."""
    if spaced is None:
        spaced = _spaced(texts.dropna().astype(str).tolist())
    return texts.str.strip() if spaced else texts


def folded(texts: pd.Series, spaced: bool | None = None) -> pd.Series:
    """`fold` of every text (blanks stay blank): nothing to do for ASCII without edge spaces (`spaced`, when
    it is known already), which NFKC leaves as it is; otherwise each distinct text folded once."""
    present = texts.dropna().astype(str)
    values = present.tolist()
    if "".join(values).isascii() and not (_spaced(values) if spaced is None else spaced):
        return texts.where(texts.isna(), present)
    codes, uniques = pd.factorize(present)
    each = np.array([fold(u) for u in uniques.tolist()], dtype=object)
    return texts.where(texts.isna(), pd.Series(each[codes], index=present.index))


def contains(texts: pd.Series, pattern: re.Pattern[str]) -> np.ndarray:
    """Which texts `pattern` (one that never matches a newline) is found in, from one search of them all
    joined by newlines: a pattern searched text by text costs half a second a million."""
    values = texts.astype(str).tolist()
    joined = "\n".join(values)
    if not values:
        return np.zeros(0, dtype=bool)
    if joined.count("\n") != len(values) - 1:  # a text holds a newline of its own
        return texts.astype(str).str.contains(pattern).to_numpy(dtype=bool)
    ends = np.cumsum(np.fromiter(map(len, values), dtype=np.int64, count=len(values)) + 1)
    hits = np.zeros(len(values), dtype=bool)
    hits[np.searchsorted(ends, [m.start() for m in pattern.finditer(joined)], side="right")] = True
    return hits


def of_kind(kinds: pd.DataFrame, *names: str) -> pd.DataFrame:
    """Which cells are of one of the kinds named, from the kinds' codes at once: comparing twenty columns of
    categories one by one costs a tenth of a second a million rows."""
    codes = np.stack([kinds[c].cat.codes.to_numpy() for c in kinds.columns], axis=1)
    return pd.DataFrame(np.isin(codes, [_KIND[n] for n in names]), index=kinds.index, columns=kinds.columns)


def _kinds(codes: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(pd.Categorical.from_codes(codes.astype(np.int8), categories=list(KINDS)), index=index)


def _present(types: pd.Series) -> set[type]:
    """The cell types a column holds (few: a hash of each distinct one)."""
    return set(pd.unique(types.to_numpy()))


def as_text(col: pd.Series, kind: pd.Series) -> pd.Series:
    """Cells as text: a number cell 1001 is "1001", not "1001.0"; blanks are NaN."""
    out = col.where(kind != "blank").astype(object)
    num = col[kind == "number"].astype(float)
    out[num.index] = num.map(show)
    other = kind.isin(["bool", "other"])
    out[other] = col[other].astype(str)
    return out


def text_kinds(text: pd.Series) -> pd.Series:
    """A source's text cells as blank or text, the kinds `_numbers` reads them by."""
    blank = text.isna() | (text.astype(str).str.strip() == "")
    return pd.Series(np.where(blank, "blank", "text"), index=text.index)


def longer(texts: pd.Series, limit: int) -> pd.Index:
    """The rows whose text is longer than `limit`, found text by text only when the longest is."""
    present = texts.dropna()
    if max(map(len, present.tolist()), default=0) <= limit:
        return present.index[:0]
    return present.index[present.str.len() > limit]


def wordless(texts: pd.Series) -> np.ndarray:
    """Which texts are no plausible id, one line with a letter or digit in it: those of two lines, and those
    `_NO_WORD` is found in, searched only where a text does not begin with a letter or digit, or holds a tab,
    return or newline. Most ids begin with one and hold none of those, and a regex run through a million ids
    costs a tenth of a second."""
    values = texts.astype(str).tolist()
    first, _ = _edges(values)
    codes = np.unique(first)
    worded = codes[np.array([chr(c).isalnum() or c == ord("_") for c in codes.tolist()], dtype=bool)]
    look = ~np.isin(first, worded)
    found = np.zeros(len(values), dtype=bool)
    joined = "".join(values)
    if any(c in joined for c in "\r\t\n"):
        look |= texts.astype(str).str.contains(r"[\r\t\n]").to_numpy(dtype=bool)
    if "\n" in joined:  # an id of two lines is none
        found |= texts.astype(str).str.contains("\n", regex=False).to_numpy(dtype=bool)
    if look.any():
        found[look] |= contains(texts[look], _NO_WORD)
    return found


def without(values: pd.Series, drop: pd.Series) -> pd.Series:
    """`values` blank where `drop` holds, and the very same column when it holds nowhere: a million-row
    copy costs its fresh memory for nothing."""
    return values.where(~drop) if drop.any() else values


def text_numbers(typed: pd.Series, plain: pd.Series | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Text cells as numbers (percents as fractions), which of them were written with %, and which the grammar
    read; plain numbers ("88.5" as a CSV writes it) come read already, or are read here at C speed."""
    read = plain_numbers(typed).set_axis(typed.index) if plain is None else plain.reindex(typed.index)
    plain = read[np.isfinite(read)]  # inf and nan go to the grammar, to be refused there
    text = typed.drop(plain.index).astype(str).str.normalize("NFKC").str.replace(r"\s+", "", regex=True)
    written_pct = text.str.endswith("%")
    digits = text.str.rstrip("%")
    thousands = digits.str.fullmatch(THOUSANDS)
    digits = digits.where(~thousands, digits.str.replace(",", "", regex=False))
    ok = digits.str.fullmatch(NUMBER)
    parsed = digits.where(ok).astype(float)  # 10^400 typed in full is inf here, and refused by the caller
    percents = written_pct & ok
    if percents.any():
        parsed[percents] = hundredths(digits[percents])
    return pd.concat([plain, parsed]), written_pct, ok


def typed_as(col: pd.Series, kinds: pd.Series, row: Any) -> Any:
    """A cell as it was typed: a number cell as its number, a text cell as its text, also where it was read
    as a float already (see `_text_columns`)."""
    return show(col[row]) if kinds[row] == "text" else col[row]


def show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
