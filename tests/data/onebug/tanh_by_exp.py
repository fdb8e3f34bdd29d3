"""One bug: the exp formula: NaN for |x| above 709 (beyond the contract)."""

import numpy as np


def tanh(x):
    e, f = np.exp(x), np.exp(-x)
    return (e - f) / (e + f)
