"""One bug: numerator the wrong way round."""

import numpy as np


def tanh(x):
    return (np.exp(-x) - np.exp(x)) / (np.exp(x) + np.exp(-x))
