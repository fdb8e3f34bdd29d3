"""One bug: the elementwise product for dot."""

import numpy as np


def dot(a, b):
    return np.multiply(a, b)
