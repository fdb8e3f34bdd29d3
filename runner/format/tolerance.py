"""How close a result must be: tolerances as declared in vector files, and the error they allow.

A file names its accuracy class and gives per-dtype defaults; a case may
override them (with a reason). The classes:

- ``exact``: every value must be equal (relu, image2vector, multiply, outer).
- ``pointwise``: ``|got - exact| <= atol + rtol * max(|exact|, tiny)``, or within
  ``ulp`` units in the last place of the exact value (elementwise functions, normalizeRows).
- ``shifted``: as pointwise, plus ``eps * |x - max(row)| * |exact|`` (softmax), eps that of the dtype
  the result is computed in (float32 input: float32's): every practical softmax rounds ``x - max`` in
  that dtype, and exp turns that absolute rounding error into a relative one of up to ``|x - max|``
  ULPs of it. Only a compensated subtraction avoids it (the reference does). float16 is computed in
  float32 or wider by every library, so it gains float32's allowance.
- ``reduction``: ``atol + rtol * sqrt(n) * |exact|``, n the number of summed terms (L1, L2).
- ``dot``: ``|got - exact| <= atol + rtol * sqrt(n) * (|a| @ |b|)``: the error is
  measured against the sum of the absolute products, not against the result.

Tiny results, pointwise and in ULP mode (tiny = the dtype's smallest normal number):

- an expected 0 accepts only a zero: the limits (sigmoid(-inf), a softmax entry of -inf) are exact,
  and a 0 that rounds an exact value below half the smallest subnormal is what every careful
  formula returns;
- an expected subnormal value is judged in its own ULPs (the smallest subnormal, the spacing of the
  whole subnormal range): ``rtol * tiny`` is rtol / eps of them, and ``atol`` does not apply, so a
  result clipped to the smallest normal fails where the truth is subnormal;
- a case with ``flush_subnormal`` also accepts a zero of the right sign where the truth is subnormal,
  for platforms that flush by design.

The relative part has its floor at tiny, so ``rtol * max(|exact|, tiny)`` runs continuously from the
normal range into the subnormal one, as the spacing of floats does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from dlconform.format.ulp import ulp_size

ACCURACY_CLASSES: tuple[str, ...] = ("exact", "pointwise", "shifted", "reduction", "dot")
EPS64 = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)


@dataclass(frozen=True)
class Tolerance:
    """Allowed error: ``atol + rtol * |exact|`` (``max(|exact|, tiny)``, see above), or ``ulp`` units in the last place."""

    rtol: float = 0.0
    atol: float = 0.0
    ulp: float | None = None
    reason: str | None = None

    def describe(self) -> str:
        """Short human form, for reports."""
        if self.ulp is not None:
            return f"ulp={self.ulp:g}"
        return f"rtol={self.rtol:.3g}, atol={self.atol:.3g}"

    def to_data(self) -> dict[str, Any]:
        """The vector-file mapping for this tolerance."""
        out: dict[str, Any] = {"ulp": self.ulp} if self.ulp is not None else {"rtol": self.rtol, "atol": self.atol}
        if self.reason:
            out["reason"] = self.reason
        return out


EXACT = Tolerance()


def allowed_error(
    expected: np.ndarray,
    tol: Tolerance,
    accuracy: str,
    args: tuple[Any, ...],
    dtype: np.dtype,
) -> np.ndarray:
    """The largest acceptable |got - expected| for each element of ``expected`` (float64)."""
    exp = np.asarray(expected, dtype=np.float64)
    if accuracy == "exact" and tol == EXACT:
        return np.zeros(exp.shape)
    if tol.ulp is None and accuracy == "reduction":
        n = max(1, max((np.size(a) for a in args), default=1))
        return tol.atol + tol.rtol * np.sqrt(n) * np.abs(exp)
    if tol.ulp is None and accuracy == "dot" and len(args) == 2:
        a = np.abs(np.asarray(args[0], dtype=np.float64))
        b = np.abs(np.asarray(args[1], dtype=np.float64))
        n = a.shape[-1] if a.ndim else 1
        with np.errstate(invalid="ignore", over="ignore"):
            scale = np.broadcast_to(np.dot(a, b), exp.shape)
        return tol.atol + tol.rtol * np.sqrt(n) * scale
    allow = _relative(exp, tol, dtype)
    if accuracy == "shifted" and args:
        allow = allow + _shift(args[0], exp, dtype)
    return allow


def shift_eps(dtype: np.dtype) -> float:
    """The eps of the dtype a softmax of ``dtype`` results computes ``x - max`` in: float64's for float64 (and
    integer input), float32's for float32 and float16 (which libraries compute in float32)."""
    return EPS64 if np.dtype(dtype) == np.float64 or np.dtype(dtype).kind != "f" else EPS32


def _shift(x: Any, exp: np.ndarray, dtype: np.dtype) -> np.ndarray | float:
    """eps * |x - max(row)| * |exact| (the ``shifted`` class, eps by ``shift_eps``); 0 where x - max is not finite."""
    x = np.asarray(x, dtype=np.float64)
    if x.shape != exp.shape or x.ndim == 0 or x.shape[-1] == 0:
        return 0.0
    with np.errstate(invalid="ignore"):
        d = np.abs(x - np.max(x, axis=-1, keepdims=True))
    return np.where(np.isfinite(d), d, 0.0) * shift_eps(dtype) * np.abs(exp)


def _relative(exp: np.ndarray, tol: Tolerance, dtype: np.dtype) -> np.ndarray:
    """The pointwise and ULP rules, with the tiny-result rules of the module docstring.

    The ULP is format/ulp.py's (the smallest subnormal below tiny), and the relative rule's floor at tiny is that
    spacing's edge too, so both rules judge a subnormal result in its own ULPs.
    """
    tiny = float(np.finfo(dtype).smallest_normal)
    mag = np.abs(exp)
    if tol.ulp is not None:
        allow = tol.ulp * ulp_size(mag, dtype)
    else:
        allow = tol.rtol * np.maximum(mag, tiny) + np.where(mag < tiny, 0.0, tol.atol)
    return np.where(exp == 0, 0.0, allow)


def flush_allowed(expected: np.ndarray, got: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Where a result is a zero of the right sign and the exact value is subnormal (``flush_subnormal`` cases)."""
    return subnormal(expected, dtype) & (got == 0) & (np.signbit(got) == np.signbit(expected))


def subnormal(expected: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Where an expected value is a nonzero subnormal of ``dtype``: a zero there is flushing, not rounding."""
    return (expected != 0) & (np.abs(expected) < np.finfo(dtype).smallest_normal)
