"""One bug: the textbook formula: math.exp(-x) overflows for x below -709 (beyond the contract)."""

import math


def basic_sigmoid(x):
    return 1 / (1 + math.exp(-x))
