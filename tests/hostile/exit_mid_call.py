"""Hostile: sigmoid ends its process with os._exit(0), which no except clause can stop.
Judged: sigmoid errors (the worker exited), relu passes."""

import os

import numpy as np


def sigmoid(x):
    os._exit(0)


def relu(x):
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)
