"""Units in the last place: the one measure of a float error that judging, ``dlconform accuracy`` and the HTML
report's curves share.

The rule: the error of ``got`` is ``|got - exact|`` divided by the ULP of the exact value, the spacing of the
dtype's grid at the exact value rounded to the dtype (``np.spacing`` of its magnitude: the gap up to the next
representable value). The grid includes the subnormals: below the smallest normal number, and at zero, the
spacing is the smallest subnormal, so a subnormal or zero exact value is measured in its own ULPs and a zero
returned for a subnormal exact value k smallest subnormals away is k ULPs off. Nothing is flushed or floored
here; what a caller allows on top (a case's ``flush_subnormal``, the accuracy table's count of flushed zeros)
is the caller's rule. Between finite values only: NaN where either value is NaN or infinite, or where the
exact value rounds to an infinity in the dtype.
"""

from __future__ import annotations

import numpy as np


def ulp_size(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The ULP of each value rounded to ``dtype`` (the smallest subnormal for zeros and subnormals), as float64."""
    with np.errstate(over="ignore", invalid="ignore"):  # a value beyond the dtype's range: inf, whose ULP is NaN
        return np.spacing(np.abs(np.asarray(values)).astype(dtype)).astype(np.float64)


def ulp_distance(got: np.ndarray, exact: np.ndarray, dtype: np.dtype, exact_lo: np.ndarray | None = None) -> np.ndarray:
    """``|got - exact|`` in ULPs of the exact value in ``dtype`` (the module's rule), as float64; NaN where not finite.

    ``exact`` may be wider than float64 (np.longdouble) or a float64 hi part with its ``exact_lo`` part: the
    difference is taken in that precision before it is divided.
    """
    hi = np.asarray(exact)
    lo = np.zeros((), dtype=hi.dtype) if exact_lo is None else np.asarray(exact_lo)
    with np.errstate(all="ignore"):
        rounded = (hi + lo).astype(dtype)
        diff = np.abs((np.asarray(got).astype(np.result_type(hi, np.float64)) - hi) - lo)
        distance = (diff / ulp_size(rounded, dtype)).astype(np.float64)
    return np.where(np.isfinite(got) & np.isfinite(rounded), distance, np.nan)
