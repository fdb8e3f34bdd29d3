"""What judging float results against one expected value of a case needs that depends only on the case: computed once.

Kept outside the frozen case, in a table keyed by the live case (dropped when the case is collected), by which
expected value (``expected`` or one of ``expected_any``) and the ``--rtol/--atol`` override. A layout variant
shares the table entry of its stored case (same expected values, same argument values); a warm load brings the
allowed errors of the default tolerances from the load cache (``dlconform.format.cache``), so a run computes
none of them for a cached file.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
from dlconform.format.model import Case
from dlconform.format.tolerance import EXACT, Tolerance, allowed_error, subnormal

Key = tuple[int | None, Tolerance | None]  # (which expected value, the override)


@dataclass(frozen=True)
class Prepared:
    """The expected value as float64, its own dtype, the tolerance in force, the allowed error per element, and
    whether the fast path can decide a pass (every expected value finite and normal or 0, the sign of zero
    ignored)."""

    exp: np.ndarray
    dtype: np.dtype
    tol: Tolerance
    allow: np.ndarray
    finite: bool


PREPARED: dict[int, dict[Key, Prepared | np.ndarray]] = {}  # id(case) -> its Prepared values (or cached allowances)


def memo(case: Case) -> dict[Key, Prepared | np.ndarray]:
    """The table entry of a live case, made on first use."""
    entry = PREPARED.get(id(case))
    if entry is None:
        entry = PREPARED[id(case)] = {}
        weakref.finalize(case, PREPARED.pop, id(case), None)
    return entry


def share(variant: Case, case: Case) -> None:
    """Let a layout variant use its stored case's entry: the same expected values and argument values."""
    PREPARED[id(variant)] = memo(case)
    weakref.finalize(variant, PREPARED.pop, id(variant), None)


def expected_values(case: Case) -> tuple[Any, ...]:
    """The case's expected values, in the order ``which`` counts them: ``expected``, then ``expected_any``."""
    return (case.expected, *(case.expected_any or ()))


def prepared(case: Case, expected: Any, exp: np.ndarray, override: Tolerance | None) -> Prepared:
    """The Prepared for ``exp`` (``expected`` as an array), kept for the case's life when ``expected`` is one of the
    case's own values (the usual call)."""
    which = next((i for i, e in enumerate(expected_values(case)) if e is expected), None)
    key = (which, override)
    entry = memo(case) if which is not None else {}
    found = entry.get(key)
    if not isinstance(found, Prepared):
        found = entry[key] = prepare(case, exp, override, found)
    return found


def prepare(case: Case, exp: np.ndarray, override: Tolerance | None, allow: np.ndarray | None = None) -> Prepared:
    """Compute the Prepared for ``exp``; ``allow``, when given, is its allowed error as the load cache kept it."""
    e = exp.astype(np.float64)
    dtype = exp.dtype
    tol = override or (case.tolerance_for(dtype) if case.accuracy != "exact" else case.tolerance or EXACT)
    if allow is None or allow.shape != e.shape:
        with np.errstate(all="ignore"):
            allow = allowed_error(e, tol, case.accuracy, case.args, dtype)
    fast = bool(np.isfinite(e).all() and not subnormal(e, dtype).any()) and not case.signed_zero
    return Prepared(e, dtype, tol, allow, fast)


def float_expected(value: Any) -> np.ndarray | None:
    """An expected value that judging compares as floats, as an array; None for any other (ints, raises, None)."""
    if isinstance(value, float | np.ndarray | np.floating) and np.asarray(value).dtype.kind == "f":
        return np.asarray(value)
    return None


def seed(case: Case, allowances: dict[int, np.ndarray]) -> None:
    """Remember allowed errors (by which expected value, default tolerances) that the load cache kept for ``case``."""
    entry = memo(case)
    for which, allow in allowances.items():
        entry.setdefault((which, None), allow)
