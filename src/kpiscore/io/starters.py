"""The starter schemes shipped with kpiscore: where they are, what each is, and copying one to edit.

Light on purpose: `kpiscore schemes` lists them without a YAML parser, a scheme check or pandas.
"""

from __future__ import annotations

import re
import shutil
from importlib import resources
from pathlib import Path

from ..errors import Finding, UsageError
from .output import atomic_write, check_output


def starter_dir() -> Path:
    """The starter schemes: inside the installed package, or `templates/` of a source checkout."""
    packaged = resources.files("kpiscore") / "templates"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "templates"


def starter_schemes() -> dict[str, Path]:
    """Starter scheme name → file, as `kpiscore schemes` lists them."""
    return {p.stem: p for p in sorted(starter_dir().glob("*.yaml"))}


def starters() -> list[tuple[str, str, str]]:
    """The starter schemes as (name for `--scheme`/`init`, the scheme's name, what its first comment says)."""
    rows = []
    for key, path in starter_schemes().items():  # listed, not validated: each is ours, its name a plain line
        text = path.read_text(encoding="utf-8-sig")
        named = _NAME.search(text)
        name = named.group(1) if named else key
        about = next((line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#")), "")
        rows.append((key, name, about.removeprefix(name).lstrip("：: ")))
    return rows


#: a starter's top-level `name:` line, unquoted (a test holds it equal to what YAML reads for each starter)
_NAME = re.compile(r"^name:[ \t]*([^\s'\"#][^#\n]*?)[ \t]*$", re.M)


def init_scheme(name: str, target: Path | None = None, force: bool = False) -> Path:
    """Copy a starter scheme, comments and all, to `target` (default NAME.yaml); returns where it went."""
    found = starter_schemes()
    if name not in found:
        raise UsageError([Finding("unknown_scheme", {"name": name, "starters": ", ".join(found)})])
    target = target or Path(f"{name}.yaml")
    if target.suffix.lower() not in (".yaml", ".yml"):  # -o x.xlsx, -o - would be YAML under another name
        raise UsageError([Finding("init_suffix", {"path": str(target)})])
    check_output(target, [found[name]], force)
    atomic_write(target, lambda tmp: shutil.copyfile(found[name], tmp), force)
    return target
