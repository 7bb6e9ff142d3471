"""Issue 24 §5: xlrd 2.0.2 (`formatting_info=True`) against kpiscore's own BIFF8 detail reader
(`io/formats/xls.py`), on every OLE file of the corpora: what each says of error cells and hidden rows and
columns, whether it raises, and how long it takes. Not a dependency: `pip install xlrd==2.0.2` to run it.

    python benchmarks/xls_readers.py
"""

import os
import sys
import time
from pathlib import Path

import xlrd

from kpiscore.io.formats.grid import Grid
from kpiscore.io.formats.xls import xls_details
from kpiscore.io.sheets import sniff

DATA = Path(__file__).parents[1] / "tests" / "data"


def by_xlrd(data: bytes) -> dict[str, tuple]:
    with open(os.devnull, "w") as log:  # xlrd prints its warnings unless given a log
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, logfile=log)
    out = {}
    for sh in book.sheets():
        errors = {(r, c): xlrd.error_text_from_code.get(sh.cell_value(r, c)) for r in range(sh.nrows)
                  for c in range(sh.ncols) if sh.cell_type(r, c) == xlrd.XL_CELL_ERROR}
        out[sh.name] = (errors, {r for r, i in sh.rowinfo_map.items() if i.hidden},
                        {c for c, i in sh.colinfo_map.items() if i.hidden})
    return out


def by_hand(data: bytes, names: list[str]) -> dict[str, tuple]:
    out = {}
    for name in names:
        grid = Grid(name, [[None] * 16 for _ in range(64)])
        xls_details(data, grid)
        errors = {(r, c): v for r, row in enumerate(grid.rows) for c, v in enumerate(row) if isinstance(v, str)}
        out[name] = (errors, set(grid.hidden_rows), set(grid.hidden_cols))
    return out


def main() -> None:
    print("file\tkind\txlrd\tours\tsame\txlrd ms\tours ms")
    for path in sorted(DATA.rglob("*.xls")):
        data = path.read_bytes()
        if not data.startswith(b"\xd0\xcf\x11\xe0"):
            continue  # an HTML or XML .xls: no BIFF
        t0 = time.perf_counter()
        try:
            theirs: dict | str = by_xlrd(data)
        except Exception as exc:  # what it raises is the measurement
            theirs = type(exc).__name__
        t1 = time.perf_counter()
        ours = by_hand(data, list(theirs) if isinstance(theirs, dict) else ["Sheet1"])
        t2 = time.perf_counter()
        same = isinstance(theirs, dict) and theirs == ours
        print(path.name, sniff(data), theirs if isinstance(theirs, str) else "read", "read", same,
              f"{(t1 - t0) * 1000:.1f}", f"{(t2 - t1) * 1000:.1f}", sep="\t")


if __name__ == "__main__":
    sys.exit(main())
