"""Excel-identical rounding, checked against a spreadsheet engine: LibreOffice computes ROUND(W*A/T, 2) and
ROUND(W - P*(T-A)/S, 2) for generated cases, and kpiscore's rules must give the same numbers to the cent."""

import csv
import random
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from kpiscore.core.rulebase import Context
from kpiscore.core.rules import Deduct, Ratio
from kpiscore.core.values import round_half_up
from kpiscore.text import voice

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")


def cases(n: int = 1500) -> list[tuple[float, float, float]]:
    rng = random.Random(20241124)
    out = [(20, 0.801, 0.8), (15, 0.8031, 0.9), (15, 0.88, 0.9), (30, 0.915, 0.95)]  # the SPEC's traps
    while len(out) < n:
        out.append((rng.choice([3, 5, 8, 10, 15, 20, 25, 30]), round(rng.uniform(0.5, 1.2), rng.choice([2, 3, 4])),
                    rng.choice([0.8, 0.85, 0.9, 0.95, 0.98, 1.0])))
    return out


def libreoffice(tmp_path, rows: list[tuple[float, float, float]]) -> list[tuple[float, float]]:
    book = Workbook()
    ws = book.active
    for i, (w, a, t) in enumerate(rows, start=1):
        ws.append([w, a, t, f"=ROUND(A{i}*B{i}/C{i},2)", f"=ROUND(MAX(0,A{i}-1*MAX(0,C{i}-B{i})/0.01),2)"])
    book.save(tmp_path / "parity.xlsx")  # formulas without cached values: LibreOffice computes them on load
    subprocess.run(["soffice", "--headless", "--convert-to", "csv", "--outdir", str(tmp_path),
                    str(tmp_path / "parity.xlsx")], check=True, capture_output=True, timeout=240)
    with (tmp_path / "parity.csv").open(encoding="utf-8") as f:
        return [(float(r[3]), float(r[4])) for r in csv.reader(f)]


def test_ratio_and_deduct_round_like_a_spreadsheet(tmp_path):
    rows = cases()
    expected = libreoffice(tmp_path, rows)
    ratio, deduct = [], []
    for w, a, t in rows:
        ctx, s = Context(w, t, True, True, voice=voice("zh")), pd.Series([a])
        ratio.append(round_half_up(Ratio().score(s, ctx), 2)[0])
        deduct.append(round_half_up(Deduct(per="1%", points=1).score(s, ctx), 2)[0])
    assert ratio == [e[0] for e in expected]
    assert deduct == [e[1] for e in expected]
    naive = [round(w * a / t, 2) for w, a, t in rows]
    assert naive != [e[0] for e in expected]  # the trap is real: float round() disagrees somewhere
    assert np.isclose(ratio[0], 20.03) and np.isclose(ratio[1], 13.39)
