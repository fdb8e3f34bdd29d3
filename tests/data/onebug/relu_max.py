"""One bug: np.max for np.maximum."""

import numpy as np


def relu(x):
    return np.max(x, 0)
