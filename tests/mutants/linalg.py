"""Mutants of dot, outer and multiply."""

from __future__ import annotations

import numpy as np

from tests.mutants._registry import mutant


@mutant("dot")
def dot_elementwise_sum(a, b):
    """sum(a * b): a scalar for matrices, and broadcasting where np.dot refuses."""
    return np.sum(np.multiply(a, b))


@mutant("dot")
def dot_elementwise(a, b):
    """np.multiply: the elementwise product."""
    return np.multiply(a, b)


@mutant("dot")
def dot_transposes_second(a, b):
    """a . b.T."""
    return np.dot(a, np.transpose(b))


@mutant("dot")
def dot_swapped(a, b):
    """b . a."""
    return np.dot(b, a)


@mutant("dot")
def dot_float32(a, b):
    """Computes in float32: integers become floats, float64 loses digits."""
    return np.dot(np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32))


@mutant("dot")
def dot_zip_sum(a, b):
    """sum(x * y for x, y in zip(a, b)) for vectors: drops extra elements, and gives int 0 for empty ones."""
    if np.ndim(a) == 1 and np.ndim(b) == 1:
        return sum(x * y for x, y in zip(a, b))
    return np.dot(a, b)


@mutant("dot")
def dot_first_dtype(a, b):
    """Casts the result to the first argument's dtype: int . float truncates."""
    return np.dot(a, b).astype(np.asarray(a).dtype)


@mutant("outer")
def outer_no_flatten(a, b):
    """np.multiply.outer: keeps the inputs' axes instead of flattening them."""
    return np.multiply.outer(a, b)


@mutant("outer")
def outer_swapped(a, b):
    """outer(b, a)."""
    return np.outer(b, a)


@mutant("outer")
def outer_fortran_flatten(a, b):
    """Flattens in Fortran (column-major) order."""
    return np.outer(np.ravel(a, order="F"), np.ravel(b, order="F"))


@mutant("outer")
def outer_broadcast_unflattened(a, b):
    """a[:, None] * b[None, :] without ravel: only right for vectors."""
    return np.asarray(a)[:, None] * np.asarray(b)[None, :]


@mutant("outer")
def outer_first_dtype(a, b):
    """Casts the result to the first argument's dtype: int x float truncates."""
    return np.outer(a, b).astype(np.asarray(a).dtype)


@mutant("outer")
def outer_via_dot(a, b):
    """np.dot(a, b): the matrix product."""
    return np.dot(a, b)


@mutant("multiply")
def multiply_matrix_product(a, b):
    """np.dot: the dot product, not the elementwise product."""
    return np.dot(a, b)


@mutant("multiply")
def multiply_no_broadcasting(a, b):
    """Refuses inputs of different shapes, where NumPy broadcasts."""
    if np.shape(a) != np.shape(b):
        raise ValueError("shapes differ")
    return np.multiply(a, b)


@mutant("multiply")
def multiply_transposes_second(a, b):
    """a * b.T."""
    return np.multiply(a, np.transpose(b))


@mutant("multiply")
def multiply_float_result(a, b):
    """Always returns floats: integer products change kind."""
    return np.multiply(a, b, dtype=float)


@mutant("multiply")
def multiply_in_place(a, b):
    """a *= b: overwrites the caller's first array."""
    a = np.asarray(a)
    a *= b
    return a


@mutant("multiply")
def multiply_first_dtype(a, b):
    """Casts the result to the first argument's dtype: int * float truncates."""
    return np.multiply(a, b).astype(np.asarray(a).dtype)


@mutant("multiply", beyond=True)
def multiply_zip(a, b):
    """[x * y for x, y in zip(a, b)]: drops extra elements instead of refusing."""
    if np.ndim(a) == 1 and np.ndim(b) == 1:
        return np.array([x * y for x, y in zip(a, b)])
    return np.multiply(a, b)
