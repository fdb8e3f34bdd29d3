"""Mutants of image2vector and normalizeRows."""

from __future__ import annotations

import numpy as np

from tests.mutants._registry import mutant


@mutant("image2vector")
def image2vector_fortran_order(image):
    """reshape(..., order='F'): column-major order."""
    image = np.asarray(image)
    return image.reshape((image.size, 1), order="F")


@mutant("image2vector")
def image2vector_flat(image):
    """A (n,) vector where a (n, 1) column belongs."""
    return np.asarray(image).reshape(-1)


@mutant("image2vector")
def image2vector_row(image):
    """A (1, n) row where a (n, 1) column belongs."""
    return np.asarray(image).reshape(1, -1)


@mutant("image2vector", beyond=True)
def image2vector_assumes_3d(image):
    """The tutorial's shape[0] * shape[1] * shape[2]: only 3-D images work."""
    return image.reshape((image.shape[0] * image.shape[1] * image.shape[2], 1))


@mutant("image2vector")
def image2vector_channels_first(image):
    """Moves the channel axis to the front before flattening."""
    return np.moveaxis(np.asarray(image), -1, 0).reshape(-1, 1)


@mutant("image2vector")
def image2vector_casts_to_float(image):
    """astype(float): integer pixels come back as floats."""
    image = np.asarray(image, dtype=float)
    return image.reshape(image.size, 1)


@mutant("normalizeRows")
def normalizeRows_wrong_axis(x):
    """Divides by the column norms (axis 0)."""
    x = np.asarray(x, dtype=float)
    return x / np.linalg.norm(x, axis=0, keepdims=True)


@mutant("normalizeRows")
def normalizeRows_missing_keepdims(x):
    """Row norms without keepdims: (n,) broadcasts against the columns."""
    x = np.asarray(x, dtype=float)
    return x / np.linalg.norm(x, axis=-1)


@mutant("normalizeRows", beyond=True)
def normalizeRows_axis_one(x):
    """The tutorial's hard-coded axis=1: 1-D input raises, 3-D input uses the wrong axis."""
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@mutant("normalizeRows", beyond=True)
def normalizeRows_naive_norm(x):
    """sqrt(sum(x**2)) without scaling: squares overflow near 1e300 and underflow for subnormals."""
    x = np.asarray(x, dtype=float)
    return x / np.sqrt(np.sum(x * x, axis=-1, keepdims=True))


@mutant("normalizeRows")
def normalizeRows_squared_norm(x):
    """Divides by the squared norm (the square root forgotten)."""
    x = np.asarray(x, dtype=float)
    return x / np.sum(x * x, axis=-1, keepdims=True)


@mutant("normalizeRows")
def normalizeRows_l1_norm(x):
    """Divides by the sum of absolute values (the L1 norm)."""
    x = np.asarray(x, dtype=float)
    return x / np.sum(np.abs(x), axis=-1, keepdims=True)


@mutant("normalizeRows")
def normalizeRows_global_norm(x):
    """Divides by the norm of the whole matrix."""
    x = np.asarray(x, dtype=float)
    return x / np.linalg.norm(x)


@mutant("normalizeRows")
def normalizeRows_in_place(x):
    """Divides the caller's array in place."""
    x = np.asarray(x, dtype=float)
    x /= np.linalg.norm(x, axis=-1, keepdims=True)
    return x
