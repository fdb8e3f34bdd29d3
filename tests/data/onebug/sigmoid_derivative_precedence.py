"""One bug: operator precedence: s * 1 - s."""

import numpy as np


def sigmoid_derivative(x):
    s = 1 / (1 + np.exp(-x))
    return s * 1 - s
