"""The tutorial's own functions, as one importable module (Python 3 syntax).

The formulas are kept exactly as the tutorial (and, for ``basic_sigmoid``, the
course) writes them, textbook overflow and cancellation included; only the
``print`` calls inside ``normalizeRows`` and ``softmax`` and the ``__main__``
demos are left out. The tutorial calls ``np.dot``, ``np.outer`` and
``np.multiply`` directly; here they are wrapped under the suite's names.

Measured against the bundled vectors (``tests/test_mutants.py`` checks it): it
passes every case inside each function's documented contract (every article case
among them) and 476 of the 573 cases a default run selects; it fails these 97, all
beyond the contract (``level: beyond``), each for a reason the suite exists to catch.
A layout variant (``@fortran``, ``@strided``, ``@reversed``, ``@0d``) of a case below
fails as that case does: 22 of the 97. float32 and float16 results are judged
relatively (atol 0), so a cancellation that leaves a small result a few ULPs off in
absolute terms but far off relatively fails too.

- basic_sigmoid (3): stability-large-negative, stability-subnormal-result,
  stability-smallest-subnormal: ``math.exp(-x)`` raises OverflowError at -1000, -740
  and -745.
- sigmoid (4): dtype-bool: ``-x`` raises TypeError on a bool array; dtype-int8,
  dtype-uint8, dtype-int16: ``np.exp`` computes small integers in float16 (int16 in
  float32), where the contract asks float64 for every integer input; otherwise
  ``1 / (1 + exp(-x))`` is accurate, and only warns on overflow.
- sigmoid_derivative, tanh, tanh_derivative, softmax: the same float16 (float32 for
  int16) results in their dtype-int8, dtype-uint8 and dtype-int16 cases (softmax:
  dtype-int8), counted below.
- sigmoid_derivative (8): stability-tail-positive, stability-float32-tail,
  stability-float16-tail: ``s * (1 - s)`` cancels to 0 in the positive tails;
  dtype-float32: at x = 9 it cancels in float32 to about 900 ULP off the exact
  1.2e-4; dtype-bool: ``-x`` raises TypeError on bool.
- tanh (15): edge-infinities, edge-huge, stability-large, stability-float32,
  stability-float16, dtype-float16, dtype-float32-specials, dtype-float16-specials:
  the exp formula gives inf/inf = NaN once exp overflows (|x| > 710 in float64, 89
  in float32, 11 in float16); edge-signed-zero: tanh(-0.0) comes out +0.0;
  stability-small, edge-subnormal: exp(x) - exp(-x) cancels near zero; dtype-bool:
  ``-x`` raises TypeError on bool.
- tanh_derivative (14): edge-infinities, stability-large, dtype-float32-specials,
  dtype-float16-specials: NaN where the tutorial's tanh is NaN; stability-tail,
  stability-subnormal-range, stability-float32-tail, stability-float16-tail:
  ``1 - tanh**2`` cancels to 0 in the tails (also where the truth is still normal,
  just above the subnormal range); dtype-float32, dtype-float16: the same
  cancellation leaves the small results at x = 5 (float32) and x = -3 (float16)
  relatively far off; dtype-bool: ``-x`` raises TypeError on bool.
- relu (1): dtype-bool: ``np.maximum(0, x)`` turns bool into int64.
- image2vector (19): core-2d, core-square, core-1d, core-4d, core-numpy-scalar,
  dtype-int32, dtype-float16 and 12 layout variants of them: ``shape[0] * shape[1] *
  shape[2]`` takes 3-D images only.
- normalizeRows (14): core-1d, core-3d and 5 layout variants: the hard-coded axis=1
  raises on 1-D and uses the wrong axis in 3-D; stability-huge-rows,
  stability-subnormal-rows, stability-float32-huge, stability-float16-large,
  stability-magnitude-spread-rows, dtype-float32-specials, dtype-float16-specials:
  the squares overflow or underflow.
- softmax (15): core-1d, edge-single-element, stability-large-number,
  stability-large-negative: axis=1 raises on 1-D input (on an empty row, the
  AxisError it raises is a ValueError, which edge-empty-vector accepts);
  core-3d: axis=1 is the wrong axis in 3-D (5 layout variants of these two);
  stability-row-maximum, stability-wide-spread, stability-float32-large,
  stability-float16-large: without the row maximum, exp overflows to inf/inf or
  underflows to 0/0 = NaN.
- L1, L2 (2 each): raises-shape-mismatch: NumPy broadcasts (5,) against (5, 1)
  into a (5, 5) difference instead of refusing it or pairing the five elements;
  edge-uint8-unsigned: ``y - yhat`` wraps below 0 in uint8.
- dot, outer, multiply (0): they are NumPy's own.
"""

from __future__ import annotations

import math

import numpy as np


def basic_sigmoid(x):
    """The course's scalar sigmoid with math.exp."""
    s = 1 / (1 + math.exp(-x))
    return s


def sigmoid(x):
    """The tutorial's sigmoid: 1 / (1 + exp(-x))."""
    s = 1 / (1 + np.exp(-x))
    return s


def sigmoid_derivative(x):
    """The tutorial's derivative: s * (1 - s)."""
    s = 1 / (1 + np.exp(-x))
    ds = s * (1 - s)
    return ds


def tanh(x):
    """The tutorial's tanh from exponentials."""
    s1 = np.exp(x) - np.exp(-x)
    s2 = np.exp(x) + np.exp(-x)
    s = s1 / s2
    return s


def tanh_derivative(x):
    """The tutorial's derivative: 1 - tanh(x) * tanh(x)."""
    s1 = np.exp(x) - np.exp(-x)
    s2 = np.exp(x) + np.exp(-x)
    tanh = s1 / s2
    s = 1 - tanh * tanh
    return s


def relu(x):
    """The tutorial's ReLU: np.where(x < 0, 0, x)."""
    s = np.where(x < 0, 0, x)
    return s


def image2vector(image):
    """The tutorial's reshape of a 3-D image into a column."""
    v = image.reshape((image.shape[0] * image.shape[1] * image.shape[2], 1))
    return v


def normalizeRows(x):
    """The tutorial's row normalisation with np.linalg.norm (its debug print left out)."""
    x_norm = np.linalg.norm(x, axis=1, keepdims=True)
    x = x / x_norm
    return x


def softmax(x):
    """The tutorial's softmax along axis 1 (its debug print left out)."""
    x_exp = np.exp(x)
    x_sum = np.sum(x_exp, axis=1, keepdims=True)
    s = x_exp / x_sum
    return s


def L1(yhat, y):
    """The tutorial's L1 loss."""
    loss = np.sum(abs(y - yhat))
    return loss


def L2(yhat, y):
    """The tutorial's L2 loss."""
    loss = np.sum(np.multiply((y - yhat), (y - yhat)))
    return loss


def dot(a, b):
    """np.dot, as the tutorial calls it."""
    return np.dot(a, b)


def outer(a, b):
    """np.outer, as the tutorial calls it."""
    return np.outer(a, b)


def multiply(a, b):
    """np.multiply, as the tutorial calls it."""
    return np.multiply(a, b)
