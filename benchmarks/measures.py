"""Measures over a call-centre export: ten million rows into five measures, against a plain read of the file.

    python benchmarks/measures.py            # 10,000,000 rows (CSV in UTF-8 and GBK), the xlsx at the sheet limit;
                                             # 3 runs each (median); writes benchmarks/MEASURES.md
    python benchmarks/measures.py --quick    # 20,000 rows, 1 run, no thresholds: CI checks that it all still runs

The floor of a CSV is `pyarrow.csv.read_csv` of the same file (GBK transcoded by pyarrow's own reader), the
fastest plain read there is; the target is at most 2 × the floor and a peak of at most 1 GiB. An xlsx has no
pyarrow reader: its floor is python-calamine's plain read of the sheet (`to_python`), and its target the same
1 GiB. kpiscore runs as a user runs it: `kpiscore score --scheme S --source calls=FILE -o out.csv`, which
reads, measures, scores the 2,000 agents and writes them. The floor needs pyarrow: `--floor-python` names a
Python that has it (pyarrow in kpiscore's own environment would change pandas' strings, and so what is
measured); without one the floor is left out, as `--quick` in CI does.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter
from run import HERE, Run, isolated, kpiscore, machine, median, python

FULL = {"rows": 10_000_000, "xlsx": 1_048_575, "runs": 3}
QUICK = {"rows": 20_000, "xlsx": 20_000, "runs": 1}
AGENTS = 2_000
LIMIT_GIB = 1.0

SCHEME = """\
name: 呼叫中心
period: 2024Q1
missing: skip
sources:
  calls: {id: 坐席工号, date: 会话时间}
measures:
  首次响应时长: {source: calls, agg: mean, of: 首次响应秒}
  30秒接通率:  {source: calls, agg: share, where: {接通秒数: {"<=": 30}}}
  满意率:      {source: calls, agg: share, where: {满意度: [非常满意, 满意]}}
  NPS:         {source: calls, agg: nps, of: 推荐分}
  投诉次数:    {source: calls, agg: count, where: {满意度: 不满意}}
dimensions:
  - name: 服务
    indicators:
      - {name: 首次响应时长, weight: 20, target: 20, direction: lower, rule: {type: ratio, cap: 1.2}}
      - {name: 30秒接通率, weight: 20, target: 90%}
      - {name: 满意率, weight: 20, target: 90%}
      - {name: NPS, weight: 20, target: 50}
      - {name: 投诉次数, weight: 20, rule: {type: count, allow: 5000, points: 0.01}}
"""


def calls(rows: int, seed: int = 1) -> pl.DataFrame:
    """One row per call of 2,000 agents over half a year (a quarter of it in 2024Q1)."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T00:00:00", "ms")
    return pl.DataFrame({
        "坐席工号": pl.Series([f"E{i:05d}" for i in range(AGENTS)])[rng.integers(0, AGENTS, rows)],
        "会话时间": pl.Series(start + (rng.integers(0, 182 * 86400, rows) * 1000).astype("timedelta64[ms]"))
        .dt.strftime("%Y-%m-%d %H:%M:%S"),
        "首次响应秒": rng.integers(1, 120, rows),
        "接通秒数": rng.integers(0, 60, rows),
        "满意度": pl.Series(["非常满意", "满意", "一般", "不满意"])[rng.integers(0, 4, rows)],
        "推荐分": rng.integers(0, 11, rows),
    })


def write_inputs(folder: Path, size: dict[str, int]) -> dict[str, Path]:
    (folder / "scheme.yaml").write_text(SCHEME, encoding="utf-8")
    utf8, gbk, xlsx = folder / "calls.csv", folder / "calls-gbk.csv", folder / "calls.xlsx"
    calls(size["rows"]).write_csv(utf8)
    with utf8.open(encoding="utf-8") as src, gbk.open("w", encoding="gbk") as dst:
        while chunk := src.read(1 << 24):
            dst.write(chunk)
    frame = calls(size["xlsx"], seed=2)
    book = xlsxwriter.Workbook(str(xlsx), {"constant_memory": True})
    ws = book.add_worksheet("通话记录")
    ws.write_row(0, 0, frame.columns)
    for r, row in enumerate(frame.iter_rows(), start=1):
        ws.write_row(r, 0, row)
    book.close()
    return {"UTF-8 CSV": utf8, "GBK CSV": gbk, "xlsx": xlsx}


