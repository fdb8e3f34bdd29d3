"""The truth of a case: the reference evaluated in np.longdouble and rounded once to the native result dtype.

``generate`` stores these values; ``--dtypes`` and random cases compute them on the fly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.format.model import Case, fresh_inputs


def _lift(value: Any) -> Any:
    """A float or integer argument as np.longdouble, for the high-precision evaluation."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        return value
    return arr.astype(np.longdouble) if arr.ndim else np.longdouble(arr)


def reference_value(case: Case) -> Any:
    """The expected result of ``case``: the reference in longdouble, rounded once to the native result dtype.

    Floating-point warnings are silenced: overflow to inf and NaN results are part of the expected values.
    """
    with np.errstate(all="ignore"):
        return _reference_value(case)


def _reference_value(case: Case) -> Any:
    """``reference_value`` without the warning guard."""
    impl = FUNCTIONS[case.function].impl
    native = impl(*fresh_inputs(case.args))
    if isinstance(native, float | int) and not isinstance(native, np.generic):
        return native
    arr = np.asarray(native)
    if case.accuracy == "exact" or arr.dtype.kind != "f":
        return native
    precise = np.asarray(impl(*[_lift(a) for a in case.args]))
    out = precise.astype(arr.dtype)
    return out[()] if out.ndim == 0 else out
