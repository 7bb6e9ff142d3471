"""The library API, the one door: everything the command line does, callable from Python or a notebook.

`cli` parses options, calls these and renders what they return. A run's steps live in `scoring`; `batch`
composes them into plans of several periods with a roll-up.
"""

from __future__ import annotations

from .batch import BatchReport, LoadedPlan, load_plan, run_batch
from .core.engine import Result
from .core.scheme import Scheme
from .io.readers import Actuals
from .scoring import (
    FORMATS,
    check_inputs,
    check_output,
    explain,
    find,
    init_scheme,
    lint,
    load_scheme,
    make_template,
    read_actuals,
    read_by_role,
    score,
    starters,
    write_csv,
    write_json,
    write_result,
    write_rollup,
    write_template,
)

__all__ = ["FORMATS", "Actuals", "BatchReport", "LoadedPlan", "Result", "Scheme", "check_inputs", "check_output",
           "explain", "find", "init_scheme", "lint", "load_plan", "load_scheme", "make_template", "read_actuals",
           "read_by_role", "run_batch", "score", "starters", "write_csv", "write_json", "write_result",
           "write_rollup", "write_template"]
