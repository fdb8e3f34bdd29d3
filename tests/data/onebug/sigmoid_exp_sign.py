"""One bug: exp(x) where exp(-x) belongs (issue 19 names it)."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(x))
