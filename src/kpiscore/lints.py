"""The warnings `validate` prints: a scheme's traps, and with actuals everything a run would warn about.

Apart from the scoring steps so that checking a scheme alone never loads pandas or the readers.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .core.lint import lint_scheme
from .core.scheme import Scheme
from .errors import Finding
from .io.schemefile import load_scheme

if TYPE_CHECKING:
    import pandas as pd

    from .io.readers import Actuals


def lint(scheme: Scheme | str | Path | dict[str, Any], actuals: Actuals | str | Path | pd.DataFrame | None = None,
         sheet: str | None = None, sources: Mapping[str, str | Path] | None = None) -> list[Finding]:
    """Every warning about `scheme`, and with `actuals` (or `sources`) every warning a run would give."""
    if not isinstance(scheme, Scheme):
        scheme = load_scheme(scheme)
    if actuals is None and not sources:
        return [w.said_in(scheme.language) for w in lint_scheme(scheme)]
    from .scoring import score  # the readers and pandas, only when there are actuals to score

    return score(actuals, scheme, sheet, sources=sources).warnings
