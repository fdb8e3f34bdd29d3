"""One bug: the 1 + is missing from the denominator."""

import math


def basic_sigmoid(x):
    s = 1 / math.exp(-x)
    return s
