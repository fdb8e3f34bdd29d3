"""Hostile: sigmoid asks for 3 GiB, more than the worker may have (the machine could give it).
Judged: sigmoid errors (MemoryError), relu passes."""

import numpy as np


def sigmoid(x):
    hoard = np.ones(3 << 27)
    return hoard[: np.size(x)]


def relu(x):
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)
