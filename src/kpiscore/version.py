"""The one place the version is written (the package, the wheel and provenance read it here)."""

__version__ = "0.1.0"
