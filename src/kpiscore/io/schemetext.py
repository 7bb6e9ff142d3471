"""A drafted scheme as YAML text with comments: each item under the table's own words and kpiscore's reading.

Written by hand rather than by a YAML library's dumper, which writes no comments: every value still goes through
`yaml.safe_dump`, so that text from a cell (a name starting with `*`, `#` or `:`) is quoted and stays text.
"""

from __future__ import annotations

from typing import Any

import yaml

KeyPath = tuple[str | int, ...]


def _tidy(value: Any) -> Any:
    """Whole numbers as a table writes them: 30, not 30.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_tidy(v) for v in value]
    return value


def flow(value: Any) -> str:
    """One value as YAML on one line: `85%`, `'#1 项'`, `{type: deduct, per: 1%, points: 2}`."""
    text = yaml.safe_dump(_tidy(value), default_flow_style=True, allow_unicode=True, sort_keys=False, width=1 << 30)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _comment(lines: list[str], indent: str) -> list[str]:
    out = []
    for line in lines:
        for part in line.splitlines() or [""]:
            out.append(f"{indent}# {part}".rstrip())
    return out


def scheme_text(data: dict[str, Any], comments: dict[KeyPath, list[str]], head: list[str]
                ) -> tuple[str, dict[int, KeyPath]]:
    """The YAML of a scheme's data, `comments` above the items at their paths (("dimensions", 0, "indicators",
    2)), `head` at the top; and each line's item (1-based line → path), to put a finding about a line at its
    row of the table."""
    lines = _comment(head, "")
    owner: dict[int, KeyPath] = {}
    for key, value in data.items():
        if key not in ("dimensions", "adjustments"):
            lines.append(f"{key}: {flow(value)}")
            continue
        lines.append(f"{key}:")
        for i, entry in enumerate(value):
            path: KeyPath = (key, i)
            if key == "adjustments":
                lines += _item(entry, comments.get(path, []), "  ", path, owner, len(lines))
                continue
            lines.append(f"  - name: {flow(entry['name'])}")
            for field, v in entry.items():
                if field not in ("name", "indicators"):
                    lines.append(f"    {field}: {flow(v)}")
            lines.append("    indicators:")
            for j, item in enumerate(entry["indicators"]):
                inner: KeyPath = (*path, "indicators", j)
                lines += _item(item, comments.get(inner, []), "      ", inner, owner, len(lines))
    return "\n".join(lines) + "\n", owner


def _item(item: dict[str, Any], notes: list[str], indent: str, path: KeyPath, owner: dict[int, KeyPath],
          before: int) -> list[str]:
    out = _comment(notes, indent)
    first = True
    for field, value in item.items():
        out.append(f"{indent}{'- ' if first else '  '}{field}: {flow(value)}")
        first = False
    for n in range(before + 1, before + len(out) + 1):
        owner[n] = path
    return out
