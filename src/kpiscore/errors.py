"""Findings are values with a place; one exception carries all of them to the boundary.

Checks never raise on the first problem: they collect :class:`Finding` objects so that a user fixes a
scheme or a workbook in one pass instead of one error per run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One problem, with where it is: a YAML line and field path, or a workbook sheet and cell."""

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    sheet: str | None = None
    cell: str | None = None

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
        self.findings = list(findings)
        #: the language the findings are in, where the raiser knows it (a scheme's own `language:`)
        self.lang = lang
        super().__init__("\n".join(str(f) for f in self.findings))


class SchemeError(KpiscoreError):
    """The scheme (or a batch plan) is invalid."""


class InputError(KpiscoreError):
    """The actuals (the filled input) cannot be scored as they are."""


class UsageError(KpiscoreError):
    """The command cannot run as asked: a missing input, an output that exists, an output equal to the input."""
