"""One bug: divides by the L1 norm (issue 19 names it)."""

import numpy as np


def normalizeRows(x):
    return x / np.sum(np.abs(x), axis=1, keepdims=True)
