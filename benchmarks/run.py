"""Every speed and memory target of kpiscore, measured against its floor on this machine.

    python benchmarks/run.py            # the full sizes, 3 runs each (median); writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick    # small sizes, 1 run, no thresholds: CI checks that it all still runs

Inputs are generated from a fixed seed. Each measurement is a whole process (wall time from spawn to exit, peak
RSS from the kernel's accounting of that child), except target 5, which times the call of `score` inside its
process (its modules loaded before: start-up is what targets 1-3 time).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import xlsxwriter
import yaml

HERE = Path(__file__).parent
FULL = {"small": 200, "large": 100_000, "core": 1_000_000, "csv": 1_000_000, "runs": 3}
QUICK = {"small": 200, "large": 2_000, "core": 20_000, "csv": 20_000, "runs": 1}
INDICATORS = 20


# --- inputs ----------------------------------------------------------------------------------------------


def scheme_dict(indicators: int = INDICATORS) -> dict[str, object]:
    """`indicators` indicators in 4 dimensions: ratios, deducts and bands in turn, weights summing to 100."""
    inds = []
    for i in range(indicators):
        rule: object = "ratio" if i % 3 == 0 else (
            {"type": "deduct", "per": "1%", "points": 1} if i % 3 == 1 else
            {"type": "bands", "bands": [{"when": ">= 95%", "score": 100 / indicators},
                                        {"when": "[80%, 95%)", "score": [0, 100 / indicators]}]})
        inds.append({"name": f"指标{i + 1:02d}", "weight": 100 / indicators, "target": "90%", "rule": rule})
    per = indicators // 4
    dims = [{"name": f"维度{d + 1}", "indicators": inds[d * per:(d + 1) * per if d < 3 else None]} for d in range(4)]
    return {"name": "基准", "period": "2024Q1", "dimensions": dims}


def actuals(rows: int, seed: int = 7) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    return [f"指标{i + 1:02d}" for i in range(INDICATORS)], rng.uniform(0.6, 1.0, size=(rows, INDICATORS)).round(4)


def write_inputs(folder: Path, rows: int, kind: str = "xlsx", seed: int = 7) -> Path:
    """An input of `rows` employees in 50 groups, as xlsx or CSV (UTF-8 with BOM, as Excel saves it)."""
    names, values = actuals(rows, seed)
    header = ["工号", "姓名", "部门", *names]
    if kind == "csv":
        path = folder / f"in-{rows}-{seed}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            out.write(",".join(header) + "\n")
            lines = (f"E{r:07d},张三丰,第{r % 50 + 1}组," + ",".join(f"{v:g}" for v in row)
                     for r, row in enumerate(values.tolist()))
            out.write("\n".join(lines) + "\n")
        return path
    path = folder / f"in-{rows}-{seed}.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("考核数据")
    ws.write_row(0, 0, header)
    for r, row in enumerate(values.tolist()):
        ws.write_string(r + 1, 0, f"E{r:07d}")
        ws.write_string(r + 1, 1, "张三丰")
        ws.write_string(r + 1, 2, f"第{r % 50 + 1}组")
        for c, v in enumerate(row):
            ws.write_number(r + 1, 3 + c, v)
    book.close()
    return path


# --- measuring -------------------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    rss_mib: float
    inner: float | None = None  # a time the process reported for its own step


def isolated(argv: list[str], cwd: Path) -> Run:
    """One whole process, timed from spawn to exit by a fresh helper whose children's peak RSS is this process's
    own; a JSON last line it prints is its own timing of its step."""
    code = textwrap.dedent(f"""
        import json, resource, subprocess, sys, time
        t = time.perf_counter()
        done = subprocess.run({argv!r}, cwd={str(cwd)!r}, capture_output=True)
        seconds = time.perf_counter() - t
        if done.returncode:
            sys.stderr.buffer.write(done.stderr); sys.exit(1)
        last = done.stdout.decode(errors="replace").strip().splitlines()[-1:] or [""]
        inner = json.loads(last[0]).get("seconds") if last[0].startswith("{{") else None
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(json.dumps({{"seconds": seconds, "rss": rss, "inner": inner}}))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
    got = json.loads(done.stdout.strip().splitlines()[-1])
    return Run(got["seconds"], got["rss"], got["inner"])


