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


@alternative("softmax")
def softmax_reciprocal(x):
    """Multiplies by 1 / sum instead of dividing, in a wider dtype than float16 and float32 inputs, rounded once."""
    x = np.asarray(x)
    wide = np.float64 if x.dtype.kind != "f" or x.dtype.itemsize < 8 else x.dtype
    w = x.astype(wide)
    with np.errstate(invalid="ignore"):
        e = np.exp(w - np.max(w, axis=-1, keepdims=True)) if w.size else w
        out = e * (1 / np.sum(e, axis=-1, keepdims=True))
    return out.astype(x.dtype if x.dtype.kind == "f" else np.float64)


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
