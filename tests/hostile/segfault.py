"""Hostile: sigmoid reads address 0 through ctypes, a segmentation fault.
Judged: sigmoid errors (SIGSEGV), relu passes."""

import ctypes

import numpy as np


def sigmoid(x):
    return ctypes.string_at(0)


def relu(x):
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)
