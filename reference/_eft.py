"""Error-free transformations and double-length steps, vectorised in NumPy, for results within 1-2 ULP.

A value is carried as an unevaluated sum ``hi + lo`` (|lo| at most half an ULP of hi) where one
rounding would cost the last bits: the sum 1 + e, a square, ``x - max``, a division. They work in
any binary float dtype (float64, or longdouble where it is wider), so the same code serves the
caller's precision and ``generate``'s. Every step is exact or adds under eps^2 relative, as long as
nothing overflows (operands here are at most a few thousand in magnitude).
"""

from __future__ import annotations

from typing import Any

import numpy as np

# exp(h + lo) for h below SHIFT_BELOW is taken as exp(h + SHIFT) * 2**-SHIFT_BITS, so a result that
# ends subnormal is rounded once, at the final scaling. SHIFT is SHIFT_BITS * ln 2 rounded to a
# multiple of 2**-43 (then h + SHIFT is exact for |h| in [512, 1024)); SHIFT_ERROR = SHIFT - 64 ln 2.
SHIFT_BITS = 64
SHIFT = 44.361419555836505
SHIFT_ERROR = 5.62123739673937e-15
SHIFT_BELOW = -700.0


def two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a + b as the rounded sum and its exact error (Knuth), for any magnitudes."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a as hi + lo with half the significand each (Veltkamp), so products of halves are exact."""
    bits = np.finfo(a.dtype).nmant + 1
    c = a * (2.0 ** ((bits + 1) // 2) + 1)
    hi = c - (c - a)
    return hi, a - hi


def two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a * b as the rounded product and its exact error (Dekker)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def div(nh: np.ndarray, nl: np.ndarray, dh: np.ndarray, dl: np.ndarray) -> np.ndarray:
    """(nh + nl) / (dh + dl) rounded about once: the quotient plus the exact remainder's correction."""
    q = nh / dh
    p, pe = two_prod(q, dh)
    r = ((nh - p) - pe) + nl - q * dl
    return np.where(r == 0, q, q + r / dh)  # keeps the sign of a zero quotient


def square(h: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(h + lo)^2 as a double-length pair."""
    p, pe = two_prod(h, h)
    return p, pe + 2 * h * lo


def exp_scaled(h: np.ndarray, lo: np.ndarray | None = None) -> tuple[np.ndarray, Any, np.ndarray | None]:
    """exp(h + lo) as (vh + vl) * 2**k, with vh + vl normal wherever the value is representable at all.

    k is None (no scaling) unless some h < SHIFT_BELOW; there it is -SHIFT_BITS, elsewhere 0: a
    caller that scales its final result by 2**k (``scaled``) rounds a subnormal result once.
    ``lo`` (finite, |lo| < 1e-10, or None for 0) enters as exp(lo) = 1 + lo.
    """
    low = h < SHIFT_BELOW
    if not low.any():
        e = np.exp(h)
        return e, 0.0 if lo is None else e * lo, None
    e = np.exp(np.where(low, h + SHIFT, h))
    shift = np.where(low, -SHIFT_ERROR, 0.0)
    return e, e * (shift if lo is None else shift + lo), np.where(low, -SHIFT_BITS, 0)


def scaled(y: np.ndarray, k: np.ndarray | None) -> np.ndarray:
    """y * 2**k, rounded once; y itself when k is None."""
    return y if k is None else np.ldexp(y, k)


def sum_rows(h: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row of h + lo summed (last axis) as a double-length pair: a pairwise tree of exact additions."""
    err = np.sum(lo, axis=-1)
    while h.shape[-1] > 1:
        if h.shape[-1] % 2:
            h = np.concatenate([h, np.zeros_like(h[..., :1])], axis=-1)
        h, e = two_sum(h[..., 0::2], h[..., 1::2])
        err += np.sum(e, axis=-1)  # NaN only in rows whose sum is inf or NaN anyway
    hi = h[..., 0] if h.shape[-1] else np.zeros(h.shape[:-1], dtype=h.dtype)
    return hi, err
