"""A document's data with the line of every key path: where a finding about a scheme or a plan points.

Pure: the YAML reader (`io.yamlio`) builds it; the scheme and plan checks use it to place their findings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import Finding
from .say import Choices

if TYPE_CHECKING:
    from pydantic import ValidationError

KeyPath = tuple[str | int, ...]


class YamlDoc:
    """Parsed YAML data plus the line of every key path in it."""

    def __init__(self, data: Any, lines: dict[KeyPath, int], file: str):
        self.data = data
        self.lines = lines
        self.file = file

    def locate(self, loc: Sequence[str | int], tags: bool = True) -> tuple[int | None, str]:
        """The line and printable field path of a pydantic `loc`, whose union tags (not data) are skipped;
        `tags=False` for a path of data keys only."""
        node: Any = self.data
        path: list[str | int] = []
        tagged = None  # the node whose union tag was skipped: a tag is skipped once
        for part in loc:
            if tags and tagged is not node and _is_tag(part, node):
                tagged = node
                continue
            in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            # a field the data lacks (a missing one) is named, but there is nothing below it
            node = node[part] if in_list or (isinstance(node, dict) and part in node) else None
            path.append(part)
        line = next((self.lines[tuple(path[:end])] for end in range(len(path), -1, -1)
                     if tuple(path[:end]) in self.lines), None)
        return line, format_path(path)

    def finding(self, code: str, params: dict[str, Any], loc: Sequence[str | int], tags: bool = True) -> Finding:
        line, field = self.locate(loc, tags)
        return Finding(code, params, file=self.file, line=line, field=field or None)

    def validation_findings(self, error: ValidationError) -> list[Finding]:
        """One finding per pydantic error, in the user's language, at its YAML line."""
        found = []
        for e in error.errors():
            ctx = dict(e.get("ctx") or {})
            if e["type"] == "literal_error" and isinstance(ctx.get("expected"), str):  # "'a', 'b' or 'c'"
                ctx["expected"] = Choices(tuple(re.split(r", | or ", ctx["expected"])))
            found.append(self.finding(e["type"], {"input": e.get("input"), "message": e["msg"], **ctx}, e["loc"]))
        return found


def _is_tag(part: str | int, node: Any) -> bool:
    """Pydantic puts union members in `loc` (`deduct`, `list[str]`, `function-plain[...]`)."""
    if not isinstance(part, str):
        return False
    if node == part:
        return True
    if isinstance(node, dict) and node.get("type") == part:
        return True
    return "[" in part or part in {"str", "int", "float", "bool", "list", "dict", "tuple"}


def format_path(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


SURROGATE = re.compile("[\ud800-\udfff]")


def surrogates(data: Any, file: str, path: KeyPath = ()) -> list[Finding]:
    """Text holding a lone surrogate (from Python, where no YAML parser saw it): it can be written nowhere."""
    if isinstance(data, str):
        return [Finding("yaml_surrogate", {}, file=file, field=format_path(path) or None)
                ] if SURROGATE.search(data) else []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    return [f for key, value in items for f in (
        surrogates(key, file, path) if isinstance(key, str) else []) + surrogates(value, file, (*path, key))]


def data_language(raw: Any) -> str:
    """The language a scheme or plan asks for (`language: en`), zh where it says none."""
    return str(raw["language"]) if isinstance(raw, dict) and raw.get("language") in ("zh", "en") else "zh"
