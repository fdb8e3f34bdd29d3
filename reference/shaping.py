"""Array shaping: image2vector and normalizeRows."""

from __future__ import annotations

from typing import Any

import numpy as np
from dlconform.reference._eft import div, two_prod
from dlconform.reference._work import RowFunction, rowwise

SPREAD = 2.0**-900  # below this (relative to its row's largest), an element's quotient may end subnormal

# What dlconform.reference exports from here.
__all__ = ["image2vector", "image_to_vector", "normalizeRows", "normalize_rows"]


def image2vector(image: object) -> np.ndarray:
    """Flatten an array of any shape into a (size, 1) column, in C (row-major) order, dtype kept."""
    arr = np.asarray(image)
    return arr.reshape((arr.size, 1))


def normalizeRows(x: object) -> np.ndarray:
    """Divide each row (last axis) by its L2 norm, keeping dims.

    The row is scaled by the power of two nearest its largest magnitude (exactly), so huge rows
    do not overflow and subnormal rows do not underflow. An all-zero row stays zero; a row holding
    inf or NaN comes out NaN where the quotient is undefined.
    """
    if np.ndim(x) == 0:
        raise ValueError("normalizeRows needs at least one axis")
    return rowwise(_UNIT, x)


def _unit_parts(x: np.ndarray, peak: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
    """The squares of the row scaled by a power of two (exactly; largest magnitude in [1, 2)) as exact
    pairs (hi, lo), and the scaled row with its exponent.
    """
    top = np.frexp(np.where(np.isfinite(peak), peak, 1))[1] - 1
    u = np.ldexp(x, -top)
    p, pe = two_prod(u, u)
    return p, pe, (u, top)


def _unit_finish(x: np.ndarray, peak: np.ndarray, sh: np.ndarray, sl: np.ndarray, parts: Any) -> np.ndarray:
    """Each element over the norm: the square root of the exact sum of squares, corrected by one Newton step.

    Where an element is so much smaller than its row's largest that scaling underflowed it, elements are
    divided as their own significands and scaled back by their own exponents, so a quotient that ends
    subnormal is rounded once.
    """
    u, top = parts
    nh = np.sqrt(sh)
    ph, pl = two_prod(nh, nh)
    nl = np.where(nh > 0, ((sh - ph) - pl + sl) / (2 * nh), 0)[..., None]
    nh = np.where(nh == 0, 1, nh)[..., None]
    if (np.abs(u) >= SPREAD).all():  # zeros and non-finite values have no significand to lose either
        return _quotient(u, nh, nl)
    significand, exponent = np.frexp(x)
    return np.ldexp(_quotient(significand, nh, nl), exponent - top)


# Each row over its L2 norm within about 1 ULP.
_UNIT = RowFunction(lambda x: np.max(np.abs(x), axis=-1, keepdims=True), _unit_parts, _unit_finish)


def _quotient(u: np.ndarray, nh: np.ndarray, nl: np.ndarray) -> np.ndarray:
    """u / (nh + nl), corrected by the remainder where the norm is finite (inf and NaN rows divide plainly)."""
    careful = div(u, 0.0, nh, nl)
    finite = np.isfinite(nh)
    return careful if finite.all() else np.where(finite, careful, u / nh)


image_to_vector = image2vector  # the catalogue's aliases
normalize_rows = normalizeRows
