"""The truth of a case: the exact result rounded once to the native result dtype.

Where np.longdouble is wider than float64 (x86-64 Linux: a 64-bit significand), the truth is the
reference evaluated in longdouble and rounded once. Where it is not (Windows, macOS on arm64), it
is the catalogue's exact formula evaluated in mpmath and rounded correctly; inputs that are not
finite keep the reference's own value there (limits and NaN, which it computes exactly).
``DLCONFORM_NARROW_LONGDOUBLE=1`` takes that path on any machine, to test it.

``generate`` stores these values; ``--dtypes`` and random cases compute them on the fly.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.format.model import Case, fresh_inputs

NARROW_ENV = "DLCONFORM_NARROW_LONGDOUBLE"
MPMATH_BITS = 200  # far beyond float64's 53: the rounding of the exact value to it is decided


def wide_longdouble() -> bool:
    """Whether np.longdouble carries more bits than float64 here (and NARROW_ENV does not say otherwise)."""
    wider = np.finfo(np.longdouble).nmant > np.finfo(np.float64).nmant
    return wider and os.environ.get(NARROW_ENV, "") in ("", "0")


def _lift(value: Any) -> Any:
    """A float or integer argument as np.longdouble, for the high-precision evaluation."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        return value
    return arr.astype(np.longdouble) if arr.ndim else np.longdouble(arr)


def reference_value(case: Case) -> Any:
    """The expected result of ``case``: the exact value rounded once to the native result dtype.

    Floating-point warnings are silenced: overflow to inf and NaN results are part of the expected values.
    """
    with np.errstate(all="ignore"):
        return _reference_value(case)


def read_another_way(function: str, args: tuple[Any, ...]) -> tuple[tuple[Any, ...], bool]:
    """The arguments of a case that may raise read the way its value alternative reads them, and whether that
    reading is elementwise: a scalar function's array elementwise (as np.exp computes it), the later arguments of
    a binary function paired element by element with the first (an (n,) against an (n, 1)).

    ``expected_any``'s value alternative is the truth on this reading (``alternative_value``); the oracle test
    reads them so too."""
    if FUNCTIONS[function].kind == "scalar":
        return args, True
    first = np.asarray(args[0])
    paired = tuple(
        np.asarray(a).reshape(first.shape) if np.size(a) == first.size and np.shape(a) != first.shape else a
        for a in args[1:]
    )
    return (args[0], *paired), False


def alternative_value(case: Case) -> Any:
    """The truth of a case's value alternative (``read_another_way``), each value rounded once as
    ``reference_value`` rounds: for a case whose reference refuses its inputs (basic_sigmoid of an array)."""
    from dataclasses import replace

    args, elementwise = read_another_way(case.function, case.args)
    if not elementwise:
        return reference_value(replace(case, args=args))
    x = np.asarray(args[0])
    values = [reference_value(replace(case, args=(v,))) for v in x.reshape(-1).tolist()]
    return np.asarray(values, dtype=np.float64).reshape(x.shape)


def _reference_value(case: Case) -> Any:
    """``reference_value`` without the warning guard."""
    impl = FUNCTIONS[case.function].impl
    native = impl(*fresh_inputs(case.args))
    arr = np.asarray(native)
    if case.accuracy == "exact" or arr.dtype.kind != "f":
        return native
    if not wide_longdouble():
        return mpmath_value(case.function, case.args, native)
    if isinstance(native, float) and not isinstance(native, np.generic):
        return native  # basic_sigmoid: a Python float, evaluated in longdouble inside
    precise = np.asarray(impl(*[_lift(a) for a in case.args]))
    out = precise.astype(arr.dtype)
    return out[()] if out.ndim == 0 else out


def mpmath_value(function: str, args: tuple[Any, ...], native: Any) -> Any:
    """``native`` (the reference's result on ``args``) with every value whose inputs are finite replaced by the
    exact value in mpmath, correctly rounded to the result's dtype; of the same type as ``native``.
    """
    import mpmath  # only on this path: a run where longdouble is wide never loads it

    spec = FUNCTIONS[function]
    out = np.array(native, dtype=np.asarray(native).dtype)
    arrays = [np.asarray(a) for a in args]
    if spec.kind in ("scalar", "elementwise"):
        finite = np.broadcast_to(np.logical_and.reduce([_finite(a) for a in arrays]), out.shape)
    elif spec.kind == "rowwise":
        finite = np.broadcast_to(_finite(arrays[0]).all(axis=-1, keepdims=True), out.shape)
    else:
        finite = np.full(out.shape, all(_finite(a).all() for a in arrays))
    if finite.any():
        with mpmath.workprec(MPMATH_BITS):
            exact = np.asarray(spec.exact(*[_to_mp(a) for a in arrays]), dtype=object)
        for idx in zip(*np.nonzero(finite), strict=True) if out.ndim else [()]:
            out[idx] = round_to(exact[idx], out.dtype, float(out[idx]))
    if isinstance(native, float) and not isinstance(native, np.generic):
        return float(out)
    return out[()] if out.ndim == 0 else out


def _finite(a: np.ndarray) -> np.ndarray:
    """Where an argument is finite (integers and bools always are)."""
    return np.isfinite(a) if a.dtype.kind in "fc" else np.ones(a.shape, dtype=bool)


def _to_mp(a: np.ndarray) -> np.ndarray:
    """An argument as an object array of exact mpf values (0-d for scalars)."""
    import mpmath

    out = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(a.shape):
        out[idx] = mpmath.mpf(a[idx].item())
    return out


def round_to(value: Any, dtype: np.dtype, like: float) -> float:
    """An mpf value correctly rounded (ties to even) into ``dtype``, subnormals and overflow included.

    A zero takes the sign of ``like`` (the reference's value), as mpmath's zero has none.
    """
    import mpmath

    if mpmath.isnan(value) or mpmath.isinf(value):
        return float(value)
    info = np.finfo(dtype)
    if not value:
        return float(np.copysign(0.0, like))
    exponent = int(mpmath.frexp(value)[1]) - 1
    unit = mpmath.ldexp(1, max(exponent, info.minexp) - info.nmant)
    rounded = mpmath.nint(value / unit) * unit
    if abs(rounded) >= mpmath.ldexp(1, info.maxexp):
        return float("inf") if rounded > 0 else float("-inf")
    return float(rounded) if rounded else float(np.copysign(0.0, float(value)))
