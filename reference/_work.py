"""Working-precision helpers shared by the reference operators.

Every operator computes in at least float64 (longdouble stays longdouble) and
casts back to the caller's float dtype, so float16/float32 results are as
accurate as their dtype allows and integer inputs give float64.
"""

from __future__ import annotations

import numpy as np


def result_dtype(x: np.ndarray) -> np.dtype:
    """The dtype a floating operator returns for ``x``: floats keep theirs, the rest get float64."""
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)


def work_dtype(x: np.ndarray) -> np.dtype:
    """The dtype to compute in: float64, or longdouble when the input is longdouble."""
    return np.dtype(np.longdouble) if x.dtype == np.longdouble else np.dtype(np.float64)


def lift(x: object) -> tuple[np.ndarray, np.dtype]:
    """Return ``x`` as an array in working precision, with the dtype to cast the result back to.

    No copy is made when ``x`` is already in working precision: callers never write into it.
    """
    arr = np.asarray(x)
    return arr.astype(work_dtype(arr), copy=False), result_dtype(arr)


def exp_neg_abs(x: np.ndarray, scale: int = 1) -> np.ndarray:
    """exp(-scale * |x|) in one new buffer (in-place steps, so large inputs cost one temporary)."""
    t = np.asarray(np.abs(x))
    np.multiply(t, -scale, out=t)
    return np.exp(t, out=t)


def lower(y: np.ndarray, dtype: np.dtype, like: object) -> object:
    """Cast ``y`` back to ``dtype``; a scalar input gives a NumPy scalar, as NumPy's ufuncs do."""
    out = np.asarray(y).astype(dtype, copy=False)
    return out[()] if np.ndim(like) == 0 and out.ndim == 0 else out
