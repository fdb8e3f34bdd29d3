"""One bug: mean for sum."""

import numpy as np


def L2(yhat, y):
    return np.mean((y - yhat) ** 2)
