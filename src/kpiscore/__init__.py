"""kpiscore: KPI indicator schemes in YAML → scored, auditable Excel workbooks."""

from .api import explain, init_scheme, lint, load_plan, make_template, run_batch, score, starters, write_result
from .core import analysis
from .core.engine import Result
from .core.scheme import Scheme
from .errors import Finding, InputError, KpiscoreError, SchemeError, UsageError
from .io.readers import Actuals, read_actuals
from .io.schemefile import load_scheme, starter_schemes
from .io.template import write_template
from .io.workbook import write_workbook
from .version import __version__

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
