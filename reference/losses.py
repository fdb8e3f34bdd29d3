"""Losses: L1 and L2, summed over every element into one scalar."""

from __future__ import annotations

import numpy as np

# What dlconform.reference exports from here.
__all__ = ["L1", "L2"]


def _difference(yhat: object, y: object) -> np.ndarray:
    """y - yhat, refusing shapes that differ (NumPy would silently broadcast (5,) with (5, 1)); for unsigned
    integers |y - yhat|, the larger minus the smaller, since y - yhat would wrap below 0 (1 - 2 is 255 in uint8), in
    uint64, the dtype np.sum gives them, so that squares do not wrap either."""
    a, b = np.asarray(yhat), np.asarray(y)
    if a.shape != b.shape:
        raise ValueError(f"yhat has shape {a.shape} but y has shape {b.shape}")
    if np.result_type(a, b).kind == "u":
        return (np.maximum(a, b) - np.minimum(a, b)).astype(np.uint64)
    return b - a


def L1(yhat: object, y: object) -> object:
    """Sum of absolute errors, a scalar in the inputs' result dtype."""
    return np.sum(np.abs(_difference(yhat, y)))


def L2(yhat: object, y: object) -> object:
    """Sum of squared errors (no square root), a scalar in the inputs' result dtype."""
    d = _difference(yhat, y)
    return np.sum(d * d)
