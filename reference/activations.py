"""Activation functions: basic_sigmoid, sigmoid, tanh, relu, softmax."""

from __future__ import annotations

import numpy as np
from dlconform.reference._work import exp_neg_abs, lift, lower

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
    """Stable logistic in the dtype of ``x``: exp only ever sees -|x|, so it never overflows."""
    e = exp_neg_abs(x)
    out = np.where(x >= 0, 1, e)  # numerator: 1 for x >= 0, e^x = e for x < 0
    np.add(e, 1, out=e)
    return np.divide(out, e, out=out)


def sigmoid(x: object) -> object:
    """Logistic function 1 / (1 + exp(-x)), elementwise, exact limits at +-inf."""
    w, dtype = lift(x)
    with np.errstate(invalid="ignore"):
        return lower(_sigmoid(w), dtype, x)


def tanh(x: object) -> object:
    """Hyperbolic tangent, elementwise; finite for every finite input, keeps the sign of zero."""
    w, dtype = lift(x)
    return lower(np.tanh(w), dtype, x)


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
    w, dtype = lift(x)
    if w.ndim == 0:
        raise ValueError("softmax needs at least one axis")
    with np.errstate(invalid="ignore", over="ignore"):
        peak = np.max(w, axis=-1, keepdims=True) if w.shape[-1] else w[..., :0]
        e = np.subtract(w, peak)
        np.exp(e, out=e)
        np.divide(e, np.sum(e, axis=-1, keepdims=True), out=e)
    return e.astype(dtype, copy=False)
