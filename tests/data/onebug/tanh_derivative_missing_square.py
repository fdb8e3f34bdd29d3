"""One bug: 1 - tanh(x)."""

import numpy as np


def tanh_derivative(x):
    return 1 - np.tanh(x)
