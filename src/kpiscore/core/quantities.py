"""The numbers a scheme is written in: a target or step as typed (90%, 0.9, 30), a usable number, and a band's
interval (`[90%, 95%)`, `>= 95%`). Parsed once here, with the one number grammar (`values.parse_number`), for
the rules, the scheme and the plans."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, PlainValidator
from pydantic_core import PydanticCustomError

from .values import Quantity, fold, one, parse_number, usable

if TYPE_CHECKING:
    import pandas as pd


def _usable(value: float, written: Any = None) -> float:
    if not usable(value):
        shown = str(written if written is not None else value)
        raise PydanticCustomError("number_unusable", "{value} is not a usable number",
                                  {"value": shown if len(shown) <= 24 else shown[:20] + "…"})
    return value


def _usable_as_written(value: Any) -> Any:
    """Check a number before pydantic converts it, so that the message shows what the user wrote (1e400)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return value
    try:
        number = float(value)
    except (ValueError, OverflowError):
        if isinstance(value, int):  # 10**400: too large for a float at all
            _usable(math.inf, value)
        return value  # not a number: pydantic says so
    _usable(number, value)
    return value


def positive(value: Quantity | None) -> Quantity | None:
    if value is not None and value.value <= 0:
        raise PydanticCustomError("greater_than", "must be greater than {gt}", {"gt": 0})
    return value


def not_negative(value: Quantity) -> Quantity:
    if value.value < 0:
        raise PydanticCustomError("greater_than_equal", "must be greater than or equal to {ge}", {"ge": 0})
    return value


#: every number of a scheme: finite and sane, so that `weight: 1e400` or `target: .nan` is an error at its line
Number = Annotated[float, BeforeValidator(_usable_as_written)]


def _quantity(value: Any) -> Quantity:
    """Accept 0.9, "90%" or "０.９" wherever the scheme takes a value in the actual's unit."""
    if isinstance(value, Quantity):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PydanticCustomError("number", "expected a number or a percent such as 90%")
    if isinstance(value, str):
        parsed = parse_number(value)
        if parsed is None:
            raise PydanticCustomError("number", "expected a number or a percent such as 90%")
        quantity = Quantity(parsed[0], parsed[1], fold(value))
    else:
        try:
            quantity = Quantity(float(value), False, "")
        except OverflowError:
            raise PydanticCustomError("number_unusable", "{value} is not a usable number",
                                      {"value": str(value)[:20] + "…"}) from None
    _usable(quantity.value, value)
    return quantity if quantity.text else Quantity(quantity.value, False, one(quantity.value))


Value = Annotated[Quantity, PlainValidator(_quantity), PlainSerializer(lambda q: q.text, return_type=str)]


_OPS = {">=": (True, False, True), "≥": (True, False, True), ">": (False, False, True),
        "<=": (False, True, False), "≤": (False, True, False), "<": (False, False, False),
        "==": (True, True, None), "=": (True, True, None)}
_INF = {"", "∞", "+∞", "inf", "+inf", "-∞", "-inf"}
#: how far inside an open end of a band its nearest actual is taken (a needed actual is then said a step in)
OPEN_END = 1e-9
#: a `when` longer than this is no interval anyone typed (and is read without any regex, in linear time)
MAX_WHEN = 64


def _malformed() -> PydanticCustomError:
    return PydanticCustomError("interval", "write an interval such as \"[90%, 95%)\" or \">= 95%\"")


@dataclass(frozen=True)
class Interval:
    """A band's `when`: `[90%, 95%)`, `>= 95%`; open-ended sides are infinite."""

    lo: float
    hi: float
    lo_closed: bool
    hi_closed: bool
    percent: bool
    text: str

    @property
    def bounded(self) -> bool:
        return math.isfinite(self.lo) and math.isfinite(self.hi)

    def contains(self, a: pd.Series) -> pd.Series:
        left = (a >= self.lo) if self.lo_closed else (a > self.lo)
        right = (a <= self.hi) if self.hi_closed else (a < self.hi)
        return left & right

    def overlaps(self, other: Interval) -> bool:
        first, second = sorted((self, other), key=lambda i: (i.lo, not i.lo_closed))
        if first.hi != second.lo:
            return first.hi > second.lo
        return first.hi_closed and second.lo_closed

    @classmethod
    def parse(cls, text: Any) -> Interval:
        if isinstance(text, Interval):
            return text
        if not isinstance(text, str) or len(text) > MAX_WHEN:
            raise _malformed()
        s = fold(text)
        op = next((o for o in _OPS if s.startswith(o)), None)
        if op is not None:
            v, pct = _bound(s[len(op):].strip())
            lo_closed, hi_closed, upward = _OPS[op]
            inf = math.inf
            lo, hi = (v, inf) if upward else (-inf, v) if upward is False else (v, v)
            return cls(lo, hi, lo_closed, hi_closed, pct, s)
        if len(s) < 3 or s[0] not in "[(" or s[-1] not in "])" or s.count(",") != 1:
            raise _malformed()
        lo_t, hi_t = (part.strip() for part in s[1:-1].split(","))
        lo, lo_pct = (-math.inf, False) if lo_t in _INF else _bound(lo_t)
        hi, hi_pct = (math.inf, False) if hi_t in _INF else _bound(hi_t)
        if lo > hi or (lo == hi and not (s[0] == "[" and s[-1] == "]")):
            raise PydanticCustomError("interval_empty", "the interval {when} is empty: its left end is not below its "
                                      "right end", {"when": s})
        return cls(lo, hi, s[0] == "[", s[-1] == "]", lo_pct or hi_pct, s)


def _bound(text: str) -> tuple[float, bool]:
    parsed = parse_number(text)
    if parsed is None:
        raise _malformed()
    _usable(parsed[0])
    return parsed


Points = Annotated[Number, Field(ge=0)]
