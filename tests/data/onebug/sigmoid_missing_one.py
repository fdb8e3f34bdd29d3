"""One bug: the 1 + is missing."""

import numpy as np


def sigmoid(x):
    return 1 / np.exp(-x)
