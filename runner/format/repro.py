"""One line of Python that repeats a case's call, for failure reports.

The line assumes ``import numpy as np`` and the function under test in scope. Every
value is spelled so that it reads back bit for bit: floats by ``repr`` (or a shorter
spelling that provably reads back to the same value), NaN and infinities as
``float('nan')`` and the like, NumPy scalars and arrays with their dtype. Inputs too
long for one readable line are fetched from the vector files instead, with
``case_inputs``, and such a line starts with its own import so that it pastes as it is.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import Any

import numpy as np
from dlconform.format.model import Case
from dlconform.format.suite import bundled_dir

MAX_LINE = 200
MAX_ELEMENTS = 64  # more elements than this can never fit in MAX_LINE: skip spelling them
CASE_IMPORT = "from dlconform import case_inputs as dlconform_case; "  # starts a line that fetches its inputs


class Unspellable(ValueError):
    """A value that has no exact one-line spelling (a NaN with a payload, an object array)."""


def repro(case: Case, function_name: str | None = None) -> str:
    """A one-line call of ``function_name`` (default: the case's function) on the case's inputs."""
    name = function_name or case.function
    if case.layout not in (None, "0d"):  # a literal is in C order: only the vector files give the layout back
        return f"{name}(*dlconform_case({case.key!r}{_vectors_argument(case)}))"
    try:
        if sum(np.size(a) for a in case.args) > MAX_ELEMENTS:
            raise Unspellable("too many elements")
        line = f"{name}({', '.join(spell(a) for a in case.args)})"
    except Unspellable:
        line = ""
    if line and len(line) <= MAX_LINE:
        return line
    return f"{CASE_IMPORT}{name}(*dlconform_case({case.key!r}{_vectors_argument(case)}))"


def spell(value: Any) -> str:
    """Python source that evaluates (with ``np`` = numpy) to exactly ``value``."""
    if isinstance(value, bool | int) and not isinstance(value, np.generic):
        return repr(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, np.generic):
        return f"np.{_dtype_name(value.dtype)}({_element(value)})"
    if isinstance(value, np.ndarray):
        return _array(value)
    raise Unspellable(f"cannot spell a {type(value).__name__}")


def _array(arr: np.ndarray) -> str:
    """``np.array([...], dtype=np.<dtype>)``; empty arrays as ``np.zeros(shape, ...)``."""
    dtype = f"dtype=np.{_dtype_name(arr.dtype)}"
    if arr.size == 0:
        return f"np.zeros({arr.shape!r}, {dtype})"
    if arr.dtype.kind not in "biuf":
        raise Unspellable(f"cannot spell a {arr.dtype} array")
    return f"np.array({nested(arr)}, {dtype})"


def nested(arr: np.ndarray) -> str:
    """A nested list literal of the array's elements, each spelled exactly (a library's own array literal wraps it)."""
    if arr.ndim == 0:
        return _element(arr.flat[0])
    return "[" + ", ".join(nested(sub) for sub in arr) + "]"


def _element(x: np.generic) -> str:
    """One NumPy element, spelled exactly for its dtype."""
    if x.dtype.kind == "b":
        return repr(bool(x))
    if x.dtype.kind in "iu":
        return repr(int(x))
    if not isinstance(x, np.floating):
        raise Unspellable(f"cannot spell a {x.dtype} value")
    if np.isnan(x):
        canonical = np.array(np.copysign(np.nan, -1.0 if np.signbit(x) else 1.0), dtype=x.dtype)
        if canonical.tobytes() != np.array(x).tobytes():
            raise Unspellable("a NaN with a payload")
    text = _float(float(x))
    if x.dtype == np.float64 or not np.isfinite(x):
        return text
    shorter = (
        np.format_float_positional(x, unique=True, trim="0"),
        np.format_float_scientific(x, unique=True, trim="0"),
    )
    for short in sorted(shorter, key=len):
        if len(short) < len(text) and _same_bits(x.dtype.type(float(short)), x):
            return short
    return text


def _float(x: float) -> str:
    """A Python float: ``repr``, except NaN and infinities, which have no literal (and a NaN payload, no spelling)."""
    if math.isnan(x):
        sign = math.copysign(1.0, x)
        if struct.pack("<d", x) != struct.pack("<d", math.copysign(math.nan, sign)):
            raise Unspellable("a NaN with a payload")
        return "-float('nan')" if sign < 0 else "float('nan')"
    if math.isinf(x):
        return "float('inf')" if x > 0 else "float('-inf')"
    return repr(x)


def _same_bits(a: np.generic, b: np.generic) -> bool:
    """Whether two NumPy scalars are the same value, bit for bit."""
    return a.dtype == b.dtype and np.array(a).tobytes() == np.array(b).tobytes()


def _dtype_name(dtype: np.dtype) -> str:
    """The ``np.`` attribute for a dtype: ``bool_`` for bool (``np.bool`` is NumPy 2 only)."""
    return "bool_" if dtype.kind == "b" else dtype.name


def _vectors_argument(case: Case) -> str:
    """``, vectors='...'`` when the case comes from a file outside the bundled suite."""
    if not case.path:
        return ""
    path = Path(case.path).resolve()
    return "" if path.parent == bundled_dir().resolve() else f", vectors={str(path)!r}"
