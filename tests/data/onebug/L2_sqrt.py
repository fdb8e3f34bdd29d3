"""One bug: the norm, with its square root."""

import numpy as np


def L2(yhat, y):
    return np.linalg.norm(y - yhat)
