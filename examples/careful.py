"""A careful, student-style NumPy implementation of every function of the suite (standalone).

Written the way a student who knows the numerical pitfalls would write them:
compute in float64 and round once to the caller's float dtype, never let exp
see a large positive argument, scale rows before squaring them, refuse inputs
the contract refuses. It passes every bundled case; it does not use the
project's ``reference`` package.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def _as_float64(x: object) -> tuple[np.ndarray, np.dtype]:
    """``x`` as a float64 array, with the dtype to return: float inputs keep theirs, others get float64."""
    arr = np.asarray(x)
    out_dtype = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float64)
    return arr.astype(np.float64), out_dtype


def _back(values: np.ndarray, dtype: np.dtype, like: object) -> object:
    """Round once to ``dtype``; a scalar input gives a NumPy scalar."""
    out = values.astype(dtype)
    return out[()] if np.ndim(like) == 0 else out


def basic_sigmoid(x: float) -> float:
    """Scalar-only sigmoid with math.exp; refuses sequences and arrays."""
    if not isinstance(x, numbers.Real):
        raise TypeError(f"basic_sigmoid needs a real number, got {type(x).__name__}")
    x = float(x)
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def sigmoid(x: object) -> object:
    """1 / (1 + exp(-x)) with exp only ever of -|x|."""
    v, dtype = _as_float64(x)
    z = np.exp(-np.abs(v))
    with np.errstate(invalid="ignore"):
        s = np.where(v >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    return _back(s, dtype, x)


def sigmoid_derivative(x: object) -> object:
    """exp(-|x|) / (1 + exp(-|x|))**2: the derivative is even, and nothing cancels."""
    v, dtype = _as_float64(x)
    z = np.exp(-np.abs(v))
    return _back(z / ((1.0 + z) * (1.0 + z)), dtype, x)


def tanh(x: object) -> object:
    """NumPy's tanh, in float64."""
    v, dtype = _as_float64(x)
    return _back(np.tanh(v), dtype, x)


def tanh_derivative(x: object) -> object:
    """sech(x)**2 = 1 / cosh(x)**2; cosh overflows only where the answer is below the float range."""
    v, dtype = _as_float64(x)
    with np.errstate(over="ignore"):
        c = np.cosh(v)
        return _back(1.0 / (c * c), dtype, x)


def relu(x: object) -> object:
    """max(x, 0) in the input's own dtype (a Python 0 would make bool int64); NaN stays NaN."""
    arr = np.asarray(x)
    return np.maximum(arr, np.zeros((), arr.dtype))


def image2vector(image: object) -> np.ndarray:
    """A (size, 1) column in C order."""
    arr = np.asarray(image)
    return arr.reshape(arr.size, 1)


def normalizeRows(x: object) -> np.ndarray:
    """Each row over its L2 norm, rows scaled by their largest magnitude first; zero rows stay zero."""
    v, dtype = _as_float64(x)
    if v.ndim == 0:
        raise ValueError("normalizeRows needs an array with at least one axis")
    if v.shape[-1] == 0:
        return v.astype(dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.max(np.abs(v), axis=-1, keepdims=True)
        scale[scale == 0] = 1.0
        rows = v / scale
        norm = np.sqrt(np.sum(rows * rows, axis=-1, keepdims=True))
        norm[norm == 0] = 1.0
        return (rows / norm).astype(dtype)


def softmax(x: object) -> np.ndarray:
    """exp(x - row max) over its row sum, along the last axis."""
    v, dtype = _as_float64(x)
    if v.ndim == 0:
        raise ValueError("softmax needs an array with at least one axis")
    if v.shape[-1] == 0:
        return v.astype(dtype)
    with np.errstate(invalid="ignore"):
        e = np.exp(v - np.max(v, axis=-1, keepdims=True))
        return (e / np.sum(e, axis=-1, keepdims=True)).astype(dtype)


def _difference(yhat: object, y: object) -> tuple[np.ndarray, np.dtype]:
    """y - yhat (in float64 for floats; |y - yhat| in uint64 for unsigned integers, where y - yhat wraps below 0),
    refusing inputs of different shapes."""
    a, b = np.asarray(yhat), np.asarray(y)
    if a.shape != b.shape:
        raise ValueError(f"yhat and y differ in shape: {a.shape} and {b.shape}")
    dtype = np.result_type(a, b)
    if dtype.kind == "u":  # in uint64, np.sum's own dtype for them, where squares do not wrap
        return (np.maximum(a, b) - np.minimum(a, b)).astype(np.uint64), np.dtype(np.uint64)
    if dtype.kind != "f":
        return b - a, dtype
    return b.astype(np.float64) - a.astype(np.float64), dtype


def L1(yhat: object, y: object) -> object:
    """Sum of |y - yhat| over every element."""
    d, dtype = _difference(yhat, y)
    with np.errstate(over="ignore"):
        return dtype.type(np.sum(np.abs(d)))


def L2(yhat: object, y: object) -> object:
    """Sum of (y - yhat)**2 over every element, no square root."""
    d, dtype = _difference(yhat, y)
    with np.errstate(over="ignore"):
        return dtype.type(np.sum(d * d))


def dot(a: object, b: object) -> object:
    """np.dot."""
    return np.dot(a, b)


def outer(a: object, b: object) -> np.ndarray:
    """np.outer (flattens both inputs)."""
    return np.outer(a, b)


def multiply(a: object, b: object) -> object:
    """np.multiply (broadcasts)."""
    return np.multiply(a, b)
