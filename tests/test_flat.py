"""The CSV output, written by polars: every cell of the Scores table reads back as it is, text guarded."""

import io

import pandas as pd
from helpers import HEADER, scheme_dict, write_xlsx

from kpiscore import load_scheme, score, write_csv, write_result
from kpiscore.io.flat import guard_cell, scores_table


def test_csv_reads_back_cell_for_cell(tmp_path):
    rows = [HEADER,
            ["=1+1", 'say "hi",\nthen go', "一部", 0.88, 0.82, 0.915, 5, 0.92, "较满意"],
            ["E2", "李四", None, 0.9, None, 0.95, 0, 0.97, "很满意"]]
    result = score(write_xlsx(tmp_path / "a.xlsx", rows), load_scheme(scheme_dict(missing="skip")))
    out = tmp_path / "a.csv"
    write_result(result, out, "csv")
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r" not in raw
    expected = scores_table(result)  # text guarded as `guard_cell` guards it, cell by cell
    expected = expected.apply(lambda c: c if pd.api.types.is_numeric_dtype(c) else c.map(guard_cell))
    expected.columns = [guard_cell(c) for c in expected.columns]
    got = pd.read_csv(out, encoding="utf-8-sig", dtype=object, keep_default_na=False)
    assert list(got.columns) == list(expected.columns)
    for name in expected.columns:
        want = expected[name]
        if pd.api.types.is_float_dtype(want):  # the same float, blanks empty: 15 × 88% ÷ 90% = 14.67
            assert [float(v) if v else None for v in got[name]] == [None if v != v else v for v in want]
        else:
            assert got[name].tolist() == ["" if pd.isna(v) else str(v) for v in want]
    assert got["工号"].tolist() == ["'=1+1", "E2"] and got["姓名"][0] == 'say "hi",\nthen go'
    assert sorted(got["排名"]) == ["1", "2"]  # ranks as whole numbers, not 1.0
    text = io.StringIO()
    write_csv(result, text)  # a text stream (stdout, a notebook) gets the same table without the BOM
    assert text.getvalue() == raw.decode("utf-8-sig")
