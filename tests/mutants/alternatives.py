"""Correct implementations written another way: every case must accept them (no verdict rejects correct code)."""

from __future__ import annotations

import numpy as np

from tests.mutants._registry import alternative


@alternative("basic_sigmoid")
def basic_sigmoid_np_exp(x):
    """np.exp instead of math.exp: right for every real number, and elementwise on an array."""
    return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))


def _float64(x):
    """x as a float64 array and the float dtype to return (floats keep theirs; integers and bools give float64)."""
    arr = np.asarray(x)
    return arr.astype(np.float64), (arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float64))


def _back(y, dtype, like):
    """y in ``dtype``, a NumPy scalar for a scalar input."""
    out = np.asarray(y).astype(dtype)
    return out[()] if np.ndim(like) == 0 else out


@alternative("softmax")
def softmax_log_domain(x):
    """exp((x - m) - log(sum(exp(x - m)))): the log-sum-exp form; its subtraction adds |x - max| ULP at most."""
    w, dtype = _float64(x)
    if w.ndim == 0:
        raise ValueError("softmax needs at least one axis")
    if w.shape[-1] == 0:
        return w.astype(dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = w - np.max(w, axis=-1, keepdims=True)
        return np.exp(z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))).astype(dtype)


@alternative("softmax")
def softmax_reciprocal(x):
    """exp(x - m) * (1 / sum): one reciprocal per row and a product, instead of a division per element."""
    w, dtype = _float64(x)
    if w.ndim == 0:
        raise ValueError("softmax needs at least one axis")
    if w.shape[-1] == 0:
        return w.astype(dtype)
    with np.errstate(invalid="ignore"):
        e = np.exp(w - np.max(w, axis=-1, keepdims=True))
        return (e * (1 / np.sum(e, axis=-1, keepdims=True))).astype(dtype)


@alternative("sigmoid_derivative")
def sigmoid_derivative_cosh(x):
    """1 / (4 cosh(x / 2)^2), divided by cosh twice so that nothing overflows before the result underflows."""
    w, dtype = _float64(x)
    with np.errstate(over="ignore"):
        c = np.cosh(w / 2)
        return _back(0.25 / c / c, dtype, x)


@alternative("tanh_derivative")
def tanh_derivative_cosh(x):
    """sech(x)^2 = 1 / cosh(x)^2, divided by cosh twice so that nothing overflows before the result underflows."""
    w, dtype = _float64(x)
    with np.errstate(over="ignore"):
        c = np.cosh(w)
        return _back(1 / c / c, dtype, x)


@alternative("tanh")
def tanh_expm1(x):
    """-expm1(-2|x|) / (2 + expm1(-2|x|)) with the sign of x: accurate near 0 and exactly 1 at infinity."""
    w, dtype = _float64(x)
    t = np.expm1(-2 * np.abs(w))
    return _back(np.copysign(-t / (2 + t), w), dtype, x)
