"""Findings are values with a place; one exception carries all of them to the boundary.

Checks never raise on the first problem: they collect :class:`Finding` objects so that a user fixes a
scheme or a workbook in one pass instead of one error per run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from .text import msg


@dataclass(frozen=True)
class Finding:
    """One problem: its code, the facts that fill in its message, and where it is (a YAML line and field
    path, or a workbook sheet and cell). The message is the catalog's, put into words in `lang` when read:
    the code that finds a problem knows no language, and the face renders it once, in the user's."""

    code: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    file: str | None = None
    line: int | None = None
    field: str | None = None
    sheet: str | None = None
    cell: str | None = None
    lang: str = "zh"

    @property
    def message(self) -> str:
        return msg(self.code, self.lang, **self.params)

    def said_in(self, lang: str) -> Finding:
        """The same finding, to be read in `lang`."""
        return replace(self, lang=lang)

    @property
    def place(self) -> str:
        """Where the problem is, as a user reads it: `a.yaml:14 weights` or `a.xlsx › Sheet1 › D7`."""
        if self.sheet is not None or self.cell is not None:
            parts = [p for p in (self.file, self.sheet, self.cell) if p]
            return " › ".join(parts)
        head = self.file or ""
        if self.line is not None:
            head = f"{head}:{self.line}"
        return " ".join(p for p in (head, self.field) if p)

    def __str__(self) -> str:
        place = self.place
        return f"{place}: {self.message}" if place else self.message


class KpiscoreError(Exception):
    """Base class: a problem of the user's scheme, data or command, carrying every finding."""

    def __init__(self, findings: Iterable[Finding], lang: str | None = None):
        #: the language the findings are read in, where the raiser knows it (a scheme's own `language:`)
        self.lang = lang
        self.findings = [f.said_in(lang) for f in findings] if lang else list(findings)
        super().__init__("\n".join(str(f) for f in self.findings))


class SchemeError(KpiscoreError):
    """The scheme (or a batch plan) is invalid."""


class InputError(KpiscoreError):
    """The actuals (the filled input) cannot be scored as they are."""


class UsageError(KpiscoreError):
    """The command cannot run as asked: a missing input, an output that exists, an output equal to the input."""
