"""Mutants of basic_sigmoid, sigmoid, tanh, relu and softmax."""

from __future__ import annotations

import math

import numpy as np

from tests.mutants._registry import mutant


@mutant("basic_sigmoid", beyond=True)
def basic_sigmoid_textbook_overflow(x):
    """The course's 1 / (1 + math.exp(-x)): OverflowError once -x passes 709."""
    return 1 / (1 + math.exp(-x))


@mutant("basic_sigmoid")
def basic_sigmoid_wrong_sign(x):
    """exp(x) where exp(-x) belongs: gives sigmoid(-x)."""
    return 1 / (1 + math.exp(x)) if x <= 0 else math.exp(-x) / (1 + math.exp(-x))


@mutant("basic_sigmoid")
def basic_sigmoid_rounded(x):
    """Rounds the result to 8 decimals, as a printout would."""
    x = float(x)
    s = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
    return round(s, 8)


@mutant("sigmoid")
def sigmoid_exp_ratio_overflows(x):
    """exp(x) / (1 + exp(x)): inf / inf = NaN once exp(x) overflows."""
    e = np.exp(x)
    return e / (1 + e)


@mutant("sigmoid")
def sigmoid_integer_output_buffer(x):
    """Writes the result into a buffer of the input's dtype: integers truncate to 0 and 1."""
    x = np.asarray(x)
    out = np.zeros_like(x)
    out[...] = 1 / (1 + np.exp(-x))
    return out


@mutant("sigmoid")
def sigmoid_one_minus_for_negatives(x):
    """1 - sigmoid(|x|) for x < 0: cancels to 0 in the negative tail."""
    x = np.asarray(x, dtype=float)
    s = 1 / (1 + np.exp(-np.abs(x)))
    return np.where(x >= 0, s, 1 - s)


@mutant("sigmoid")
def sigmoid_float32_internally(x):
    """Computes in float32 whatever the input: float64 results lose half their digits."""
    x = np.asarray(x, dtype=np.float32)
    return 1 / (1 + np.exp(-x))


@mutant("sigmoid")
def sigmoid_in_place(x):
    """Reuses the caller's array as the output buffer, overwriting the input."""
    x = np.asarray(x, dtype=float)
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += 1
    np.reciprocal(x, out=x)
    return x


@mutant("sigmoid")
def sigmoid_via_tanh(x):
    """0.5 * (1 + tanh(x / 2)): cancels to 0 in the negative tail."""
    return 0.5 * (1 + np.tanh(np.asarray(x, dtype=float) / 2))


@mutant("tanh", beyond=True)
def tanh_exp_formula(x):
    """The tutorial's (exp(x) - exp(-x)) / (exp(x) + exp(-x)): inf / inf = NaN past |x| = 710."""
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


@mutant("tanh", beyond=True)
def tanh_one_minus_exp_ratio(x):
    """(1 - exp(-2x)) / (1 + exp(-2x)): cancels near 0 and gives NaN for large negative x."""
    e = np.exp(-2 * np.asarray(x, dtype=float))
    return (1 - e) / (1 + e)


@mutant("tanh", beyond=True)
def tanh_via_sigmoid(x):
    """2 * sigmoid(2x) - 1: cancels near 0, where tanh(x) is about x."""
    return 2 / (1 + np.exp(-2 * np.asarray(x, dtype=float))) - 1


@mutant("tanh", beyond=True)
def tanh_loses_negative_zero(x):
    """np.tanh(x) + 0.0: turns tanh(-0.0) = -0.0 into +0.0."""
    return np.tanh(np.asarray(x, dtype=float)) + 0.0


@mutant("tanh")
def tanh_float32_internally(x):
    """Computes in float32 whatever the input."""
    return np.tanh(np.asarray(x, dtype=np.float32))


@mutant("relu")
def relu_via_abs(x):
    """(x + |x|) / 2: overflows for huge x and turns integers into floats."""
    return (x + np.abs(x)) / 2


@mutant("relu")
def relu_mask_multiply(x):
    """x * (x > 0): -inf * 0 is NaN."""
    return x * (np.asarray(x) > 0)


@mutant("relu")
def relu_fmax_drops_nan(x):
    """np.fmax(x, 0): NaN becomes 0."""
    return np.fmax(x, 0)


@mutant("relu")
def relu_float_zero_upcasts(x):
    """np.maximum(x, 0.0): integer inputs come back as floats."""
    return np.maximum(np.asarray(x), np.float64(0.0))


@mutant("relu")
def relu_in_place(x):
    """Zeroes the negative entries of the caller's array."""
    x = np.asarray(x)
    x[x < 0] = 0
    return x


@mutant("relu")
def relu_abs(x):
    """|x|: negative inputs come back positive."""
    return np.abs(x)


@mutant("softmax")
def softmax_wrong_axis(x):
    """Normalises columns (axis 0) instead of rows."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


@mutant("softmax")
def softmax_missing_keepdims(x):
    """Row sums without keepdims: (n,) broadcasts against the columns."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1)


@mutant("softmax", beyond=True)
def softmax_no_max_subtraction(x):
    """exp(x) / sum(exp(x)) along the last axis: overflows to NaN at 1000."""
    e = np.exp(np.asarray(x, dtype=float))
    return e / np.sum(e, axis=-1, keepdims=True)


@mutant("softmax")
def softmax_global_sum(x):
    """Divides by the sum over the whole array, not each row."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


@mutant("softmax", beyond=True)
def softmax_axis_one(x):
    """The tutorial's hard-coded axis=1: 1-D input raises, 3-D input normalises the wrong axis."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


@mutant("softmax")
def softmax_global_max(x):
    """Subtracts the maximum of the whole array: low rows underflow to 0 / 0."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=-1, keepdims=True)


@mutant("softmax")
def softmax_keeps_input_dtype(x):
    """Casts the probabilities back to the input's dtype: integer input truncates to 0."""
    arr = np.asarray(x)
    w = arr.astype(float)
    e = np.exp(w - np.max(w, axis=-1, keepdims=True))
    return (e / np.sum(e, axis=-1, keepdims=True)).astype(arr.dtype)
