"""One bug: the row norms without keepdims."""

import numpy as np


def normalizeRows(x):
    x_norm = np.linalg.norm(x, ord=2, axis=1)
    return x / x_norm
