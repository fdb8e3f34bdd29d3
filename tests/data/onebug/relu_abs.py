"""One bug: relu as abs."""

import numpy as np


def relu(x):
    return np.abs(x)
