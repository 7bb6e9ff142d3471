"""The library API, the one door: everything the command line does, callable from Python or a notebook.

`cli` parses options, calls these and renders what they return. A run's steps live in `scoring`; `batch`
composes them into plans of several periods with a roll-up. Each name is imported from its module when it is
first used, so that `kpiscore --help` or `kpiscore schemes` never pays for pandas or the spreadsheet libraries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: every name of the API, by the module (below `kpiscore`) that holds it
WHERE: dict[str, str] = {
    "Actuals": "io.readers", "read_actuals": "io.readers", "read_by_role": "io.readers",
    "BatchReport": "batch", "LoadedPlan": "batch", "load_plan": "batch", "run_batch": "batch",
    "FORMATS": "io.output", "check_inputs": "io.output", "check_output": "io.output",
    "Result": "core.engine", "Scheme": "core.scheme",
    "explain": "scoring", "find": "scoring", "not_assessed": "scoring", "make_template": "scoring",
    "measure_texts": "scoring", "comparison_document": "words.compare", "Words": "words.result",
    "read_sources": "io.sources", "score": "scoring",
    "write_result": "scoring", "write_slips": "scoring", "compare": "scoring", "write_comparison": "scoring",
    "init_scheme": "io.starters", "starters": "io.starters",
    "lint": "lints", "load_scheme": "io.schemefile",
    "write_csv": "io.flat", "write_json": "io.flat", "write_plain_json": "io.flat",
    "write_rollup": "io.rollupbook", "write_template": "io.template",
    "Imported": "importing", "import_table": "importing", "write_imported": "importing",
}

__all__ = [
    "FORMATS",
    "Actuals",
    "BatchReport",
    "Imported",
    "LoadedPlan",
    "Result",
    "Scheme",
    "Words",
    "check_inputs",
    "check_output",
    "compare",
    "comparison_document",
    "explain",
    "find",
    "import_table",
    "init_scheme",
    "lint",
    "load_plan",
    "load_scheme",
    "make_template",
    "measure_texts",
    "not_assessed",
    "read_actuals",
    "read_by_role",
    "read_sources",
    "run_batch",
    "score",
    "starters",
    "write_comparison",
    "write_csv",
    "write_imported",
    "write_json",
    "write_plain_json",
    "write_result",
    "write_rollup",
    "write_slips",
    "write_template",
]


def __getattr__(name: str) -> Any:
    if name not in WHERE:
        raise AttributeError(f"module 'kpiscore.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"kpiscore.{WHERE[name]}"), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *WHERE])


if TYPE_CHECKING:  # what the door shows, for type checkers and editors
    from .batch import BatchReport, LoadedPlan, load_plan, run_batch
    from .core.engine import Result
    from .core.scheme import Scheme
    from .importing import Imported, import_table, write_imported
    from .io.flat import write_csv, write_json, write_plain_json
    from .io.output import FORMATS, check_inputs, check_output
    from .io.readers import Actuals, read_actuals, read_by_role
    from .io.rollupbook import write_rollup
    from .io.schemefile import load_scheme
    from .io.sources import read_sources
    from .io.starters import init_scheme, starters
    from .io.template import write_template
    from .lints import lint
    from .scoring import (
        compare,
        explain,
        find,
        make_template,
        measure_texts,
        not_assessed,
        score,
        write_comparison,
        write_result,
        write_slips,
    )
    from .words.compare import comparison_document
    from .words.result import Words
