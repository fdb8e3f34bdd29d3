"""Text helpers shared by every layer: messages are one line, and numbers are printed as numbers."""

from __future__ import annotations

import re
from typing import Any

# Control characters (a target's message or a file's name may carry terminal escapes), lone surrogates (a file name
# that is not UTF-8) and the two non-characters.
UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def shorten(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters, ``...`` marking the cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(exc: BaseException, limit: int = 200) -> str:
    """An exception's message on one line, cut to ``limit`` characters."""
    return shorten(" ".join(str(exc).split()), limit)


def printable(text: str) -> str:
    """``text`` with control characters, lone surrogates and non-characters written as visible escapes (a byte of a
    file name that is not UTF-8, which Python holds as a surrogate, as that byte: ``\\xff``)."""
    return UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    """The escape of one unprintable character."""
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\x{code:02x}"


def number(value: Any) -> str:
    """A value as a message prints it: Python's exact spelling of a number (``-0.0``, ``nan``, ``inf``), never
    NumPy 2's ``np.float64(...)`` repr; a NumPy scalar prints as its value, a string as itself."""
    if isinstance(value, str):
        return value
    if type(value).__module__ == "numpy":  # a NumPy scalar or array: str() is its value (repr names the type)
        return str(value)
    return repr(value)
