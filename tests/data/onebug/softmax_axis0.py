"""One bug: normalised over axis 0 (issue 19 names it)."""

import numpy as np


def softmax(x):
    x_exp = np.exp(x)
    return x_exp / x_exp.sum(axis=0, keepdims=True)
