"""One bug: a global norm (issue 19 names it)."""

import numpy as np


def normalizeRows(x):
    x_norm = np.linalg.norm(x)
    return x / x_norm
