"""Hostile: calls sys.exit(0) while being imported, hoping for a clean-looking exit.
Judged: nothing can be imported; every case is an import error, score 0."""

import sys

import numpy as np


def relu(x):
    return np.maximum(x, 0)


sys.exit(0)
