"""The benchmark script still runs end to end (small sizes, one run, no thresholds); the figures themselves are
`python benchmarks/run.py`'s, in benchmarks/RESULTS.md, never a timed unit test."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_the_benchmarks_run_quickly_end_to_end():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick"], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert [int(line.split("|")[1]) for line in rows] == [1, 2, 3, 4, 5, 6, 7]
