"""The fuzz campaign over the newer surfaces: a round that uses every one of them (participation, a personal
target column, measures over an export, long ratings, a pool from a teams source with weights and pro-rating,
calibration, a bonus and a veto, a plan with nested roll-ups), one of its files mutated at a time, or the
command line called with arguments drawn at random.

Accepted outcomes are a result or kpiscore's own error (a CLI exit of 0, 1 or 2 with no traceback). Anything
else is counted: a crash (by signature), a hang (no outcome within the timeout), an abort (the worker died),
a live formula in a written workbook, or a Python warning. Run through harness.py:

    python tests/fuzz/harness.py --surfaces --inputs 100000 --workers 2 --seed 1 --report surfaces.json
"""

from __future__ import annotations

import contextlib
import io
import random
import re
import warnings
import zipfile
from pathlib import Path

from harness import NASTY, line_edit, signature, splice, text_edit, truncate

RICH = Path(__file__).parent / "rich"
#: each surface and the files it mutates
SURFACES = {
    "scheme": ["scheme.yaml"], "input": ["input.csv"], "sources": ["tickets.csv", "teams.csv"],
    "ratings": ["ratings.csv"], "adjust": ["adjust.csv"], "plan": ["plan.yaml"], "roster": ["roster.csv"],
    "cli": [],
}
#: values put in place of a YAML scalar: wrong types, out of range, text that breaks a reader
YAML_VALUES = [*NASTY, 0, -1, 1e-320, 1e308, 10**400, -(10**20), 0.5, [], {}, ["a", 1], {"a": [1]}, None, True,
               "工号", "日期", "部门", "状态", "被评人", "评分人", "加分", "总分", "优秀", "2024Q1", "0000Q1",
               "x" * 300, ".nan", "100%", "90%", [1, 2], {"<=": float("nan")}, {"in": []}]
#: a message that ends in a bare Python exception name (KeyError, NotImplementedError): words leaked from code
LEAK = re.compile(r"\b[A-Z]\w*(?:Error|Exception)\W*$")
#: pieces of a command line, drawn at random
COMMANDS = ["score", "validate", "explain", "slips", "compare", "template", "measures", "init", "batch", "schemes"]


def files() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(RICH.iterdir()) if p.is_file()}


# ---------------------------------------------------------------------------------------------------------
# mutations


def _paths(node: object, at: tuple = ()) -> list[tuple]:
    """Every place in a YAML document: keys of mappings and items of lists."""
    out = [at]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*at, i))
    return out


def _structural(rng: random.Random, text: str) -> str:
    """Replace, drop, duplicate or rename one node of a YAML document."""
    import yaml

    try:
        doc = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError):  # the mutator's own reading: 5,000 digits are refused
        return text_edit(rng, text)
    places = _paths(doc)[1:]
    if not isinstance(doc, dict) or not places:
        return text
    for _ in range(rng.randint(1, 3)):
        places = _paths(doc)[1:]
        if not places:
            break
        at = rng.choice(places)
        parent = doc
        for key in at[:-1]:
            parent = parent[key]
        last = at[-1]
        op = rng.randrange(4)
        if op == 0:
            parent[last] = rng.choice(YAML_VALUES)
        elif op == 1:
            del parent[last]
        elif op == 2 and isinstance(parent, list):
            parent.append(parent[last])
        elif isinstance(parent, dict):
            parent[rng.choice(YAML_VALUES[:40]) if rng.random() < 0.5 else f"{last} "] = parent.pop(last)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def mutate(rng: random.Random, surface: str, given: dict[str, bytes]) -> dict[str, bytes]:
    """The round's files with one surface's file changed one to three ways."""
    out = dict(given)
    if not SURFACES[surface]:
        return out
    name = rng.choice(SURFACES[surface])
    data = out[name]
    for _ in range(rng.randint(1, 3)):
        choice = rng.random()
        text = data.decode("utf-8", "replace")
        if name.endswith(".yaml") and choice < 0.45:
            data = _structural(rng, text).encode("utf-8", "surrogatepass")
        elif choice < 0.8:
            head = ""
            if name.endswith(".csv") and rng.random() < 0.7:  # most edits below the header: deeper paths
                lines = text.splitlines(keepends=True)
                keep = 2 if name.startswith("input") else 1
                head, text = "".join(lines[:keep]), "".join(lines[keep:])
            text = head + (text_edit(rng, text) if rng.random() < 0.6 else line_edit(rng, text))
            encoding = "gbk" if rng.random() < 0.2 else "utf-8"
            data = text.encode(encoding, "replace") if encoding == "gbk" else text.encode("utf-8", "surrogatepass")
        else:
            data = rng.choice([truncate, splice])(rng, data)
    out[name] = data
    return out


