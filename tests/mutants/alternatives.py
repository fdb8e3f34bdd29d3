"""Correct implementations written another way: every case must accept them (no verdict rejects correct code)."""

from __future__ import annotations

import numpy as np

from tests.mutants._registry import alternative


@alternative("basic_sigmoid")
def basic_sigmoid_np_exp(x):
    """np.exp instead of math.exp: right for every real number, and elementwise on an array."""
    return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))
