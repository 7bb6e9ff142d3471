"""kpiscore: KPI indicator schemes in YAML → scored, auditable Excel workbooks."""

from . import analysis
from .api import explain, init_scheme, lint, load_plan, make_template, run_batch, score, starters, write_result
from .engine import Result
from .errors import Finding, InputError, KpiscoreError, SchemeError, UsageError
from .readers import Actuals, read_actuals
from .scheme import Scheme, load_scheme, starter_schemes
from .template import write_template
from .version import __version__
from .workbook import write_workbook

__all__ = [
    "Actuals",
    "Finding",
    "InputError",
    "KpiscoreError",
    "Result",
    "Scheme",
    "SchemeError",
    "UsageError",
    "__version__",
    "analysis",
    "explain",
    "init_scheme",
    "lint",
    "load_plan",
    "load_scheme",
    "make_template",
    "read_actuals",
    "run_batch",
    "score",
    "starter_schemes",
    "starters",
    "write_result",
    "write_template",
    "write_workbook",
]
