"""Linear algebra: dot, outer and multiply, with NumPy's semantics."""

from __future__ import annotations

import numpy as np

# What dlconform.reference exports from here.
__all__ = ["dot", "multiply", "outer"]


def dot(a: object, b: object) -> object:
    """Matrix / inner product, as np.dot (1-D . 1-D is a scalar; shape mismatch raises ValueError)."""
    return np.dot(a, b)


def outer(a: object, b: object) -> np.ndarray:
    """Outer product of the flattened inputs: (a.size, b.size), as np.outer."""
    return np.outer(a, b)


def multiply(a: object, b: object) -> object:
    """Elementwise product with broadcasting, as np.multiply."""
    return np.multiply(a, b)
