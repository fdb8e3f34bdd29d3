"""Mutants of sigmoid_derivative and tanh_derivative."""

from __future__ import annotations

import numpy as np

from tests.mutants._registry import mutant


@mutant("sigmoid_derivative")
def sigmoid_derivative_of_x(x):
    """x * (1 - x): the formula applied to x instead of to sigmoid(x)."""
    x = np.asarray(x, dtype=float)
    return x * (1 - x)


@mutant("sigmoid_derivative", beyond=True)
def sigmoid_derivative_textbook(x):
    """s * (1 - s): 1 - s cancels to 0 in the positive tail."""
    s = 1 / (1 + np.exp(-np.asarray(x, dtype=float)))
    return s * (1 - s)


@mutant("sigmoid_derivative")
def sigmoid_derivative_exp_overflows(x):
    """exp(-x) / (1 + exp(-x))**2: inf / inf = NaN in the negative tail."""
    e = np.exp(-np.asarray(x, dtype=float))
    return e / (1 + e) ** 2


@mutant("sigmoid_derivative")
def sigmoid_derivative_returns_sigmoid(x):
    """Returns sigmoid(x) itself: the derivative step forgotten."""
    return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))


@mutant("tanh_derivative", beyond=True)
def tanh_derivative_textbook(x):
    """1 - tanh(x)**2: cancels to 0 in the tails."""
    t = np.tanh(np.asarray(x, dtype=float))
    return 1 - t * t


@mutant("tanh_derivative", beyond=True)
def tanh_derivative_exp_formula(x):
    """The tutorial's tanh from exponentials, then 1 - tanh**2: NaN past |x| = 710."""
    x = np.asarray(x, dtype=float)
    t = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    return 1 - t * t


@mutant("tanh_derivative")
def tanh_derivative_of_x(x):
    """1 - x**2: the formula applied to x instead of to tanh(x)."""
    x = np.asarray(x, dtype=float)
    return 1 - x * x


@mutant("tanh_derivative")
def tanh_derivative_missing_square(x):
    """1 / cosh(x): sech without the square."""
    return 1 / np.cosh(np.asarray(x, dtype=float))
