"""The submission's own runner.py: a sigmoid that is deliberately wrong, so a test can tell whose code ran."""

import numpy as np


def sigmoid(x):
    return np.zeros_like(np.asarray(x, dtype=float))
