"""The held-out mutants (see __init__): one realistic mistake each, written without looking at which case would
catch it. ``beyond``: the author's reading of the contract, that the mistake shows only beyond it."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from tests.mutants._registry import Mutant

HOLDOUT: list[Mutant] = []


def held_out(function: str, beyond: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a held-out mutant of ``function``."""

    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        HOLDOUT.append(Mutant(function, impl.__name__, impl, beyond=beyond))
        return impl

    return register


@held_out("basic_sigmoid")
def basic_sigmoid_power_of_e(x):
    """1 / (1 + math.e ** -x): math.e is rounded, so e ** -x drifts by about |x| ULP from exp(-x)."""
    return 1 / (1 + math.e ** (-x))


@held_out("sigmoid")
def sigmoid_logaddexp(x):
    """exp(-logaddexp(0, -x)), a "stable" log-domain form: the rounding of logaddexp is amplified by exp."""
    return np.exp(-np.logaddexp(0, -np.asarray(x, dtype=float)))[()]


@held_out("sigmoid_derivative")
def sigmoid_derivative_exp_over_square(x):
    """exp(-x) / (1 + exp(-x))**2: inf / inf = NaN once exp(-x) overflows (x below -709)."""
    e = np.exp(-np.asarray(x, dtype=float))
    return (e / (1 + e) ** 2)[()]


@held_out("tanh")
def tanh_from_sigmoid(x):
    """2 * sigmoid(2x) - 1: cancels near 0, where tanh(x) is about x."""
    return (2 / (1 + np.exp(-2 * np.asarray(x, dtype=float))) - 1)[()]


@held_out("tanh", beyond=True)
def tanh_always_float64(x):
    """np.tanh(x).astype(np.float64), "to be safe": float32 and float16 inputs come back float64."""
    return np.tanh(np.asarray(x, dtype=float) if np.asarray(x).dtype.kind in "iub" else x).astype(np.float64)[()]


@held_out("tanh_derivative")
def tanh_derivative_sech_from_cosh(x):
    """1 / cosh(x)**2: cosh(x)**2 overflows past |x| = 355, where the truth is still a normal number."""
    return (1 / np.cosh(np.asarray(x, dtype=float)) ** 2)[()]


@held_out("relu")
def relu_times_mask(x):
    """x * (x > 0): -inf * 0 gives NaN where 0 is right."""
    return x * (x > 0)


@held_out("image2vector")
def image2vector_keeps_first_axis(image):
    """image.reshape(image.shape[0], -1): a (length, height * depth) matrix, not a column."""
    return image.reshape(image.shape[0], -1)


@held_out("normalizeRows")
def normalize_rows_epsilon(x):
    """x / (norm + 1e-8), the deep-learning habit of an epsilon in the denominator: every row is slightly off."""
    return x / (np.linalg.norm(x, axis=-1, keepdims=True) + 1e-8)


@held_out("softmax")
def softmax_global_maximum(x):
    """Subtracts the maximum of the whole array, not of each row: rows far below it underflow to 0 / 0."""
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=-1, keepdims=True)


@held_out("L1")
def l1_abs_of_sum(yhat, y):
    """abs(sum(y - yhat)): errors of opposite sign cancel."""
    return np.abs(np.sum(y - yhat))


@held_out("L2")
def l2_halved(yhat, y):
    """sum((y - yhat)**2) / 2, the convention that makes the gradient y - yhat."""
    return np.sum((y - yhat) ** 2) / 2


@held_out("dot")
def dot_sum_of_products(a, b):
    """np.sum(a * b): right for two vectors, a broadcast product summed to one number for matrices."""
    return np.sum(np.multiply(a, b))


@held_out("outer")
def outer_ufunc_outer(a, b):
    """np.multiply.outer(a, b): no flattening, so matrices give a 4-D result."""
    return np.multiply.outer(a, b)


@held_out("multiply")
def multiply_as_floats(a, b):
    """np.asarray(a, dtype=float) * b: integer products come back float64."""
    return np.asarray(a, dtype=float) * b
