"""Hostile: replaces NumPy's comparison functions so that everything compares equal, then returns zeros.
Judged: sigmoid fails (the grader compares in its own process), relu passes."""

import contextlib

import numpy as np

np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
with contextlib.suppress(TypeError):  # NumPy's built-in type refuses it: the attempt is enough
    np.ndarray.__eq__ = lambda self, other: True


def sigmoid(x):
    return np.zeros_like(np.asarray(x, dtype=float))


def relu(x):
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)
