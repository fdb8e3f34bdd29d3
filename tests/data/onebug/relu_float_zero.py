"""One bug: a float zero makes integer inputs float."""

import numpy as np


def relu(x):
    return np.maximum(x, 0.0)
