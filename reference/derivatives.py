"""Derivatives of the activations, accurate in relative terms far into the tails."""

from __future__ import annotations

import numpy as np

from reference._work import lift, lower
from reference.activations import _sigmoid


def sigmoid_derivative(x: object) -> object:
    """sigma'(x) = sigma(x) * sigma(-x): no 1 - s, so nothing cancels for large |x|."""
    w, dtype = lift(x)
    with np.errstate(invalid="ignore"):
        return lower(_sigmoid(w) * _sigmoid(-w), dtype, x)


def tanh_derivative(x: object) -> object:
    """tanh'(x) = sech(x)^2 = 4 e^(-2|x|) / (1 + e^(-2|x|))^2, finite and accurate for all x."""
    w, dtype = lift(x)
    with np.errstate(invalid="ignore", over="ignore"):  # -2|x| overflows to -inf past 9e307: exp gives 0
        e = np.exp(-2 * np.abs(w))
        return lower(4 * e / ((1 + e) * (1 + e)), dtype, x)
