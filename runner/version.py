"""The suite's version: one place, read by the package, reports and cache keys."""

__version__ = "0.1.0"
