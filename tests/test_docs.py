"""Docs cannot drift: every command has help and is in the README; the Quick start is two commands."""

import re
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from kpiscore.cli import app

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]


def test_commands_exist():
    assert {"score", "validate", "explain", "schemes", "init"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_documented(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0 and len(result.stdout) > 100
    assert f"kpiscore {command}" in README


def _written_commands() -> list[tuple[str, list[str]]]:
    """Every `kpiscore COMMAND …` the README shows, in code blocks and in backticks: its name and options."""
    quoted = re.findall(r"```.*?```", README, re.S) + re.findall(r"`([^`\n]*kpiscore [^`\n]*)`", README)
    found = []
    for text in quoted:
        for match in re.finditer(r"kpiscore ([a-z][a-z-]*)([^\n|`]*)", text):
            found.append((match.group(1), re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", match.group(2))))
    return found


def test_every_command_the_readme_shows_exists_with_its_options():
    shown = _written_commands()
    assert {name for name, _ in shown} >= {"score", "template", "validate", "explain", "batch", "schemes", "init"}
    commands = get_command(app).commands  # type: ignore[attr-defined]
    for name, options in shown:
        assert name in commands, f"the README shows kpiscore {name}, which does not exist"
        known = {opt for param in commands[name].params for opt in (*param.opts, *param.secondary_opts)}
        assert set(options) <= known | {"--help"}, (name, set(options) - known)


def test_quick_start_is_two_commands():
    section = README.split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) == 2
    assert lines[0].startswith("pip install . && kpiscore score examples/")
    assert lines[1] == 'pip install ".[test]" && python -m pytest'
    ci = (Path(__file__).parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert lines[1] in ci


def test_the_rule_reference_names_every_rule_and_each_example_loads():
    """Each row of the README's rule reference is a rule kpiscore has, and its example is a valid indicator."""
    import yaml

    from kpiscore.core.rules import RULES
    from kpiscore.io.schemefile import load_scheme

    section = README.split("### Rules: the reference", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert [re.match(r"\| `(\w+)`", row).group(1) for row in rows] == list(RULES)
    for row in rows:
        item = yaml.safe_load(re.findall(r"`(\{.*?\})` \|$", row)[0])
        kind = "adjustments" if "weight" not in item else "dimensions"
        scheme = {"name": "例", "total": item.get("weight", 100),
                  "dimensions": [{"name": "维度", "indicators": [
                      {"name": "指标", **item} if kind == "dimensions" else {"name": "其他", "weight": 100,
                                                                            "target": "100%"}]}],
                  "adjustments": [item] if kind == "adjustments" else []}
        assert load_scheme(scheme).items, row
