"""Numbers as HR staff type them, and rounding as Excel does it.

The scheme and the input share one reading of `88%`, `０.８８` or `1,234`, and every score is rounded the
way Excel's ROUND rounds the decimal the user typed, so a workbook and kpiscore never disagree by a cent.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    from .lazy import np, pd

# A float within this relative distance of a rounding tie is the tie: 20 × 80.1% ÷ 80% is 20.025 on paper
# but 20.024999999999995 in binary, and Excel (which rounds the decimal) gives 20.03.
TIE_TOLERANCE = 1e-12
# ... and never wider than this, in units of the last decimal: at a million in cents (1e8) the relative slack
# is 1e-4 of a cent, but at a trillion (1e14 cents) it would be 100 cents and round every amount up
TIE_CAP = 1e-4
# Step counts are snapped to this many decimals before floor/ceil: 3% ÷ 1% is 3, not 2.9999999999999996.
STEP_DECIMALS = 9

#: the one number grammar, for the scheme and for cells: 88, -3, .5, 1e3, and 1,234.5 with thousands commas
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def fold(text: str) -> str:
    """Trim and NFKC-fold text, so that full-width `（秒）％１` matches half-width `(秒)%1`."""
    return unicodedata.normalize("NFKC", text).strip()


#: how a source's ids and labels are folded, in process and in the SQL that defines them (`core.sql`): the
#: characters NFKC makes plain that exports hold (full-width letters, digits and signs, the ideographic and
#: no-break spaces), each replaced, then TRIMMED off both ends. SQL has no NFKC; this it can say in any dialect
SOURCE_FOLD = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " ", "\u00a0": " "}
TRIMMED = " \t\r\n"
_SOURCE_TABLE = str.maketrans(SOURCE_FOLD)


def fold_source(text: str) -> str:
    """A source's id or label as the SQL of its measures folds it: ＷＸ００１ and "WX001 " are WX001."""
    return text.translate(_SOURCE_TABLE).strip(TRIMMED)


#: a number beyond this (or not finite) is a typo or an attack, never a KPI figure: `weight: 1e400`
NUMBER_LIMIT = 1e15
#: the largest amount of money paid out: its cents (1e14) and their sums stay exact in a double (below 2^53)
MONEY_LIMIT = 1e12
#: the largest fraction a percent indicator's actual may be (150%); a bare number above it is no fraction
#: (88 means 88%, and kpiscore asks rather than guesses)
PERCENT_MAX = 1.5


def usable(value: float) -> bool:
    """Finite and within ±NUMBER_LIMIT: a number every later step can compute with and write."""
    return math.isfinite(value) and abs(value) <= NUMBER_LIMIT


#: what people type in a cell to say "does not apply" (不适用); a scheme adds its own with `not_applicable:`
NOT_APPLICABLE = ("/", "—", "——", "-", "--", "–", "无", "不适用", "N/A")


def label_key(text: str) -> str:
    """A mapping's label as compared: folded and without spaces, so that a cell 1 级 is the label 1级."""
    return re.sub(r"\s+", "", fold(text))


def mark_key(text: str) -> str:
    """A not-applicable mark as compared: folded, without spaces, upper case (n/a is N/A)."""
    return re.sub(r"\s+", "", fold(text)).upper()


def mark_spellings(marks: tuple[str, ...] | list[str]) -> frozenset[str]:
    """Every way a mark is typed into a cell (n/a, N/A, Ｎ／Ａ), so that cells are matched by one hash look-up
    instead of folding each of them."""
    out: set[str] = set()
    for mark in marks:
        key = mark_key(mark)
        wide = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in key)
        out.update({key, key.lower(), key.capitalize(), wide, wide.lower()})
    return frozenset(m for m in out if m)


@dataclass(frozen=True)
class Quantity:
    """A number from the scheme, remembering whether it was written as a percent and how it was written."""

    value: float
    percent: bool
    text: str


def parse_number(text: str) -> tuple[float, bool] | None:
    """Read `88%`, `0.88`, `１,２３４`, `-3` into (value, written-as-percent); None when it is not a number."""
    s = fold(text).replace(" ", "")
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    if THOUSANDS.fullmatch(s):
        s = s.replace(",", "")
    if not NUMBER.fullmatch(s):
        return None
    return (hundredth(s) if percent else float(s)), percent


def hundredth(digits: str) -> float:
    """A number written with % as the double nearest its hundredth, as Excel stores 84.9% (0.849): float
    division gives 0.8490000000000001, which a CSV then shows."""
    return float(Decimal(digits).scaleb(-2))


def hundredths(digits: pd.Series) -> pd.Series:
    """`hundredth` of a column of number texts (each matching NUMBER), at C speed where there is no exponent."""
    plain = ~digits.str.contains("[eE]", regex=True)
    out = (digits.where(plain, "0") + "e-2").astype(float)
    return out.where(plain, digits.map(hundredth, na_action="ignore")) if not plain.all() else out


