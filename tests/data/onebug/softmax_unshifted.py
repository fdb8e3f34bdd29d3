"""One bug: the textbook formula: exp overflows for large entries (beyond the contract)."""

import numpy as np


def softmax(x):
    x_exp = np.exp(x)
    return x_exp / np.sum(x_exp, axis=-1, keepdims=True)
