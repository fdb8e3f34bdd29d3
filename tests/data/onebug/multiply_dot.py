"""One bug: dot for multiply."""

import numpy as np


def multiply(a, b):
    return np.dot(a, b)
