"""The tutorial's own functions, as one importable module (Python 3 syntax).

The formulas are kept exactly as the tutorial (and, for ``basic_sigmoid``, the
course) writes them, textbook overflow and cancellation included; only the
``print`` calls inside ``normalizeRows`` and ``softmax`` and the ``__main__``
demos are left out. The tutorial calls ``np.dot``, ``np.outer`` and
``np.multiply`` directly; here they are wrapped under the suite's names.

Measured against the bundled vectors (``tests/test_mutants.py`` checks the
``article`` cases): it passes every article case, and fails these others.

- basic_sigmoid: ``math.exp(1000)`` raises OverflowError at -1000 and -740.
- sigmoid: none (``1 / (1 + exp(-x))`` is accurate; it only warns on overflow).
- sigmoid_derivative: ``s * (1 - s)`` cancels in the positive tails (x >= 20 in
  float64, 10 in float32, 8 in float16).
- tanh: the exp formula gives inf/inf = NaN past |x| = 710 (huge, +-800, +-inf),
  overflows in float16 past 11, loses the sign of -0.0 and cancels near zero.
- tanh_derivative: NaN where tanh is NaN; ``1 - tanh**2`` cancels in the tails.
- relu: none.
- image2vector: ``shape[0] * shape[1] * shape[2]`` takes 3-D images only.
- normalizeRows: axis=1 fails 1-D input and uses the wrong axis in 3-D; the
  squares overflow and underflow (rows near 1e300, subnormal rows, float32
  near 1e30, float16 [300, 400]).
- softmax: axis=1 fails 1-D input and uses the wrong axis in 3-D; without the
  row maximum, exp overflows (1000, float32 100, float16 12) or underflows
  (-1000) to NaN, and a +inf entry gives NaN where the stable form does too.
- L1, L2: NumPy broadcasts (5,) against (5, 1) instead of refusing it.
- dot, outer, multiply: none (they are NumPy's).
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
