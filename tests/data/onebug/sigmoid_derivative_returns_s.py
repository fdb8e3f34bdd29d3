"""One bug: returns s, not s * (1 - s) (issue 19 names it)."""

import numpy as np


def sigmoid_derivative(x):
    s = 1 / (1 + np.exp(-x))
    ds = s
    return ds
