"""One bug: softmax of x without exp (issue 19 names it)."""

import numpy as np


def softmax(x):
    return x / np.sum(x, axis=1, keepdims=True)
