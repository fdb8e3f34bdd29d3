"""One bug: L2 for L1, written as a dot product."""

import numpy as np


def L1(yhat, y):
    return np.dot(y - yhat, y - yhat)
