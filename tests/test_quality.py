"""The code stays ruff-clean and type-checks: run as tests so CI holds every change to it."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_ruff_clean():
    out = subprocess.run(["ruff", "check", "src", "tests", "benchmarks", "examples"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


def test_mypy_clean():
    pytest.importorskip("mypy")
    out = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


def test_no_test_patches_a_private_name():
    """Tests drive the code through what it offers; patching `_something` ties a test to one way of writing it."""
    pattern = re.compile(r"setattr\(\s*[\w.]*(\._\w+|,\s*[\"']_\w+)")
    patched = [f"{path.name}: {m.group(0)}" for path in (ROOT / "tests").rglob("*.py")
               for m in pattern.finditer(path.read_text(encoding="utf-8"))]
    assert patched == []
