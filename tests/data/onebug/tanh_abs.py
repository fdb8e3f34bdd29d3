"""One bug: not a catalogued mistake: wrong for negative inputs only, which the hint observes."""

import numpy as np


def tanh(x):
    return np.tanh(np.abs(x))
