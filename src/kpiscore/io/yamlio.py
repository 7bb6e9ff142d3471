"""Safe YAML with line numbers, and pydantic errors turned into findings that point at those lines.

PyYAML's `safe_load` keeps the last of two duplicate keys without a word and forgets where every value
came from; here the node tree is walked by hand, so duplicates are refused and each key path keeps its
line for messages like `manager.yaml:14 dimensions[0].indicators[2].weight: ...`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..core.document import SURROGATE, KeyPath, YamlDoc, data_language, format_path
from ..errors import Finding
from .decode import DecodeProblem, decode_text, file_problem

#: the only YAML types a scheme or plan is made of
PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
#: Nodes visited at most: aliases may repeat a subtree, but never into a "billion laughs" expansion.
NODE_BUDGET = 100_000
#: A scheme nests five levels deep; past this, nesting is an accident or an attack (and Python's stack).
MAX_DEPTH = 32
#: A scheme is a few kilobytes; a file of over a mebibyte is no scheme and is refused before it is parsed.
MAX_CHARS = 2**20


def load_yaml(text: str, file: str) -> tuple[YamlDoc | None, list[Finding]]:
    """Parse YAML safely; duplicate keys and syntax errors come back as findings with their lines."""
    if len(text) > MAX_CHARS:
        return None, [Finding("yaml_too_large", {"size": f"{len(text):,}"}, file=file)]
    root, failure = _compose(text, file)
    if failure is not None:
        return None, [failure]
    walker = _Walker(file)
    try:
        data = walker.node(root, ()) if root is not None else None
    except _Bomb:
        return None, [Finding("yaml_alias_bomb", {}, file=file)]
    except _TooDeep:
        return None, [Finding("yaml_too_deep", {"depth": MAX_DEPTH}, file=file)]
    return YamlDoc(data, walker.lines, file), walker.findings


def _compose(text: str, file: str) -> tuple[yaml.Node | None, Finding | None]:
    """The node tree, never constructed: or why there is none (a syntax error at its line, a tab).

    libyaml composes a good file several times faster; a file it refuses, or one with characters PyYAML's
    reader refuses, is composed again by PyYAML itself, whose findings are the ones users see."""
    if _FAST is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        fast = _FAST(text)
        try:
            return fast.get_single_node(), None
        except (yaml.YAMLError, RecursionError):
            pass
        finally:
            fast.dispose()
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # rejects control characters already
        return loader.get_single_node(), None
    except RecursionError:  # PyYAML composes nested collections recursively
        return None, Finding("yaml_too_deep", {"depth": MAX_DEPTH}, file=file)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        source = text.splitlines()[line - 1] if line and line <= len(text.splitlines()) else ""
        if "\t" in source[: len(source) - len(source.lstrip())]:  # a tab in the indentation
            return None, Finding("yaml_tab", {}, file=file, line=line)
        detail = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, Finding("yaml_syntax", {"detail": detail}, file=file, line=line)
    finally:
        if loader is not None:
            loader.dispose()


class _Walker:
    """Builds plain data from the node tree by hand, keeping each key path's line, refusing duplicate keys
    and unknown tags, within a node budget and a depth."""

    def __init__(self, file: str):
        self.file = file
        self.findings: list[Finding] = []
        self.lines: dict[KeyPath, int] = {(): 1}
        self.budget = NODE_BUDGET

    def node(self, node: yaml.Node, path: KeyPath) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _Bomb
        if len(path) > MAX_DEPTH:  # a recursive alias (&r [*r]) or nesting no scheme needs
            raise _TooDeep
        if node.tag not in PLAIN_TAGS:  # `!!python/object` and friends: never constructed, always refused
            self._found("yaml_tag", {"tag": node.tag}, node, path)
            return node.value if isinstance(node, yaml.ScalarNode) else None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                self.lines[(*path, i)] = item.start_mark.line + 1
                items.append(self.node(item, (*path, i)))
            return items
        value = _scalar(node)
        if isinstance(value, str) and SURROGATE.search(value):  # "\ud800" in a double-quoted string
            self._found("yaml_surrogate", {}, node, path)
            return SURROGATE.sub("\ufffd", value)
        return value

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            # keys are text as written: a label `yes` or `5` stays "yes" / "5", never True / 5
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if isinstance(key, str) and SURROGATE.search(key):  # a key "\ud800": it can be written nowhere
                self._found("yaml_surrogate", {}, key_node, path)
                key = SURROGATE.sub("\ufffd", key)
            if key is None:
                self.findings.append(Finding("yaml_key_type", {}, file=self.file, line=key_node.start_mark.line + 1))
            elif key in out:
                self._found("yaml_duplicate_key", {"key": key, "first": self.lines[(*path, key)]}, key_node,
                            (*path, key))
            else:
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                out[key] = self.node(value_node, (*path, key))
        return out

    def _found(self, code: str, params: dict[str, Any], node: yaml.Node, path: KeyPath) -> None:
        self.findings.append(Finding(code, params, file=self.file, line=node.start_mark.line + 1,
                                     field=format_path(path) or None))


#: a key followed by a full-width colon (`period：2024`), which YAML reads as plain text, not a key
_FULLWIDTH_KEY = re.compile(r"^\s*(?:-\s+)?([^\s#:：\"'\[\]{}|>][^#:：\"]{0,40}?)\s*：")


def fullwidth_colons(text: str, file: str) -> list[Finding]:
    """Lines where a key is followed by `：` instead of `:` — the usual cause when a Chinese scheme fails."""
    return [Finding("yaml_fullwidth_colon", {"key": m.group(1).strip()}, file=file,
                    line=n) for n, line in enumerate(text.splitlines(), start=1) if (m := _FULLWIDTH_KEY.match(line))]


@dataclass
class YamlFile:
    """A YAML file read in its one encoding: its bytes, its parse, the findings so far, and the full-width
    colons that explain a failure better than the parser can."""

    data: bytes
    doc: YamlDoc | None
    findings: list[Finding]
    hints: list[Finding]
    #: the file's own `language:` where it says one and could be read, else zh
    lang: str = "zh"

    def failure(self, more: list[Finding]) -> list[Finding]:
        """Every finding of a file that failed, its full-width colons named first as the likely cause."""
        found = sorted([*self.findings, *more], key=lambda f: f.line or 0)
        if not self.hints:
            return found
        return self.hints + [f for f in found if f.code != "yaml_syntax"]


def read_yaml(path: Path) -> YamlFile:
    """Read a YAML file; one that cannot be read or decoded, a tab or a full-width colon become findings
    at their lines, to be read in the file's own `language` where it says one."""
    problem = file_problem(path)
    if problem is not None:
        return YamlFile(b"", None, [Finding(*problem, file=path.name.replace("\x00", "\\0"))], [])
    try:
        if path.stat().st_size > 4 * MAX_CHARS:  # not even read: a 63 MB "scheme" is refused at once
            size = f"{path.stat().st_size:,}"
            return YamlFile(b"", None, [Finding("yaml_too_large", {"size": size},
                                                file=path.name)], [])
        data = path.read_bytes()
        text = decode_text(data)
    except OSError as exc:
        detail = exc.strerror or str(exc)
        return YamlFile(b"", None, [Finding("file_unreadable", {"detail": detail},
                                            file=path.name)], [])
    except DecodeProblem as exc:
        params = {"line": exc.line, "encoding": exc.encoding}
        return YamlFile(b"", None, [Finding("file_encoding", params, file=path.name, line=exc.line)], [])
    doc, findings = load_yaml(text, path.name)
    lang = data_language(doc.data) if doc is not None else "zh"
    return YamlFile(data, doc, findings, fullwidth_colons(text, path.name), lang)


class _Bomb(Exception):
    """The node budget ran out."""


class _TooDeep(Exception):
    """Nesting went past MAX_DEPTH."""


_CONSTRUCTOR = yaml.SafeLoader("")
#: libyaml's parser, where PyYAML was built with it
_FAST = getattr(yaml, "CSafeLoader", None)


def _scalar(node: yaml.Node) -> Any:
    """A scalar's value as safe_load would give it (int, float, bool, None, str), dates as text."""
    if node.tag == "tag:yaml.org,2002:timestamp":
        return str(node.value)
    try:
        return _CONSTRUCTOR.construct_object(node, deep=True)
    except (ValueError, OverflowError, yaml.YAMLError):  # 5,000 digits, 0x-garbage: the field says what it wants
        return str(node.value)
    finally:  # the constructor remembers every node it built: forget them, or a long-lived process grows
        _CONSTRUCTOR.constructed_objects.clear()
