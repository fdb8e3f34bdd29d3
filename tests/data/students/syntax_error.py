"""A student's file that does not parse: a def without its colon."""

import numpy as np


def sigmoid(x)
    return 1 / (1 + np.exp(-x))