def argv(rng: random.Random, folder: Path) -> list[str]:
    """A command line of a random command, with options and values, good and bad, drawn at random."""
    paths = [str(folder / n) for n in ("input.csv", "scheme.yaml", "plan.yaml", "adjust.csv", "roster.csv",
                                        "missing.csv", "o.xlsx", "o.json", "o.csv", "-")]
    paths += [str(folder), "/dev/zero", "/dev/null", "x" * 300, "", "service-quality", "aftersales", "a\tb.xlsx"]
    sources = [f"tickets={folder / 'tickets.csv'}", f"ratings={folder / 'ratings.csv'}",
               f"teams={folder / 'teams.csv'}", "tickets=", "=x", "bogus=/dev/null", "tickets"]
    values = [*paths, *(str(v) for v in NASTY[:30]), "E01", "E03", "E99", "2024Q1", "0000Q1", "xlsx", "csv",
              "json", "duckdb", "zh", "en"]
    command = rng.choice(COMMANDS)
    out = [command]
    if command in ("score", "validate", "explain", "slips", "compare", "template", "measures") and rng.random() < 0.9:
        out += ["--scheme", rng.choice([str(folder / "scheme.yaml")] * 4 + paths)]
    if command in ("score", "explain", "slips", "validate") and rng.random() < 0.9:
        out.append(rng.choice([str(folder / "input.csv")] * 4 + paths))
    if command == "compare":
        out += [rng.choice(paths), rng.choice(paths)]
    if command in ("batch",):
        out.append(rng.choice([str(folder / "plan.yaml")] * 4 + paths))
    if command == "init":
        out.append(rng.choice(["aftersales", "service-quality", "nope", ""]))
    options = ["--source", "--source", "--source", "--adjust", "--id", "--period", "--sheet", "-o", "--format",
               "--force", "--roster", "--sql", "--slips", "--scheme-after", "--source-after", "--bogus"]
    for _ in range(rng.randint(0, 6)):
        option = rng.choice(options)
        out.append(option)
        if option in ("--force", "--sql", "--slips"):
            continue
        if option in ("--source", "--source-after"):
            out.append(rng.choice(sources))
        elif option == "-o" and command != "init":
            out.append(str(folder / rng.choice(["o.xlsx", "o.json", "o.csv", "o.txt", "sub/o.xlsx"])))
        else:
            out.append(rng.choice(values))
    if command == "init" and "-o" in out:
        out[out.index("-o") + 1] = str(folder / rng.choice(["s.yaml", "s.xlsx", "s.yml", "-"]))
    # what a real command line can hold: no NUL, and undecodable bytes as \udc80–\udcff (surrogateescape), never
    # another lone surrogate
    return [a.replace("\x00", "").replace("\ud800", "\udcff") for a in out]


# ---------------------------------------------------------------------------------------------------------
# running one input


def _formulas(folder: Path) -> list[str]:
    """The workbooks written in `folder` that hold a live formula (a cell with <f>)."""
    found = []
    for book in folder.rglob("*.xlsx"):
        try:
            with zipfile.ZipFile(book) as zf:
                for name in zf.namelist():
                    if name.startswith("xl/worksheets/") and re.search(rb"<f[ >]", zf.read(name)):
                        found.append(f"{book.name}:{name}")
        except zipfile.BadZipFile:
            continue
    return found