def round_half_up(values: pd.Series | np.ndarray | float, decimals: int, out: np.ndarray | None = None
                  ) -> np.ndarray:
    """Round half away from zero, like Excel's ROUND, treating near-ties as ties (see TIE_TOLERANCE); into
    `out` if given (it may be `values` itself).

    Worked a block of CHUNK numbers at a time in five small arrays that stay in the CPU's cache: whole-column
    temporaries are fresh memory each time, slow to touch (a million people's column is 8 MB), and rounding
    a million people's twenty scores took 0.21 s that way, 0.06 s this way."""
    x = np.atleast_1d(np.asarray(values, dtype=float))
    result = np.empty_like(x) if out is None else out
    factor, size = 10.0**decimals, min(len(x), CHUNK)
    scaled, low, frac = np.empty(size), np.empty(size), np.empty(size)
    up, near = np.empty(size, dtype=bool), np.empty(size, dtype=bool)
    with np.errstate(invalid="ignore"):
        for start in range(0, len(x), CHUNK):
            xs = x[start:start + CHUNK]
            m = len(xs)
            s, lo, fr, u, n = scaled[:m], low[:m], frac[:m], up[:m], near[:m]
            np.abs(xs, out=s)
            s *= factor
            np.floor(s, out=lo)
            np.subtract(s, lo, out=fr)
            fr -= 0.5  # the distance from a tie: above it rounds up, and so does a near-tie
            np.greater(fr, 0, out=u)
            np.maximum(s, 1.0, out=s)
            s *= TIE_TOLERANCE
            np.minimum(s, TIE_CAP, out=s)
            np.abs(fr, out=fr)
            np.less_equal(fr, s, out=n)
            u |= n
            lo += u
            lo /= factor
            np.sign(xs, out=s)
            np.multiply(lo, s, out=result[start:start + m])  # the last use of this block of `x`
    return result[0] if np.ndim(values) == 0 else result


#: how many numbers `round_half_up` works on at once: five arrays of this many fit in a CPU's L2 cache
CHUNK = 1 << 14


def snap(values: pd.Series | np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Remove binary noise from a ratio of decimals before it is floored or ceiled; into `out` if given (it
    may be `values` itself). The very steps of `np.round` (scale, round to even, unscale), without its
    temporaries: a million people's column is 8 MB of fresh memory each."""
    x = np.asarray(values, dtype=float)
    result = np.multiply(x, 10.0**STEP_DECIMALS, out=out)
    np.rint(result, out=result)
    result /= 10.0**STEP_DECIMALS
    return result


def _format(template: str, values: np.ndarray, index: pd.Index) -> pd.Series:
    """`template % v` for every value, as an object Series (the fastest way to many small strings)."""
    return pd.Series([template % v for v in values.tolist()], index=index, dtype=object)


def fmt_plain(values: pd.Series, percent: bool = False) -> pd.Series:
    """Format numbers as the user would have typed them: 88%, 91.5%, 3, 4.3333."""
    x = np.round(values.to_numpy(dtype=float) * (100 if percent else 1), 4) + 0.0  # + 0.0: no "-0"
    return _format("%.10g%%" if percent else "%.10g", x, values.index)


def fmt_fixed(values: pd.Series, decimals: int) -> pd.Series:
    """Format scores with exactly `decimals` places, as the scored workbook shows them: 14.67, 26.50; rounded
    as Excel's ROUND first (`%.2f` alone makes 2.125 2.12, a tie rounded to even)."""
    return _format(f"%.{decimals}f", round_half_up(values, decimals), values.index)


def text_width(text: str) -> int:
    """Display width as Excel shows it: a CJK character (and ×, ÷, −, ∈ in a CJK font) takes two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def one(value: float, percent: bool = False) -> str:
    """Format a single parameter of a rule (a weight, a target, a step) for words and notes."""
    return str(fmt_plain(pd.Series([value]), percent).iloc[0])


def as_label(value: int | float) -> str:
    """A number written where a label belongs (`period: 2024`) as the label it was meant to be."""
    if isinstance(value, int):
        return str(value)
    return one(value) if usable(value) else str(value)


def first_rows(keys: pd.Series) -> pd.Series:
    """Each key's first row (its index label), for an error on a later one: "also in row 7"."""
    present = keys.dropna()
    firsts = present[~present.duplicated()]
    return pd.Series(firsts.index, index=firsts.to_numpy())


def fill(template: str, **columns: pd.Series) -> pd.Series:
    """A `{field}` template filled from columns of text, row by row but without a loop over rows: the
    words of many quota moves at once."""
    out: pd.Series | str = ""
    for literal, key, _, _ in string.Formatter().parse(template):
        out = out + literal
        if key is not None:
            out = out + columns[key]
    return out if isinstance(out, pd.Series) else pd.Series(out)


def columns_frame(columns: list[np.ndarray], names: list[Any], index: pd.Index) -> pd.DataFrame:
    """A table of these arrays as its columns, not copied into one block: a column of a million is 8 MB that
    the allocator hands back from memory already touched, a block of twenty is fresh memory, slow to touch."""
    return pd.DataFrame(dict(zip(names, columns, strict=True)), index=index, columns=names, copy=False)


def mean_text(values: pd.Series, least: int) -> pd.Series:
    """A mean as a rating's breakdown writes it: at least `least` decimals (4.0, 4.30), at most four."""
    text = fmt_plain(values)
    whole, decimals = text.str.replace(r"\..*$", "", regex=True), text.str.replace(r"^[^.]*\.?", "", regex=True)
    padded = whole + "." + decimals.str.ljust(least, "0")
    return padded.where(np.isfinite(values.to_numpy(dtype=float)), text)


def row_sum(table: pd.DataFrame, columns: list[str], blank: float) -> np.ndarray:
    """Each row's sum of the columns, left to right as Excel's SUM adds, skipping blanks; `blank` where all
    are blank. Column by column in place: a row-wise sum of separate columns would first copy them into one
    block."""
    total, seen = np.zeros(len(table)), np.zeros(len(table), dtype=bool)
    for name in columns:
        values = table[name].to_numpy()
        present = ~np.isnan(values)
        np.add(total, values, out=total, where=present)
        seen |= present
    total[~seen] = blank
    return total
