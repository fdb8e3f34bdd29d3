"""One bug: a global sum."""

import numpy as np


def softmax(x):
    x_exp = np.exp(x)
    return x_exp / np.sum(x_exp)
