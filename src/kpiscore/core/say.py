"""Words without a language: the `Say` the face gives the core, and the facts that say themselves.

A rule owns its formula in words, and a finding carries facts that are labels or lists; both are put into
words through a `Say` handed in, so nothing here knows Chinese from English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class Say(Protocol):
    """The catalog in one language (`text.Voice`), given to whatever puts facts into words: the rules' own
    formulas, the words layer (`words/`), a finding's facts. The core never holds a language, only a `Say`."""

    def __call__(self, code: str, /, **params: Any) -> str: ...

    def pattern(self, code: str) -> str:
        """The words of `code` with their `{fields}` unfilled, for `values.fill` over whole columns."""
        ...

    def label(self, key: str) -> str: ...


@dataclass(frozen=True)
class Term:
    """A label among a message's facts ("an HTML page", "网页"), put into words in the message's language."""

    key: str

    def said(self, say: Say) -> str:
        return say.label(self.key)


@dataclass(frozen=True)
class Choices:
    """The values a field takes, joined as the message's language joins a list: 'a'、'b' 或 'c'."""

    values: tuple[str, ...]

    def said(self, say: Say) -> str:
        *first, last = self.values or ("",)
        return say("choices", first=say("enum_sep").join(first), last=last) if first else last



@dataclass(frozen=True)
class Listed:
    """A few values named in a message, joined as its language lists them: 1001、1002."""

    values: tuple[str, ...]

    def said(self, say: Say) -> str:
        return say("enum_sep").join(self.values)
