"""Schemes from files: a path or a starter scheme's name, read as YAML with lines, checked, with provenance."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ..core.checks import check_scheme
from ..core.document import YamlDoc, data_language, surrogates
from ..core.scheme import Scheme, SchemeSource
from ..errors import Finding, SchemeError, UsageError
from ..text import voice
from .decode import file_problem
from .starters import starter_schemes
from .yamlio import read_yaml


def resolve_scheme_path(source: str | Path) -> Path:
    """A scheme given as a file path, or as the name of a starter scheme (`aftersales`)."""
    path = Path(source)
    if file_problem(path) is None:  # a name too long, or with a NUL, is no file: it may be a starter's
        return path
    starters = starter_schemes()
    if str(source) in starters:
        return starters[str(source)]
    # a scheme file that does not exist is a usage error (exit 2), like a missing input
    params = {"name": str(source), "starters": ", ".join(starters)}
    raise UsageError([Finding("unknown_scheme", params, file=str(source))])


def load_scheme(source: str | Path | dict[str, Any]) -> Scheme:
    """Read and check a scheme from a YAML file, a starter scheme's name, or a dict; raise SchemeError."""
    if isinstance(source, dict):
        return scheme_from_data(source)
    path = resolve_scheme_path(source)
    read = read_yaml(path)
    checked: Scheme | None = None
    more: list[Finding] = []
    if read.doc is not None:
        provenance = SchemeSource(str(path), hashlib.sha256(read.data).hexdigest())
        checked, more = check_scheme(read.doc, voice(read.lang), provenance)
    if read.findings or checked is None:
        raise SchemeError(read.failure(more), read.lang)
    return checked


def scheme_from_data(source: dict[str, Any]) -> Scheme:
    """A scheme from data already in memory (a notebook's dict), with every problem raised at once."""
    lang = data_language(source)
    bad = surrogates(source, "<scheme>")
    if bad:
        raise SchemeError(bad, lang)
    scheme, findings = check_scheme(YamlDoc(source, {}, "<scheme>"), voice(lang))
    if scheme is None:
        raise SchemeError(findings, lang)
    return scheme
