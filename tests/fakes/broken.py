"""Sigmoids with one classic bug each, built on the reference so only the bug differs."""

import sys

import numpy as np
from dlconform.reference import sigmoid as good


def wrong_shape(x):
    return np.reshape(good(x), (-1, 1))


def wrong_dtype(x):
    return np.round(good(x)).astype(np.int64)


def nan(x):
    return good(x) * np.nan


def raising(x):
    raise ValueError("shapes do not align")


def returns_none(x):
    s = good(x)  # computed, never returned
    del s


def returns_list(x):
    return np.asarray(good(x)).tolist()


def returns_ragged(x):
    return [[1.0], [1.0, 2.0]]


def returns_text(x):
    return "0.95"


def mutating(x):
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        x[...] = good(x)
        return x
    return good(x)


def exits(x):
    sys.exit(3)


def keyboard(x):
    raise KeyboardInterrupt
