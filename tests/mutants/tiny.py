"""Mutants that are wrong only where results are tiny: subnormal, zero at a limit, or small in float32/float16.

Each was accepted before the suite judged subnormal results in their own ULPs, exact zeros exactly, and
float32/float16 results relatively (issue 13).
"""

from __future__ import annotations

import math

import numpy as np

from tests.mutants._registry import mutant

TINY = float(np.finfo(np.float64).smallest_normal)


def _stable_sigmoid(x):
    """The careful logistic function in float64 (no overflow)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@mutant("sigmoid")
def sigmoid_clipped_exponent(x):
    """Clips x to [-709, 709] so that exp cannot overflow: 1.2e-308 at -745, -1000 and -inf, where 5e-324 or 0 is exact."""
    return _stable_sigmoid(np.clip(np.asarray(x, dtype=np.float64), -709.0, 709.0))


@mutant("basic_sigmoid")
def basic_sigmoid_clipped_exponent(x):
    """Clips x to [-709, 709] before math.exp: basic_sigmoid(-inf) is 1.2e-308, not 0."""
    x = min(max(float(x), -709.0), 709.0)
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


@mutant("sigmoid")
def sigmoid_floored_away_from_zero(x):
    """Keeps results at least 1e-20 (so that log(sigmoid(x)) stays finite): sigmoid(-inf) is 1e-20, not 0."""
    return np.maximum(_stable_sigmoid(np.asarray(x, dtype=np.float64)), 1e-20)


@mutant("sigmoid")
def sigmoid_wrong_sign_subnormal(x):
    """Flushes subnormal results to x * 0, which is -0.0 for the negative x that give them."""
    x = np.asarray(x, dtype=np.float64)
    s = _stable_sigmoid(x)
    return np.where(s < TINY, x * 0, s)


@mutant("sigmoid")
def sigmoid_negated_subnormal(x):
    """Returns subnormal results with the wrong sign (a sign slip in an underflow branch)."""
    s = _stable_sigmoid(np.asarray(x, dtype=np.float64))
    return np.where(s < TINY, -s, s)


@mutant("sigmoid_derivative")
def sigmoid_derivative_clipped_exponent(x):
    """Clips x to [-709, 709]: 1.2e-308 at +-1000 and -745, where the derivative is 0 or 5e-324."""
    x = np.clip(np.asarray(x, dtype=np.float64), -709.0, 709.0)
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2


@mutant("sigmoid", beyond=True)
def sigmoid_one_minus_in_float16(x):
    """For float16 input, 1 - sigmoid(-x) in float16: sigmoid(-6) is 0.00244 for 0.00247 (1.3 % off)."""
    x = np.asarray(x)
    if x.dtype != np.float16:
        return _stable_sigmoid(x.astype(np.float64))
    return (np.float16(1) - (1 / (1 + np.exp(x))).astype(np.float16)).astype(np.float16)


@mutant("sigmoid_derivative", beyond=True)
def sigmoid_derivative_textbook_in_float32(x):
    """For float32 input, s * (1 - s) in float32: 890 ULP off at x = 9, where the result is 1.2e-4."""
    x = np.asarray(x)
    if x.dtype != np.float32:
        e = np.exp(-np.abs(x.astype(np.float64)))
        return e / (1 + e) ** 2
    s = (1 / (1 + np.exp(-x))).astype(np.float32)
    return s * (np.float32(1) - s)
