"""Losses: L1 and L2, summed over every element into one scalar."""

from __future__ import annotations

import numpy as np

# What dlconform.reference exports from here.
__all__ = ["L1", "L2"]


def _difference(yhat: object, y: object) -> np.ndarray:
    """y - yhat, refusing shapes that differ (NumPy would silently broadcast (5,) with (5, 1))."""
    a, b = np.asarray(yhat), np.asarray(y)
    if a.shape != b.shape:
        raise ValueError(f"yhat has shape {a.shape} but y has shape {b.shape}")
    return b - a


def L1(yhat: object, y: object) -> object:
    """Sum of absolute errors, a scalar in the inputs' result dtype."""
    return np.sum(np.abs(_difference(yhat, y)))


def L2(yhat: object, y: object) -> object:
    """Sum of squared errors (no square root), a scalar in the inputs' result dtype."""
    d = _difference(yhat, y)
    return np.sum(d * d)