def run_one(surface: str, given: dict[str, bytes], folder: Path, rng: random.Random) -> str:
    """One round of the surface; "ok", "finding:<codes>", "crash:<signature>", "formula:<where>" or
    "warning:<category>"."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, data in given.items():
        (folder / name).write_bytes(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = _run(surface, folder, rng)
    if outcome.startswith("crash"):
        return outcome
    formulas = _formulas(folder)
    if formulas:
        return "formula:" + formulas[0]
    if caught:
        first = caught[0]
        return f"warning:{first.category.__name__}:{Path(first.filename).name}:{first.lineno}"
    return outcome


def _run(surface: str, folder: Path, rng: random.Random) -> str:
    import kpiscore
    from kpiscore import api

    sources = {n: folder / f"{n}.csv" for n in ("tickets", "ratings", "teams")}
    try:
        if surface == "cli":
            return _cli(argv(rng, folder))
        if surface == "plan":
            report = api.run_batch(folder / "plan.yaml", force=True, slips=rng.random() < 0.3)
            return "ok" if report.ok else "finding:batch"
        scheme = kpiscore.load_scheme(folder / "scheme.yaml")
        if surface == "roster":
            api.make_template(scheme, folder / "t.xlsx", folder / "roster.csv", force=True)
            return "ok"
        api.measure_texts(scheme, sql=True, period="2024Q1")
        result = kpiscore.score(folder / "input.csv", scheme, sources=sources, adjust=folder / "adjust.csv")
        api.Words(result).audit()
        for person in ("E01", "E03", str(result.people["id"].iloc[0])):
            with contextlib.suppress(kpiscore.InputError):  # E03 is not assessed
                kpiscore.explain(result, person)
        result.to_dict()
        for fmt in ("xlsx", "csv", "json"):
            kpiscore.write_result(result, folder / f"out.{fmt}", fmt)
        if rng.random() < 0.25:
            api.write_slips(result, folder / "slips.xlsx", None, True)
        if rng.random() < 0.15:
            found = api.compare(folder / "out.xlsx", folder / "input.csv", scheme, sources=sources)
            api.write_comparison(found, folder / "c.xlsx", "xlsx")
        return "ok"
    except kpiscore.KpiscoreError as exc:
        leaked = [f.code for f in exc.findings if LEAK.search(f.message)]
        if leaked:
            return "leak:" + leaked[0]
        return "finding:" + ",".join(sorted({f.code for f in exc.findings}))
    except Exception as exc:  # what the campaign is here to find
        return "crash:" + signature(exc)


def _cli(args: list[str]) -> str:
    from typer.testing import CliRunner

    from kpiscore.cli import app

    done = CliRunner().invoke(app, args, catch_exceptions=True)
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        return "crash:" + signature(done.exception)
    if done.exit_code not in (0, 1, 2) or "Traceback" in done.output:
        return f"crash:cli exit {done.exit_code}"
    if any(LEAK.search(line) for line in done.output.splitlines()):
        return "leak:cli"
    return f"cli:{done.exit_code}"


def surface_of(seed: int, i: int) -> str:
    """The surface the i-th input of a campaign mutates."""
    return random.Random(seed * 1_000_003 + i).choice(sorted(SURFACES))


def one(seed: int, i: int, given: dict[str, bytes], folder: Path) -> tuple[str, str]:
    """The i-th input of a campaign: its surface and outcome."""
    rng = random.Random(seed * 1_000_003 + i)
    surface = rng.choice(sorted(SURFACES))
    return surface, run_one(surface, mutate(rng, surface, given), folder, rng)


def _selfcheck() -> None:  # pragma: no cover - a quick look while developing the campaign
    folder = Path("/tmp/kpiscore-surfaces")
    given = files()
    import collections
    import sys

    counts: collections.Counter[str] = collections.Counter()
    for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 20):
        surface, outcome = one(1, i, given, folder)
        counts[outcome.split(":")[0] if not outcome.startswith("crash") else outcome] += 1
        if not outcome.startswith(("ok", "finding", "cli")):
            print(i, surface, outcome, flush=True)
    print(dict(counts))


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8")
    _selfcheck()
