"""dlconform's runner: load vectors, run them against an implementation, judge, report."""

from __future__ import annotations

__version__ = "0.1.0"
