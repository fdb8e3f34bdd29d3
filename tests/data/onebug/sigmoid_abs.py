"""One bug: not a catalogued mistake (exp of -|x| for stability, the negative branch forgotten): wrong for negative
inputs only, which the hint observes."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-np.abs(x)))
