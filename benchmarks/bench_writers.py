"""Which library writes the workbook: xlsxwriter (constant memory) or openpyxl (write-only), same cells.

    python benchmarks/bench_writers.py [--rows 50000] [--cols 40]

Half the columns are numbers with a number format, half short CJK strings, as in the Scores and Audit
sheets. Each writer runs in its own subprocess so peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap

WRITERS = {
    "xlsxwriter constant_memory": """
        import xlsxwriter
        book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
        ws = book.add_worksheet("得分")
        fmt = book.add_format({"num_format": "0.00"})
        for r in range(rows):
            for c in range(cols):
                if c % 2:
                    ws.write_number(r, c, r * 0.01 + c, fmt)
                else:
                    ws.write_string(r, c, f"15 × 88% ÷ 90% = {c}")
        book.close()
    """,
    "openpyxl write_only": """
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        book = Workbook(write_only=True)
        ws = book.create_sheet("得分")
        for r in range(rows):
            row = []
            for c in range(cols):
                if c % 2:
                    cell = WriteOnlyCell(ws, r * 0.01 + c)
                    cell.number_format = "0.00"
                else:
                    cell = WriteOnlyCell(ws, f"15 × 88% ÷ 90% = {c}")
                    cell.data_type = "s"
                row.append(cell)
            ws.append(row)
        book.save(out)
    """,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--cols", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, body in WRITERS.items():
            code = (f"import json, resource, time\nrows, cols, out = {args.rows}, {args.cols}, {tmp!r} + '/o.xlsx'\n"
                    "t0 = time.perf_counter()\n" + textwrap.dedent(body) +
                    "print(json.dumps([time.perf_counter() - t0, "
                    "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]))\n")
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            seconds, rss = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{name:<28} {args.rows * args.cols:,} cells: {seconds:6.2f}s, peak RSS {rss:4.0f} MiB")


if __name__ == "__main__":
    main()
