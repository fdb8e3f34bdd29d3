"""Mutants that escaped every stored case before issue 21 (precision, scalar fast paths, N-D and int64 dot, np.matrix
results, flushing): each is caught now, inside the contract where the contract allows."""

from __future__ import annotations

import math

import numpy as np

from tests.mutants._registry import mutant


@mutant("basic_sigmoid")
def basic_sigmoid_overflow_gives_one(x):
    """Catches math.exp's OverflowError and returns 1.0: a wrong sign of the limit at -1000."""
    try:
        return 1 / (1 + math.exp(-x))
    except OverflowError:
        return 1.0


@mutant("sigmoid")
def sigmoid_exp_of_log1p(x):
    """exp(-log1p(exp(-x))): the rounding of log1p (about 33 near x = -33) is amplified by exp, 32 ULP off."""
    x = np.asarray(x, dtype=float)
    return np.exp(-np.log1p(np.exp(-x)))[()]


@mutant("tanh", beyond=True)
def tanh_math_fast_path(x):
    """math.tanh for scalars: a float32 or float16 scalar comes back as a Python float (float64)."""
    if np.ndim(x) == 0:
        return math.tanh(x)
    return np.tanh(np.asarray(x, dtype=float) if np.asarray(x).dtype.kind in "iub" else x)


@mutant("tanh", beyond=True)
def tanh_plain_numpy(x):
    """np.tanh as it is: int8 and uint8 give float16, int16 float32, bool float16, where float64 is stated."""
    return np.tanh(x)


@mutant("tanh", beyond=True)
def tanh_flushes_subnormals(x):
    """Subnormal results flushed to zero (a flush-to-zero mode): tanh(1e-310) is 1e-310, not 0."""
    r = np.tanh(np.asarray(x, dtype=np.result_type(np.asarray(x).dtype, np.float16)))
    r = r.astype(np.float64) if np.asarray(x).dtype.kind in "iub" else r
    tiny = np.finfo(r.dtype).smallest_normal
    return np.where(np.abs(r) < tiny, np.zeros_like(r), r)[()]


@mutant("tanh")
def tanh_float32_inside(x):
    """Computes in float32 behind a float64 dtype: float64 results keep only float32's digits."""
    arr = np.asarray(x)
    out = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float64)
    return np.tanh(arr.astype(np.float32)).astype(out)[()]


@mutant("sigmoid_derivative", beyond=True)
def sigmoid_derivative_math_fast_path(x):
    """math.exp for scalars: a float32 or float16 scalar comes back as a Python float (float64)."""
    if np.ndim(x) == 0:
        e = math.exp(-abs(float(x)))
        return e / (1 + e) ** 2
    x = np.asarray(x)
    w = x.astype(x.dtype if x.dtype.kind == "f" else np.float64)
    e = np.exp(-np.abs(w))
    return e / (1 + e) ** 2


@mutant("dot")
def dot_matmul(a, b):
    """The @ operator: for N-D arguments it broadcasts the stacks, where np.dot sums over a's last and b's
    second-to-last axis."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.multiply(a, b)
    return np.asarray(a) @ np.asarray(b)


@mutant("dot")
def dot_float64_blas(a, b):
    """Integers through float64 BLAS and back: int64 products and sums beyond 2**53 are rounded."""
    a, b = np.asarray(a), np.asarray(b)
    dtype = np.result_type(a, b)
    if dtype.kind in "iu":
        return np.dot(a.astype(np.float64), b.astype(np.float64)).astype(dtype)
    return np.dot(a, b)


@mutant("normalizeRows")
def normalize_rows_matrix(x):
    """Returns np.matrix (through np.asmatrix): an ndarray subclass, where a plain ndarray is the contract."""
    x = np.asarray(x, dtype=float)
    return np.asmatrix(x / np.linalg.norm(x, axis=-1, keepdims=True))
