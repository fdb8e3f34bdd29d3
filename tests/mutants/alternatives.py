"""Correct implementations written another way: every case must accept them (no verdict rejects correct code)."""

from __future__ import annotations

import numpy as np

from tests.mutants._registry import alternative


@alternative("basic_sigmoid")
def basic_sigmoid_np_exp(x):
    """np.exp instead of math.exp: right for every real number, and elementwise on an array."""
    return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))


@alternative("dot")
def dot_einsum(a, b):
    """np.einsum for 1-D and 2-D operands (np.tensordot above them, a product for scalars), as np.dot contracts."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return np.multiply(a, b)
    spec = {(1, 1): "i,i", (2, 1): "ij,j->i", (1, 2): "i,ij->j", (2, 2): "ij,jk->ik"}.get((a.ndim, b.ndim))
    if spec is None:
        return np.tensordot(a, b, axes=([-1], [-2 if b.ndim > 1 else -1]))
    if a.shape[-1] != b.shape[0]:
        raise ValueError(f"shapes {a.shape} and {b.shape} not aligned")
    return np.einsum(spec, a, b)


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


@alternative("image2vector")
def image2vector_ravel(image):
    """np.ravel in C order, then a column: the same values as reshape(size, 1) for any layout."""
    return np.ravel(image, order="C")[:, np.newaxis]


@alternative("relu")
def relu_where(x):
    """np.where(x < 0, 0, x) with a zero of the input's own dtype: NaN and bool pass through."""
    arr = np.asarray(x)
    return np.where(arr < 0, np.zeros((), arr.dtype), arr)[()]


@alternative("L1")
def L1_ordered_difference(yhat, y):
    """|y - yhat| as the larger minus the smaller (np.where), so unsigned differences never wrap; np.sum's dtype."""
    a, b = np.asarray(yhat), np.asarray(y)
    if a.shape != b.shape:
        raise ValueError(f"yhat has shape {a.shape} but y has shape {b.shape}")
    return np.sum(np.where(b > a, b - a, a - b))
