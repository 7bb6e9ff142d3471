"""kpiscore: KPI indicator schemes in YAML → scored, auditable Excel workbooks.

The package shows the whole API (`kpiscore.api`); like the API, it imports a name's module on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import api as api
from .errors import Finding as Finding
from .errors import InputError as InputError
from .errors import KpiscoreError as KpiscoreError
from .errors import SchemeError as SchemeError
from .errors import UsageError as UsageError
from .version import __version__ as __version__

#: names the package shows besides the API's, by the module that holds them
MORE: dict[str, str] = {"analysis": "core.analysis", "starter_schemes": "io.starters",
                        "write_workbook": "io.workbook"}

__all__ = sorted(["Finding", "InputError", "KpiscoreError", "SchemeError", "UsageError", "__version__", "api",
                  *api.__all__, *MORE])


def __getattr__(name: str) -> Any:
    if name in api.WHERE:
        return getattr(api, name)
    if name not in MORE:
        raise AttributeError(f"module 'kpiscore' has no attribute {name!r}")
    module = importlib.import_module(f"kpiscore.{MORE[name]}")
    return module if name == "analysis" else getattr(module, name)


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from .api import *  # noqa: F403
    from .core import analysis as analysis
    from .io.starters import starter_schemes as starter_schemes
    from .io.workbook import write_workbook as write_workbook
