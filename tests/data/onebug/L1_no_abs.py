"""One bug: missing abs (issue 19 names it)."""

import numpy as np


def L1(yhat, y):
    return np.sum(y - yhat)
