"""numpy and pandas, imported on first use.

Checking a scheme, listing the starters or printing help needs neither; importing pandas costs more than
the rest of a `kpiscore validate` together. Modules that score import them as usual.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def _on_first_use(name: str) -> ModuleType:
    """The module itself once anything of it is touched (or at once, if it is imported already)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


np = _on_first_use("numpy")
pd = _on_first_use("pandas")
