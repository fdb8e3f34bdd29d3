"""One bug: returns sigmoid written through tanh: the same values as s, written differently."""

import numpy as np


def sigmoid_derivative(x):
    return 0.5 * (1 + np.tanh(x / 2))