def median(runs: list[Run], inner: bool = False) -> Run:
    key = (lambda r: r.inner or 0.0) if inner else (lambda r: r.seconds)
    ordered = sorted(runs, key=key)
    mid = ordered[len(ordered) // 2]
    return Run(statistics.median(key(r) for r in runs), max(r.rss_mib for r in runs), mid.inner)


def python(code: str) -> list[str]:
    """A Python process that times its own step (from `t0`) and prints it as its last line."""
    return [sys.executable, "-c", "import json, time\n" + textwrap.dedent(code)
            + "\nprint(json.dumps({'seconds': time.perf_counter() - t0}))"]


def kpiscore(*args: str) -> list[str]:
    """The installed command, as a user starts it (the entry script beside this Python), else `-m kpiscore`."""
    script = Path(sys.executable).with_name("kpiscore")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "kpiscore", *args]


FLOOR_WRITE = """
    import xlsxwriter
    from python_calamine import CalamineWorkbook
    wb = CalamineWorkbook.from_path(SCORED)
    sheets = [(n, wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names]
    t0 = time.perf_counter()
    book = xlsxwriter.Workbook(OUT, {"constant_memory": True})
    for name, rows in sheets:
        ws = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v == "":
                    continue
                if isinstance(v, str):
                    ws.write_string(r, c, v)
                else:
                    ws.write_number(r, c, float(v))
    book.close()
"""


# --- the targets -----------------------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    what: str
    target: str
    measured: str
    ratio: float | None  # measured ÷ its limit: ≤ 1 meets the target
    met: bool | None


def start_up(folder: Path, n: int) -> list[Row]:
    runs = {args: median([isolated(kpiscore(*args), folder) for _ in range(max(n, 5))])
            for args in (("--help",), ("schemes",), ("validate", "--scheme", "service-quality"))}
    help_, schemes, validate = runs.values()
    slowest = max(help_.seconds, schemes.seconds)
    return [Row(1, "`kpiscore --help`, `kpiscore schemes`", "≤ 0.10 s",
                f"{help_.seconds:.3f} s, {schemes.seconds:.3f} s", slowest / 0.10, slowest <= 0.10),
            Row(2, "`kpiscore validate --scheme S`", "≤ 0.25 s", f"{validate.seconds:.3f} s",
                validate.seconds / 0.25, validate.seconds <= 0.25)]


def workbook(folder: Path, rows: int, n: int, number: int, limit: float) -> tuple[Row, Run]:
    """kpiscore score to the full workbook, against Python + import pandas + read + write of the same cells."""
    data, scheme = write_inputs(folder, rows), folder / "bench.yaml"
    scored = folder / f"scored-{rows}.xlsx"
    ours = median([isolated(kpiscore("score", str(data), "-s", str(scheme), "-o", str(scored), "--force"), folder)
                   for _ in range(n)])
    read = python(f"""
        t0 = time.perf_counter()
        import pandas
        from python_calamine import CalamineWorkbook
        CalamineWorkbook.from_path({str(data)!r}).get_sheet_by_index(0).to_python()
    """)
    write = python(FLOOR_WRITE.replace("SCORED", repr(str(scored))).replace("OUT", repr(str(folder / "f.xlsx"))))
    reads = median([isolated(read, folder) for _ in range(n)])
    writes = median([isolated(write, folder) for _ in range(n)], inner=True)
    if number == 3:  # the whole floor process: Python, pandas, the read and the write
        floor = reads.seconds + (writes.inner or 0.0)
        label = f"200 × {INDICATORS} to the full workbook"
    else:  # the I/O floor alone, as the issue measured it: read and write, without start-up
        floor = (reads.inner or 0.0) + (writes.inner or 0.0)
        label = f"{rows:,} × {INDICATORS} to the full workbook, peak ≤ 600 MiB"
    ratio = ours.seconds / floor
    met = ratio <= limit and (number == 3 or ours.rss_mib <= 600)
    return Row(number, label, f"≤ {limit} × floor", f"{ours.seconds:.2f} s vs floor {floor:.2f} s, "
               f"{ours.rss_mib:.0f} MiB", ratio / limit, met), ours


