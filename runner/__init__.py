"""dlconform's runner: load vectors, run them against an implementation, judge, report."""

from __future__ import annotations

from typing import Any

from dlconform.version import __version__

__all__ = ["__version__", "case_inputs", "check"]


def __getattr__(name: str) -> Any:
    """``check`` and ``case_inputs`` imported on first use: ``import dlconform`` stays free of NumPy for a fast start."""
    if name in ("check", "case_inputs"):
        from dlconform import api

        return getattr(api, name)
    raise AttributeError(f"module 'dlconform' has no attribute {name!r}")
