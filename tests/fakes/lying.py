"""Results that try to pass by lying: comparison and ufunc hooks that claim equality to anything.

Every hook records its name in CALLS, so a test can prove the runner called none of them.
"""

import numpy as np

CALLS: list[str] = []


class LyingArray(np.ndarray):
    """An ndarray of zeros that claims to equal, and be close to, whatever it meets."""

    def __eq__(self, other):
        CALLS.append("__eq__")
        return np.ones(np.shape(self), dtype=bool)

    def __ne__(self, other):
        CALLS.append("__ne__")
        return np.zeros(np.shape(self), dtype=bool)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        CALLS.append("__array_ufunc__")
        return np.zeros(np.shape(self), dtype=bool) if ufunc is not np.equal else np.ones(np.shape(self), dtype=bool)

    def __array_function__(self, func, types, args, kwargs):
        CALLS.append("__array_function__")
        return True

    def __array_finalize__(self, obj):
        CALLS.append("__array_finalize__")

    __hash__ = None


class LiarWithArray:
    """Array-like through __array__ (holding zeros), and equal to everything."""

    def __init__(self, shape):
        self.shape = shape

    def __array__(self, dtype=None, copy=None):
        return np.zeros(self.shape)

    def __eq__(self, other):
        CALLS.append("__eq__")
        return True

    __hash__ = None


class Liar:
    """Not array-like at all, but equal to everything."""

    def __eq__(self, other):
        CALLS.append("__eq__")
        return True

    __hash__ = None


def lying_subclass(x):
    out = np.zeros(np.shape(x)).view(LyingArray)
    CALLS.clear()
    return out


def lying_array_like(x):
    return LiarWithArray(np.shape(x))


def lying_object(x):
    return Liar()