def core(folder: Path, rows: int, n: int) -> Row:
    code = python(f"""
        import sys
        sys.path.insert(0, {str(HERE)!r})
        import pandas as pd
        from run import actuals, scheme_dict
        import kpiscore
        names, values = actuals({rows})
        frame = pd.DataFrame(values, columns=names)
        frame.insert(0, "姓名", "张三丰")
        frame.insert(0, "工号", [f"E{{r:07d}}" for r in range({rows})])
        scheme = kpiscore.load_scheme(scheme_dict())
        score = kpiscore.score  # its modules load here: start-up is what targets 1-3 time
        t0 = time.perf_counter()
        score(frame, scheme)
    """)
    got = median([isolated(code, folder) for _ in range(n)], inner=True)
    seconds = got.inner or 0.0
    return Row(5, f"`score(DataFrame)` of {rows:,} × {INDICATORS}, in process", "≤ 2.0 s, peak ≤ 1.5 GB",
               f"{seconds:.2f} s, {got.rss_mib:.0f} MiB", max(seconds / 2.0, got.rss_mib / 1536),
               seconds <= 2.0 and got.rss_mib <= 1536)


def csv(folder: Path, rows: int, n: int) -> Row:
    data, scheme = write_inputs(folder, rows, "csv"), folder / "bench.yaml"
    ours = median([isolated(kpiscore("score", str(data), "-s", str(scheme), "-o", str(folder / "o.csv"),
                                     "--force"), folder) for _ in range(n)])
    floor = median([isolated([sys.executable, "-c", "import pandas as pd\n"
                              f"pd.read_csv({str(data)!r}, encoding='utf-8-sig').to_csv({str(folder / 'p.csv')!r})"],
                             folder) for _ in range(n)])
    ratio = ours.seconds / floor.seconds
    return Row(6, f"CSV in → CSV out, {rows:,} rows", "≤ 2 × pandas read_csv + to_csv, peak ≤ 1.5 GB",
               f"{ours.seconds:.2f} s vs {floor.seconds:.2f} s, {ours.rss_mib:.0f} MiB",
               max(ratio / 2, ours.rss_mib / 1536), ratio <= 2 and ours.rss_mib <= 1536)


def batch(folder: Path, n: int) -> Row:
    plan = folder / "plan.yaml"
    periods = []
    for q in range(1, 5):
        path = write_inputs(folder, 200, seed=q)
        periods.append({"period": f"2024Q{q}", "input": path.name})
    plan.write_text(yaml.safe_dump({"name": "基准", "scheme": "bench.yaml", "output": "out", "periods": periods,
                                    "rollup": {"period": "2024", "method": "mean"}}, allow_unicode=True),
                    encoding="utf-8")
    got = median([isolated(kpiscore("batch", str(plan), "--force"), folder) for _ in range(n)])
    return Row(7, "a batch of 4 quarters × 200 with the roll-up", "≤ 2 s", f"{got.seconds:.2f} s",
               got.seconds / 2, got.seconds <= 2)


# --- the report ------------------------------------------------------------------------------------------


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    memory = next((int(line.split()[1]) / 2**20 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0.0) if Path("/proc/meminfo").exists() else 0.0
    packages = ", ".join(f"{p} {metadata.version(p)}" for p in ("kpiscore", "pandas", "numpy", "python-calamine",
                                                                  "xlsxwriter", "polars", "pydantic", "typer"))
    return (f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; {packages}")


def table(rows: list[Row]) -> str:
    lines = ["| # | what | target | measured | ratio to target | met |", "| --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "—"
        met = "yes" if r.met else "no"
        lines.append(f"| {r.number} | {r.what} | {r.target} | {r.measured} | {ratio} | {met} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run, no thresholds (for CI)")
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    n = size["runs"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "bench.yaml").write_text(yaml.safe_dump(scheme_dict(), allow_unicode=True), encoding="utf-8")
        python_alone = median([isolated([sys.executable, "-c", "pass"], folder) for _ in range(5)]).seconds
        rows = start_up(folder, n)
        rows.append(workbook(folder, size["small"], n, 3, 1.3)[0])
        rows.append(workbook(folder, size["large"], n, 4, 0.6)[0])
        rows.append(core(folder, size["core"], n))
        rows.append(csv(folder, size["csv"], n))
        rows.append(batch(folder, n))
    report = table(rows)
    print(report)
    if args.quick:
        return
    text = (f"# Benchmark results\n\nMachine: {machine()}.\n\n"
            f"`python benchmarks/run.py`, {time.strftime('%Y-%m-%d')}: each figure is the median of {n} runs of a "
            "whole process (target 5: the call of `score`, its modules loaded, timed inside its process), "
            "peak RSS from the kernel. "
            f"Python itself (`python -c pass`) starts in {python_alone:.3f} s here.\n\n"
            f"{report}\n")
    (HERE / "RESULTS.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
