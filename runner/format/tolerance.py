"""How close a result must be: tolerances as declared in vector files, and the error they allow.

A file names its accuracy class and gives per-dtype defaults; a case may
override them (with a reason). The classes:

- ``exact``: every value must be equal (relu, image2vector, multiply, outer).
- ``pointwise``: ``|got - exact| <= atol + rtol * |exact|``, or within ``ulp`` units
  in the last place of the exact value (elementwise functions).
- ``reduction``: as pointwise, with rtol scaled by sqrt(n), n the number of
  summed terms (L1, L2).
- ``dot``: ``|got - exact| <= atol + rtol * sqrt(n) * (|a| @ |b|)``: the error is
  measured against the sum of the absolute products, not against the result.

In ULP mode a value whose exact result is below the smallest normal number may
come back as any value below it: flushing subnormals is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

ACCURACY_CLASSES: tuple[str, ...] = ("exact", "pointwise", "reduction", "dot")


@dataclass(frozen=True)
class Tolerance:
    """Allowed error: ``atol + rtol * |exact|``, or ``ulp`` units in the last place when set."""

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


def ulp_of(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Size of one unit in the last place of each value, in ``dtype``, as float64."""
    mag = np.abs(values).astype(dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.spacing(mag).astype(np.float64)


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
    if tol.ulp is not None:
        return tol.ulp * ulp_of(exp, dtype)
    if accuracy == "reduction":
        n = max(1, max((np.size(a) for a in args), default=1))
        return tol.atol + tol.rtol * np.sqrt(n) * np.abs(exp)
    if accuracy == "dot" and len(args) == 2:
        a = np.abs(np.asarray(args[0], dtype=np.float64))
        b = np.abs(np.asarray(args[1], dtype=np.float64))
        n = a.shape[-1] if a.ndim else 1
        with np.errstate(invalid="ignore", over="ignore"):
            scale = np.broadcast_to(np.dot(a, b), exp.shape)
        return tol.atol + tol.rtol * np.sqrt(n) * scale
    return tol.atol + tol.rtol * np.abs(exp)


def flush_allowed(expected: np.ndarray, got: np.ndarray, tol: Tolerance, dtype: np.dtype) -> np.ndarray:
    """Where ULP mode accepts a result because both it and the exact value are below the smallest normal."""
    if tol.ulp is None:
        return np.zeros(np.shape(expected), dtype=bool)
    tiny = float(np.finfo(dtype).smallest_normal)
    return (np.abs(expected) < tiny) & (np.abs(got) < tiny)
