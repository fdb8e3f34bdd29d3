"""Derivatives of the activations, accurate in relative terms far into the tails."""

from __future__ import annotations

import numpy as np
from dlconform.reference._eft import div, exp_scaled, scaled, square
from dlconform.reference._work import elementwise

# What dlconform.reference exports from here.
__all__ = ["sigmoid_derivative", "tanh_derivative"]


def _bell(x: np.ndarray, scale: int) -> np.ndarray:
    """scale^2 e / (1 + e)^2 with e = exp(-scale |x|): both derivatives' shape, within about 1 ULP.

    No cancellation (1 - s never appears); 1 + e and its square are kept as hi + lo pairs and the
    division corrected by its remainder, so exp's rounding and one final rounding remain; a
    subnormal result is rounded once (``exp_scaled``), also after the factor 4 of tanh'.
    """
    with np.errstate(over="ignore"):  # -2|x| overflows to -inf past 9e307: exp gives 0
        vh, vl, k = exp_scaled(-scale * np.abs(x))
    e = scaled(vh, k)
    s = 1 + e
    dh, dl = square(s, e - (s - 1))
    factor = scale * scale
    return scaled(div(factor * vh, factor * vl, dh, dl), k)


def sigmoid_derivative(x: object) -> object:
    """sigma'(x) = sigma(x) * sigma(-x) = e / (1 + e)^2 with e = exp(-|x|): no 1 - s, so nothing cancels."""
    return elementwise(lambda w: _bell(w, 1), x)


def tanh_derivative(x: object) -> object:
    """tanh'(x) = sech(x)^2 = 4 e / (1 + e)^2 with e = exp(-2|x|), finite and accurate for all x."""
    return elementwise(lambda w: _bell(w, 2), x)
