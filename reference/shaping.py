"""Array shaping: image2vector and normalizeRows."""

from __future__ import annotations

import numpy as np
from dlconform.reference._work import lift

# What dlconform.reference exports from here.
__all__ = ["image2vector", "image_to_vector", "normalizeRows", "normalize_rows"]


def image2vector(image: object) -> np.ndarray:
    """Flatten an array of any shape into a (size, 1) column, in C (row-major) order, dtype kept."""
    arr = np.asarray(image)
    return arr.reshape((arr.size, 1))


def normalizeRows(x: object) -> np.ndarray:
    """Divide each row (last axis) by its L2 norm, keeping dims.

    The norm is taken of the row scaled by its largest magnitude, so huge rows do
    not overflow and subnormal rows do not underflow. An all-zero row stays zero;
    a row holding inf or NaN comes out NaN where the quotient is undefined.
    """
    w, dtype = lift(x)
    if w.ndim == 0:
        raise ValueError("normalizeRows needs at least one axis")
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if w.shape[-1]:  # max |x| per row without a full-size |x| temporary
            peak = np.maximum(np.max(w, axis=-1, keepdims=True), -np.min(w, axis=-1, keepdims=True))
        else:
            peak = w[..., :0]
        y = np.divide(w, np.where(peak == 0, 1, peak))
        norm = np.sqrt(np.einsum("...i,...i->...", y, y))[..., np.newaxis]
        np.divide(y, np.where(norm == 0, 1, norm), out=y)  # an all-zero row is 0 / 1 = 0
    return y.astype(dtype, copy=False)


image_to_vector = image2vector  # the catalogue's aliases
normalize_rows = normalizeRows
