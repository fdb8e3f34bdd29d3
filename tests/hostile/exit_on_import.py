"""Hostile: calls sys.exit(0) while being imported, hoping for a clean-looking exit.
Judged: the exit is one skipped top-level statement (a warning); relu, defined before it, is judged and passes;
sigmoid does not exist."""

import sys

import numpy as np


def relu(x):
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)


sys.exit(0)
