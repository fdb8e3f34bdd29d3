"""Text helpers shared by every layer: messages are one line, and numbers are printed as numbers."""

from __future__ import annotations

from typing import Any


def shorten(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters, ``...`` marking the cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(exc: BaseException, limit: int = 200) -> str:
    """An exception's message on one line, cut to ``limit`` characters."""
    return shorten(" ".join(str(exc).split()), limit)


def number(value: Any) -> str:
    """A value as a message prints it: Python's exact spelling of a number (``-0.0``, ``nan``, ``inf``), never
    NumPy 2's ``np.float64(...)`` repr; a NumPy scalar prints as its value, a string as itself."""
    if isinstance(value, str):
        return value
    if type(value).__module__ == "numpy":  # a NumPy scalar or array: str() is its value (repr names the type)
        return str(value)
    return repr(value)
