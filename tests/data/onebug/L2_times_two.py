"""One bug: * 2 for ** 2."""

import numpy as np


def L2(yhat, y):
    return np.sum((y - yhat) * 2)
