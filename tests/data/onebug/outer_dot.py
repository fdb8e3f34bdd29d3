"""One bug: dot for outer."""

import numpy as np


def outer(a, b):
    return np.dot(a, b)
