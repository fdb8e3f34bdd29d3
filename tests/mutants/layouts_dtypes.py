"""Mutants that depend on the memory layout of their inputs, return the wrong dtype or container, compute in too
narrow a dtype, or mishandle unsigned and overflowing integers (issue 13: layouts, dtypes, magnitude-spread rows)."""

from __future__ import annotations

import numpy as np
from dlconform import reference

from tests.mutants._registry import mutant


@mutant("image2vector")
def image2vector_order_a(image):
    """reshape with order='A': a Fortran-ordered input is read column-major."""
    return np.reshape(image, (-1, 1), order="A")


@mutant("image2vector")
def image2vector_order_k(image):
    """ravel with order='K': the elements in memory order, not C order (Fortran and reversed inputs)."""
    return np.ravel(image, order="K").reshape(-1, 1)


@mutant("normalizeRows", beyond=True)
def normalizeRows_global_max_scale(x):
    """One global scale (the largest |x|) before the row norms: a row of 1e-200 beside 1e200 becomes 0 / 0.

    Special values (empty, zero, NaN and inf matrices) go to the reference, so only the scale is wrong.
    """
    x = np.asarray(x)
    scale = np.max(np.abs(x)) if x.size else 0.0
    if not np.isfinite(scale) or scale == 0:
        return reference.normalizeRows(x)
    y = x / scale
    return y / np.sqrt(np.sum(y * y, axis=-1, keepdims=True))


@mutant("softmax", beyond=True)
def softmax_native_float16(x):
    """float16 computed in float16 (exp, sum and division each rounded to float16): several ULP off."""
    x = np.asarray(x)
    if x.dtype != np.float16:
        return reference.softmax(x)
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True, dtype=np.float16)


@mutant("relu")
def relu_upcasts(x):
    """int8 comes back int64 and float32 float64 (np.maximum against a wider zero)."""
    x = np.asarray(x)
    wide = {"i": np.int64, "u": np.uint64, "f": np.float64}.get(x.dtype.kind, x.dtype)
    return np.maximum(x, np.zeros((), wide))


@mutant("sigmoid")
def sigmoid_returns_list(x):
    """The right values as a Python list: ``sigmoid(x) * 2`` repeats the list instead of doubling."""
    s = reference.sigmoid(x)
    return s.tolist() if isinstance(s, np.ndarray) else s


def _same_shape(yhat, y):
    a, b = np.asarray(yhat), np.asarray(y)
    if a.shape != b.shape:
        raise ValueError(f"shapes {a.shape} and {b.shape} differ")
    return a, b


@mutant("L1", beyond=True)
def L1_wrapping_difference(yhat, y):
    """sum |y - yhat| with y - yhat in the inputs' unsigned dtype: 1 - 2 wraps to 255 in uint8."""
    a, b = _same_shape(yhat, y)
    return np.sum(np.abs(b - a))


@mutant("L2", beyond=True)
def L2_wrapping_difference(yhat, y):
    """sum (y - yhat)^2 with y - yhat in the inputs' unsigned dtype: 5 - 7 wraps to 254 in uint8."""
    a, b = _same_shape(yhat, y)
    d = b - a
    return np.sum(d * d)


@mutant("L1", beyond=True)
def L1_in_the_first_dtype(yhat, y):
    """y cast to yhat's dtype first: float32 with float64 gives a float32 loss, not NumPy's float64."""
    a, b = _same_shape(yhat, y)
    return np.sum(np.abs(b.astype(a.dtype) - a))


@mutant("dot")
def dot_saturates(a, b):
    """Integer products clipped to the dtype's range instead of wrapping as np.dot's do."""
    result = np.dot(a, b)
    dtype = np.asarray(result).dtype
    if dtype.kind not in "iu":
        return result
    info = np.iinfo(dtype)
    exact = np.dot(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
    return np.asarray(np.clip(exact, info.min, info.max)).astype(dtype)[()]


@mutant("multiply")
def multiply_saturates(a, b):
    """Integer products clipped to the dtype's range instead of wrapping as np.multiply's do."""
    result = np.multiply(a, b)
    if result.dtype.kind not in "iu":
        return result
    info = np.iinfo(result.dtype)
    exact = np.multiply(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
    return np.asarray(np.clip(exact, info.min, info.max)).astype(result.dtype)[()]


@mutant("multiply")
def multiply_scalar_as_array(a, b):
    """Both arguments made arrays first: a Python float becomes a float64 array and float32 data comes back float64."""
    return np.multiply(np.asarray(a), np.asarray(b))