def floor(path: Path, kind: str, interpreter: str | None) -> list[str] | None:
    """The plain read the target is measured against: pyarrow for a CSV, python-calamine for an xlsx, in
    `interpreter` (or this Python)."""
    if kind == "xlsx":
        return with_python(interpreter, python(f"""
            t0 = time.perf_counter()
            from python_calamine import CalamineWorkbook
            book = CalamineWorkbook.from_path({str(path)!r})
            rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
        """))
    if interpreter is None:
        return None
    encoding = "gbk" if kind.startswith("GBK") else "utf8"
    return with_python(interpreter, python(f"""
        t0 = time.perf_counter()
        import pyarrow.csv as pc
        table = pc.read_csv({str(path)!r}, read_options=pc.ReadOptions(encoding={encoding!r}))
    """))


def duckdb_run(path: Path, sql: Path) -> list[str]:
    """DuckDB in a process of its own: the export loaded as text cells (as kpiscore reads it), then every
    measure's printed SQL (`kpiscore measures --sql`) run over it. A GBK export has no DuckDB reader without
    downloading its encodings extension: none is measured."""
    return python(f"""
        t0 = time.perf_counter()
        import duckdb
        con = duckdb.connect()
        con.execute("CREATE TABLE calls AS SELECT * FROM read_csv('{path}', all_varchar = true, header = true)")
        for query in open({str(sql)!r}, encoding="utf-8").read().split(";\\n"):
            if query.strip():
                con.execute(query.rstrip(";")).fetchall()
    """)


def with_python(interpreter: str | None, argv: list[str]) -> list[str]:
    return [interpreter or argv[0], *argv[1:]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run, no thresholds (for CI)")
    parser.add_argument("--floor-python", help="a Python with pyarrow (and python-calamine) for the floors")
    parser.add_argument("--rows", type=int, help="the CSV's rows (default 10,000,000; --quick 20,000)")
    args = parser.parse_args()
    size = dict(QUICK if args.quick else FULL)
    if args.rows:
        size["rows"] = args.rows
    n = size["runs"]
    lines = ["| input | rows | plain read (floor) | kpiscore | × floor | peak RSS | target | met "
             "| DuckDB, the same SQL |",
             "|---|---:|---:|---:|---:|---:|---|---|---:|"]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        inputs = write_inputs(folder, size)
        sql = folder / "measures.sql"
        sql.write_text(subprocess.run(kpiscore("measures", "-s", "scheme.yaml", "--sql"), cwd=folder, check=True,
                                      capture_output=True, text=True).stdout, encoding="utf-8")
        print(f"inputs written in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        for kind, path in inputs.items():
            argv = floor(path, kind, args.floor_python)
            base: Run | None = median([isolated(argv, folder) for _ in range(n)]) if argv else None
            ours = median([isolated(kpiscore("score", "-s", "scheme.yaml", "--source", f"calls={path.name}", "-o",
                                             "out.csv", "--force"), folder) for _ in range(n)])
            rows = size["xlsx"] if kind == "xlsx" else size["rows"]
            ratio = ours.seconds / base.seconds if base else None
            within = ours.rss_mib <= LIMIT_GIB * 1024 and (kind == "xlsx" or ratio is None or ratio <= 2.0)
            ok &= within
            target = "≤ 1 GiB" if kind == "xlsx" else "≤ 2 × floor, ≤ 1 GiB"
            duck = median([isolated(duckdb_run(path, sql), folder) for _ in range(n)]) if kind == "UTF-8 CSV" \
                else None
            engine = f"{duck.seconds:.2f} s, {duck.rss_mib:,.0f} MiB" if duck else "—"
            lines.append(f"| {kind} ({path.stat().st_size / 2**20:,.0f} MiB) | {rows:,} | "
                         f"{f'{base.seconds:.2f} s' if base else '—'} | {ours.seconds:.2f} s | "
                         f"{f'{ratio:.2f}' if ratio else '—'} | {ours.rss_mib:,.0f} MiB | {target} | "
                         f"{'yes' if within else 'no'} | {engine} |")
    report = "\n".join(lines)
    print(report)
    if args.quick:
        return
    text = (f"# Measures over a call-centre export\n\nMachine: {machine()}.\n\n"
            f"`python benchmarks/measures.py`, {time.strftime('%Y-%m-%d')}: five measures (mean, two shares, NPS, "
            f"count) of one source for {AGENTS:,} agents, each figure the median of {n} runs of a whole process, "
            "peak RSS from the kernel (the floor's and kpiscore's, each with its children).\n\n"
            f"{report}\n")
    (HERE / "MEASURES.md").write_text(text, encoding="utf-8")
    if not ok:
        raise SystemExit("a target was not met")


if __name__ == "__main__":
    main()
