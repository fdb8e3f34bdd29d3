"""Hostile: sigmoid waits for input on stdin. Judged: sigmoid errors at once (EOFError), no hang; relu passes."""

import numpy as np


def sigmoid(x):
    answer = input("expected value? ")
    return np.full(np.shape(x), float(answer))


def relu(x):
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)
