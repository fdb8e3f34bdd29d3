"""One bug: the sum of squares without sqrt."""

import numpy as np


def normalizeRows(x):
    return x / np.sum(x**2, axis=1, keepdims=True)
