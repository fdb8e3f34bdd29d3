"""Hostile: sigmoid never returns (a busy loop). Judged: sigmoid errors after one timeout, relu passes."""

import numpy as np


def sigmoid(x):
    while True:
        pass


def relu(x):
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)
