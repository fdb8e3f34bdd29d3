"""One bug: exp(x) where exp(-x) belongs."""

import math


def basic_sigmoid(x):
    return 1 / (1 + math.exp(x))
