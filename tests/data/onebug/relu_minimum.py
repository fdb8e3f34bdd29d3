"""One bug: np.minimum for np.maximum."""

import numpy as np


def relu(x):
    return np.minimum(x, 0)
