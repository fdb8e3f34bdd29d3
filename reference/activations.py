"""Activation functions: basic_sigmoid, sigmoid, tanh, relu, softmax."""

from __future__ import annotations

from typing import Any

import numpy as np
from dlconform.reference._eft import div, exp_scaled, scaled, two_sum
from dlconform.reference._work import RowFunction, elementwise, rowwise

# What dlconform.reference exports from here.
__all__ = ["basic_sigmoid", "relu", "sigmoid", "softmax", "tanh"]


def basic_sigmoid(x: float) -> float:
    """The course's scalar-only sigmoid: a real number in, a Python float out, no overflow at +-1000.

    Like the course's ``math.exp`` version it refuses sequences; it evaluates in
    np.longdouble, so the float it returns is correctly rounded where longdouble is wider.
    """
    if isinstance(x, (list, tuple, np.ndarray)):
        raise TypeError("basic_sigmoid takes a real number, not a sequence")
    with np.errstate(invalid="ignore"):
        return float(_sigmoid(np.longdouble(float(x))))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Stable logistic in the dtype of ``x``, within about 1 ULP: exp only ever sees -|x|.

    With e = exp(-|x|) it is e / (1 + e) for x < 0 and 1 / (1 + e) otherwise; 1 + e is kept
    exactly (hi + lo) and the division corrected by its remainder, so only exp's own rounding
    and one final rounding remain; a subnormal result is rounded once (``exp_scaled``).
    """
    vh, vl, k = exp_scaled(-np.abs(x))
    e = scaled(vh, k)
    s = 1 + e
    negative = x < 0
    y = div(np.where(negative, vh, 1), np.where(negative, vl, 0), s, e - (s - 1))
    return scaled(y, None if k is None else np.where(negative, k, 0))


def sigmoid(x: object) -> object:
    """Logistic function 1 / (1 + exp(-x)), elementwise, exact limits at +-inf."""
    return elementwise(_sigmoid, x)


def tanh(x: object) -> object:
    """Hyperbolic tangent, elementwise; finite for every finite input, keeps the sign of zero."""
    return elementwise(np.tanh, x)


def relu(x: object) -> object:
    """max(x, 0) elementwise; keeps every dtype, integers included, and propagates NaN."""
    arr = np.asarray(x)
    zero = np.zeros((), dtype=arr.dtype)
    out = np.where(arr < zero, zero, arr)  # NaN < 0 is False, so NaN passes through
    return out[()] if np.ndim(x) == 0 else out


def softmax(x: object) -> np.ndarray:
    """exp(x) normalised along the last axis; subtracts the row maximum, so no overflow.

    A row whose maximum is not finite (all -inf, or holding +inf or NaN) has no
    well-defined softmax and comes out NaN.
    """
    if np.ndim(x) == 0:
        raise ValueError("softmax needs at least one axis")
    return rowwise(_SOFTMAX, x)


def _softmax_parts(x: np.ndarray, peak: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
    """exp(x - max) as summands (hi, lo, scaled back) and the unscaled pair with its scale.

    ``x - max`` is kept exactly (hi + lo: lo up to 1e-13 for a spread of 1,000, which exp(hi)
    alone would turn into a relative error of 1e-13) and exp(hi + lo) is exp(hi) * (1 + lo).
    """
    dh, dl = two_sum(x, -peak)
    finite = np.isfinite(dh)
    vh, vl, k = exp_scaled(dh, dl if finite.all() else np.where(finite, dl, 0))
    return scaled(vh, k), scaled(vl, k), (vh, vl, k)


def _softmax_finish(x: np.ndarray, peak: np.ndarray, th: np.ndarray, tl: np.ndarray, parts: Any) -> np.ndarray:
    """Each exp(x - max) over the row sum (added without rounding error), the division corrected by its remainder."""
    vh, vl, k = parts
    total = th + tl
    return scaled(div(vh, vl, total[..., None], (tl - (total - th))[..., None]), k)


# Softmax of rows within about 1.5 ULP.
_SOFTMAX = RowFunction(lambda x: np.max(x, axis=-1, keepdims=True), _softmax_parts, _softmax_finish)
