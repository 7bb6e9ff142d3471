"""Scoring a large department against the I/O floor: time and peak memory.

    python benchmarks/bench_workbook.py [--rows 100000] [--indicators 20] [--repeat 1]

The floor is what no implementation can avoid: a calamine read of the input, plus an xlsxwriter
constant-memory write of exactly the cells the scored workbook holds (read back from it, so the floor
writes the same numbers and the same audit strings). kpiscore's run (read, score, write the six-sheet
workbook) and each floor step run in fresh subprocesses, so peak RSS is each one's own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import xlsxwriter
import yaml

CHILD_PRELUDE = "import json, resource, sys, time\n"
CHILD_REPORT = (
    "print(json.dumps({'seconds': time.perf_counter() - t0, "
    "'rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
)


def make_input(folder: Path, rows: int, indicators: int) -> tuple[Path, Path]:
    """A scheme of `indicators` indicators in 4 dimensions, and an input of `rows` employees in 50 groups."""
    per_dim = max(1, indicators // 4)
    inds = []
    for i in range(indicators):
        rule: object = "ratio" if i % 3 == 0 else (
            {"type": "deduct", "per": "1%", "points": 1} if i % 3 == 1 else
            {"type": "bands", "bands": [{"when": ">= 95%", "score": 100 / indicators},
                                        {"when": "[80%, 95%)", "score": [0, 100 / indicators]}]})
        inds.append({"name": f"指标{i + 1:02d}", "weight": 100 / indicators, "target": "90%", "rule": rule})
    dims = [{"name": f"维度{d + 1}", "indicators": inds[d * per_dim:(d + 1) * per_dim if d < 3 else None]}
            for d in range(4)]
    scheme = folder / "bench.yaml"
    scheme.write_text(yaml.safe_dump({"name": "基准", "dimensions": dims}, allow_unicode=True), encoding="utf-8")
    path = folder / "bench.xlsx"
    rng = np.random.default_rng(7)
    values = rng.uniform(0.6, 1.0, size=(rows, indicators)).round(4)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("考核数据")
    ws.write_row(0, 0, ["工号", "姓名", "部门"] + [i["name"] for i in inds])
    for r in range(rows):
        ws.write_string(r + 1, 0, f"E{r:06d}")
        ws.write_string(r + 1, 1, "张三丰")
        ws.write_string(r + 1, 2, f"第{r % 50 + 1}组")
        for c, v in enumerate(values[r].tolist()):
            ws.write_number(r + 1, 3 + c, v)
    book.close()
    return scheme, path


def child(code: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD_PRELUDE + textwrap.dedent(code) + CHILD_REPORT],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_kpiscore(scheme: Path, data: Path, out: Path) -> dict[str, float]:
    return child(f"""
        from kpiscore import score, write_workbook
        t0 = time.perf_counter()
        write_workbook(score({str(data)!r}, {str(scheme)!r}), {str(out)!r})
    """)


def run_read_floor(data: Path) -> dict[str, float]:
    return child(f"""
        from python_calamine import CalamineWorkbook
        t0 = time.perf_counter()
        CalamineWorkbook.from_path({str(data)!r}).get_sheet_by_index(0).to_python()
    """)


def run_write_floor(scored: Path, floor_out: Path) -> dict[str, float]:
    """Write the scored workbook's own cells back with xlsxwriter, timing only the write."""
    return child(f"""
        import xlsxwriter
        from python_calamine import CalamineWorkbook
        wb = CalamineWorkbook.from_path({str(scored)!r})
        sheets = [(n, wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names]
        cells = sum(1 for _, rows in sheets for row in rows for v in row if v != "")
        t0 = time.perf_counter()
        book = xlsxwriter.Workbook({str(floor_out)!r}, {{"constant_memory": True}})
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
        print(cells, file=sys.stderr)
    """)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--indicators", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=1, help="kpiscore runs; the best time is kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scheme, data = make_input(folder, args.rows, args.indicators)
        scored = folder / "scored.xlsx"
        runs = [run_kpiscore(scheme, data, scored) for _ in range(args.repeat)]
        ours = min(runs, key=lambda r: r["seconds"])
        read = run_read_floor(data)
        write = run_write_floor(scored, folder / "floor.xlsx")
        floor = read["seconds"] + write["seconds"]
        print(f"rows {args.rows:,} × indicators {args.indicators}; input {data.stat().st_size / 2**20:.1f} MiB, "
              f"scored workbook {scored.stat().st_size / 2**20:.1f} MiB")
        print(f"floor: calamine read {read['seconds']:.2f}s + xlsxwriter write {write['seconds']:.2f}s "
              f"= {floor:.2f}s")
        print(f"kpiscore: {ours['seconds']:.2f}s ({ours['seconds'] / floor:.2f}× floor), "
              f"peak RSS {ours['rss_mib']:.0f} MiB (floor write {write['rss_mib']:.0f} MiB)")


if __name__ == "__main__":
    main()
