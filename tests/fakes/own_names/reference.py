"""The submission's own reference.py: a relu that is right, and proof that it was this file that got imported."""

import numpy as np

MINE = True


def relu(x):
    return np.maximum(x, 0)
