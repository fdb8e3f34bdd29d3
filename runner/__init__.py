"""dlconform's runner: load vectors, run them against an implementation, judge, report."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "check"]


def __getattr__(name: str) -> Any:
    """``dlconform.check`` imported on first use: ``import dlconform`` stays free of NumPy for a fast start."""
    if name == "check":
        from dlconform.api import check

        return check
    raise AttributeError(f"module 'dlconform' has no attribute {name!r}")
