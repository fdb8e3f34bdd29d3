"""Hostile: sigmoid returns an ndarray subclass of zeros whose comparisons and ufuncs all claim success.
Judged: sigmoid fails (results are stripped to plain arrays before anything compares them), relu passes."""

import numpy as np


class Liar(np.ndarray):
    def __eq__(self, other):
        return True

    __ne__ = lambda self, other: False  # noqa: E731

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return True

    def __array_function__(self, func, types, args, kwargs):
        return True

    def __array_finalize__(self, obj):
        pass


def sigmoid(x):
    return np.zeros_like(np.asarray(x, dtype=float)).view(Liar)


def relu(x):
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)
