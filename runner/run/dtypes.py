"""``--dtypes``: run every float case in each of the named float dtypes.

A case is a float case when one of its arguments is a float NumPy array or
NumPy float scalar, its accuracy class is not ``exact`` and it expects a value
(not an exception). Each float case becomes one case per dtype, id
``<id>@<dtype>``: its float arguments cast (values that overflow become inf,
as a cast does), its expected value the reference evaluated in higher precision
on the cast arguments and rounded once to that dtype, and its tolerance the
file's default for that dtype (a case's own ULP tolerance is kept, being
dtype-independent). Every other case (integer inputs, Python scalars, exact
functions, ``raises``) runs once, as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import numpy as np
from dlconform.errors import DlconformError
from dlconform.format.model import Case
from dlconform.format.values import FLOAT_DTYPES
from dlconform.judge.expected import reference_value


class DtypeError(DlconformError, ValueError):
    """A --dtypes value naming something other than float16, float32 and float64."""


def parse_dtypes(text: str) -> tuple[np.dtype, ...]:
    """``"float16,float32"`` as dtypes, in the order given, duplicates dropped."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise DtypeError("--dtypes needs at least one of " + ", ".join(FLOAT_DTYPES))
    bad = [n for n in names if n not in FLOAT_DTYPES]
    if bad:
        raise DtypeError(f"--dtypes: {bad[0]!r} is not one of {', '.join(FLOAT_DTYPES)}")
    return tuple(np.dtype(n) for n in dict.fromkeys(names))


def _is_float(value: Any) -> bool:
    """A float NumPy array or NumPy float scalar (Python floats are left alone: they test scalar handling)."""
    return isinstance(value, np.ndarray | np.floating) and np.dtype(value.dtype).kind == "f"


def is_float_case(case: Case) -> bool:
    """Whether ``--dtypes`` multiplies this case: float inputs, a tolerance-judged result, no exception."""
    return case.raises is None and case.accuracy != "exact" and any(_is_float(a) for a in case.args)


def _cast(value: Any, dtype: np.dtype) -> Any:
    """A float argument or expected value in ``dtype``; anything else unchanged."""
    if not _is_float(value):
        return value
    with np.errstate(over="ignore"):
        return value.astype(dtype) if isinstance(value, np.ndarray) else dtype.type(value)


def in_dtype(case: Case, dtype: np.dtype) -> Case:
    """``case`` run in ``dtype``: id ``<id>@<dtype>``, cast inputs, reference expected value, dtype's tolerance."""
    dtype = np.dtype(dtype)
    own = next(np.dtype(a.dtype) for a in case.args if _is_float(a))
    tolerance = case.tolerance
    if tolerance is not None and tolerance.ulp is None and own != dtype:
        tolerance = None  # an rtol/atol override is tuned to the case's own dtype
    if tolerance is None and dtype.name not in case.file_tolerance:  # else it would be judged exactly
        raise DtypeError(
            f"--dtypes {dtype.name}: {case.path or case.function} has no default {dtype.name} tolerance "
            f"(add one under its 'tolerance:' to run its cases in {dtype.name})"
        )
    cast = replace(
        case,
        id=f"{case.id}@{dtype.name}",
        description=f"{case.description} (run in {dtype.name})",
        args=tuple(_cast(a, dtype) for a in case.args),
        tolerance=tolerance,
    )
    if case.expected_any is not None:  # a Python float alternative is the float result (L1 of empty input: 0.0)
        alternatives = (dtype.type(alt) if type(alt) is float else _cast(alt, dtype) for alt in case.expected_any)
        return replace(cast, expected_any=tuple(alternatives))
    with np.errstate(all="ignore"):  # a cast can overflow the dtype on purpose; the reference then says inf
        return replace(cast, expected=reference_value(cast))


def expand(cases: Iterable[Case], dtypes: Iterable[np.dtype]) -> list[Case]:
    """Every float case once per dtype (in the order given), every other case once, in suite order."""
    wanted = [np.dtype(d) for d in dtypes]
    out: list[Case] = []
    for case in cases:
        out.extend([in_dtype(case, d) for d in wanted] if is_float_case(case) else [case])
    return out
