"""Hostile: sigmoid sleeps for an hour. Judged: sigmoid errors after one timeout, relu passes."""

import time

import numpy as np


def sigmoid(x):
    time.sleep(3600)


def relu(x):
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)
