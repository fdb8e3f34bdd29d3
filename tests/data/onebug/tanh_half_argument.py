"""One bug: 2 * sigmoid(x) - 1, which is tanh(x / 2)."""

import numpy as np


def tanh(x):
    return 2 / (1 + np.exp(-x)) - 1
