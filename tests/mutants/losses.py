"""Mutants of L1 and L2."""

from __future__ import annotations

import numpy as np

from tests.mutants._registry import mutant


def _diff(yhat, y):
    """y - yhat as float arrays (the mutants' shared, correct first step)."""
    return np.asarray(y, dtype=float) - np.asarray(yhat, dtype=float)


@mutant("L1")
def L1_mean(yhat, y):
    """The mean absolute error instead of the sum."""
    return np.mean(np.abs(_diff(yhat, y)))


@mutant("L1")
def L1_no_abs(yhat, y):
    """sum(y - yhat): errors of opposite sign cancel."""
    return np.sum(_diff(yhat, y))


@mutant("L1")
def L1_squared(yhat, y):
    """Squares the errors (that is L2)."""
    return np.sum(_diff(yhat, y) ** 2)


@mutant("L1", beyond=True)
def L1_broadcasts(yhat, y):
    """The tutorial's sum(abs(y - yhat)): (5,) against (5, 1) broadcasts silently."""
    return np.sum(abs(y - yhat))


@mutant("L1")
def L1_float32_sum(yhat, y):
    """Accumulates in float32."""
    return np.sum(np.abs(_diff(yhat, y)), dtype=np.float32)


@mutant("L1", beyond=True)
def L1_per_row(yhat, y):
    """Sums along the last axis only: a vector of row losses for matrices."""
    return np.sum(np.abs(_diff(yhat, y)), axis=-1)


@mutant("L1")
def L1_int_result(yhat, y):
    """int(...): truncates the loss to an integer."""
    return int(np.sum(np.abs(_diff(yhat, y))))


@mutant("L2")
def L2_sqrt(yhat, y):
    """The Euclidean distance: a square root on the sum of squares."""
    return np.sqrt(np.sum(_diff(yhat, y) ** 2))


@mutant("L2")
def L2_mean(yhat, y):
    """The mean squared error instead of the sum."""
    return np.mean(_diff(yhat, y) ** 2)


@mutant("L2")
def L2_abs(yhat, y):
    """Absolute errors instead of squares (that is L1)."""
    return np.sum(np.abs(_diff(yhat, y)))


@mutant("L2", beyond=True)
def L2_dot(yhat, y):
    """np.dot(d, d): a matrix product, not a sum of squares, for 2-D inputs."""
    d = _diff(yhat, y)
    return np.dot(d, d)


@mutant("L2", beyond=True)
def L2_broadcasts(yhat, y):
    """The tutorial's formula: (5,) against (5, 1) broadcasts silently."""
    return np.sum(np.multiply((y - yhat), (y - yhat)))


@mutant("L2")
def L2_half(yhat, y):
    """0.5 * sum of squares: the gradient-friendly convention, not the suite's L2."""
    return 0.5 * np.sum(_diff(yhat, y) ** 2)
