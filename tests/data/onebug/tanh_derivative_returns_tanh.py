"""One bug: returns tanh."""

import numpy as np


def tanh_derivative(x):
    t = np.tanh(x)
    return t
