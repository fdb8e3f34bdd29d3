"""One bug: mean for sum."""

import numpy as np


def L1(yhat, y):
    return np.mean(np.abs(y - yhat))
