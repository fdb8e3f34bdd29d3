"""Every stored expected value against an independent mpmath oracle.

The oracle recomputes each case from its arguments with the catalogue's exact
mpmath formulas (dlconform.catalogue), written without looking at ``reference/``:
transcendental functions at 200 bits, sums and products at 8,000 bits (exact for
any float64 inputs). Stored float values must be correctly rounded (within 0.5 ULP of
the exact result, ties to even, subnormals in their own ULPs), integers exact. In ``expected_any`` cases only the elements on which every
alternative agrees are checked; the others are implementation-defined. A case that may raise has its value
alternative checked against the truth on its inputs read another way (elementwise, paired).

``pytest -s tests/test_oracle.py`` prints the worst ULP per function and dtype.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import mpmath
import numpy as np
import pytest
from dlconform.catalogue import EXACT_BITS, FUNCTIONS
from dlconform.format.model import Case, Raises
from dlconform.format.suite import iter_cases, load_files
from dlconform.judge.expected import read_another_way
from dlconform.run.select import select

TRANSCENDENTAL_BITS = 200
LIMIT = {"float64": 0.5, "float32": 0.5, "float16": 0.5}  # correctly rounded (ties to even)
mpf = mpmath.mpf


def to_mp(value: Any) -> np.ndarray:
    """A case argument as an object array of exact mpf values (0-d for scalars)."""
    arr = np.asarray(value)
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        out[idx] = mpf(arr[idx].item())
    return out


def ulp_error(stored: float, exact_value: Any, dtype: np.dtype) -> float:
    """|stored - exact| in units of the last place of ``exact`` in ``dtype``; inf when a special value is wrong."""
    if mpmath.isnan(exact_value) or np.isnan(stored):
        return 0.0 if mpmath.isnan(exact_value) and np.isnan(stored) else np.inf
    info = np.finfo(dtype)
    bits, emin, emax = info.nmant + 1, info.minexp, info.maxexp
    with mpmath.workprec(EXACT_BITS):
        if mpmath.isinf(exact_value):
            return 0.0 if stored == exact_value else np.inf
        exponent = mpmath.frexp(exact_value)[1] - 1 if exact_value else emin
        unit = mpmath.ldexp(1, max(exponent, emin) - bits + 1)
        rounded = mpmath.nint(exact_value / unit) * unit
        if abs(rounded) >= mpmath.ldexp(1, emax):  # correct rounding overflows to inf
            return 0.0 if np.isinf(stored) and (stored > 0) == (exact_value > 0) else np.inf
        if np.isinf(stored):
            return np.inf
        return float(abs(mpf(stored) - exact_value) / unit)


def wrapped(exact_value: Any, dtype: np.dtype) -> Any:
    """An exact integer result as NumPy's integer arithmetic gives it: modulo 2^bits, into the dtype's range (the
    truth of dot and multiply, which follow NumPy; the losses' exact values fit their dtype)."""
    if dtype.kind not in "iu":
        return exact_value
    info = np.iinfo(dtype)
    if info.min <= exact_value <= info.max:
        return exact_value
    with mpmath.workprec(EXACT_BITS):
        return (exact_value - info.min) % (info.max - info.min + 1) + info.min


@dataclass(frozen=True)
class Check:
    """One stored value checked: the case, the dtype it is stored in, and its worst error."""

    function: str
    case: str
    dtype: str
    worst: float  # ULPs for floats; 0 or inf for integers

    @property
    def ok(self) -> bool:
        return self.worst <= LIMIT.get(self.dtype, 0.0)


def agreed(alternatives: tuple[Any, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The first alternative, and where every alternative gives the same value (NaN equal to NaN)."""
    arrays = [np.asarray(a, dtype=np.float64) for a in alternatives]
    same = np.ones(arrays[0].shape, dtype=bool)
    for other in arrays[1:]:
        same &= (other == arrays[0]) | (np.isnan(other) & np.isnan(arrays[0]))
    return np.asarray(alternatives[0]), same


def check_case(case: Case) -> Check | None:
    """Compare a case's stored result with the oracle; None for cases that must, or may, raise.

    A case that may raise (basic_sigmoid of an array, L1 of (5,) against (5, 1)) has no one mathematical truth
    for its arguments; its value alternative is the truth on the inputs read another way (elementwise, paired:
    dlconform.judge.expected.read_another_way), checked here as every stored value is.
    """
    values = tuple(alt for alt in case.expected_any or () if not isinstance(alt, Raises))
    if case.raises or (case.expected_any and not values):
        return None
    may_raise = len(values) < len(case.expected_any or ())
    args = read_another_way(case.function, case.args)[0] if may_raise else case.args
    with mpmath.workprec(TRANSCENDENTAL_BITS):
        truth = np.asarray(FUNCTIONS[case.function].exact(*[to_mp(a) for a in args]), dtype=object)
    if case.expected_any:
        stored, mask = agreed(values)
    else:
        stored = np.asarray(case.expected)
        mask = np.ones(stored.shape, dtype=bool)
    assert stored.shape == truth.shape, f"{case.key}: shape {stored.shape}, oracle {truth.shape}"
    dtype = stored.dtype
    errors = [0.0]
    for idx in zip(*np.nonzero(mask), strict=True) if stored.ndim else [()] * bool(mask):
        value = stored[idx].item()
        if dtype.kind == "f":
            errors.append(ulp_error(value, truth[idx], dtype))
        else:
            errors.append(0.0 if value == int(wrapped(truth[idx], dtype)) else np.inf)  # exact beyond 2**53
    return Check(case.function, case.id, dtype.name, max(errors))


@cache
def checks() -> tuple[Check, ...]:
    """Every case of the bundled suite checked once."""
    stored = (c for c in select(iter_cases(load_files())) if c.layout is None)  # variants store no values of their own
    found = (check_case(c) for c in stored)  # large cases store no values
    return tuple(c for c in found if c is not None)


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_stored_values_match_oracle(function: str) -> None:
    mine = [c for c in checks() if c.function == function]
    assert mine, f"no checkable cases for {function}"
    bad = [f"{c.case} ({c.dtype}): {c.worst:.3g} ULP" for c in mine if not c.ok]
    assert not bad, f"{function}: stored values off the exact result: {bad}"


def test_ulp_measure_knows_correct_rounding() -> None:
    third = mpf(1) / 3
    assert ulp_error(float(np.float32(1 / 3)), third, np.dtype("float32")) <= 0.5
    assert ulp_error(float(np.nextafter(np.float32(1 / 3), np.float32(1))), third, np.dtype("float32")) > 0.5
    assert ulp_error(np.inf, mpf(2) ** 16, np.dtype("float16")) == 0.0  # 65536 rounds to inf in float16
    assert ulp_error(0.0, mpf(2) ** -1100, np.dtype("float64")) <= 0.5  # below half the smallest subnormal


def test_worst_ulp_table() -> None:
    worst: dict[tuple[str, str], tuple[float, int]] = {}
    for c in checks():
        w, n = worst.get((c.function, c.dtype), (0.0, 0))
        worst[(c.function, c.dtype)] = (max(w, c.worst), n + 1)
    print("\nworst error against the mpmath oracle (ULP; integers: 0 = exact)")
    print(f"  {'function':<20} {'dtype':<8} {'cases':>5}  worst")
    for (function, dtype), (w, n) in sorted(worst.items()):
        print(f"  {function:<20} {dtype:<8} {n:>5}  {w:.3f}")
    assert all(c.ok for c in checks())
