"""Whether a case lies inside its function's documented contract (declared in the catalogue), as lint checks it.

A case is inside when its inputs have the structure the contract promises (rank, dtype, kind of argument) and
it asks for no input validation; the vector file marks it ``level: beyond`` otherwise. A structurally inside
case may still be marked beyond for its magnitudes (where a textbook formula overflows or cancels) or for an
edge the contract leaves open: those carry the ``stability`` or ``edge`` tag. ``lint`` enforces both rules.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from dlconform.catalogue import FUNCTIONS, Contract
from dlconform.format.large import Generated
from dlconform.format.model import Case
from dlconform.results import Level

# Tags that may justify marking a structurally inside case beyond: its values, not its structure.
MAGNITUDE_TAGS = frozenset({"stability", "edge"})


def _shape_and_dtype(x: Any) -> tuple[tuple[int, ...], np.dtype]:
    """An argument's shape and dtype, a generated (large) input's included, without building it."""
    if isinstance(x, Generated):
        return x.shape, x.dtype
    arr = np.asarray(x)
    return arr.shape, arr.dtype


def _real_number(x: Any) -> bool:
    """A Python or NumPy real scalar (not bool, not an array)."""
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool | np.bool_)


def _course_dtype(x: Any) -> bool:
    """Inputs the course computes in float64: Python numbers, float64, integer and bool arrays and scalars."""
    dtype = _shape_and_dtype(x)[1]
    return dtype.kind in "iub" or dtype == np.float64


def _structure(contract: Contract, args: tuple[Any, ...]) -> bool:
    """Whether arguments have the structure a contract promises (see catalogue.Contract)."""
    if contract.any_input:
        return True
    if contract.real_number:
        return len(args) == 1 and _real_number(args[0]) and _course_dtype(args[0])
    shapes = [_shape_and_dtype(a)[0] for a in args]
    if contract.rank is not None and not all(
        isinstance(a, np.ndarray | Generated) and len(s) == contract.rank for a, s in zip(args, shapes, strict=True)
    ):
        return False
    if contract.same_shape and len(set(shapes)) > 1:
        return False
    return all(_course_dtype(a) for a in args)


def structurally_inside(case: Case) -> bool:
    """Whether the case's inputs have the structure its function's contract promises and it asks no validation."""
    return not case.raises and _structure(FUNCTIONS[case.function].documented, case.args)


def level_problem(case: Case) -> str | None:
    """Why the case's ``level`` contradicts its function's contract, or None."""
    inside = structurally_inside(case)
    if case.level == Level.INSIDE and not inside:
        what = "asks for input validation" if case.raises else "has inputs of another structure"
        text = FUNCTIONS[case.function].documented.text
        return f"level: beyond is needed: the contract of {case.function} is {text}, and this case {what}"
    if case.level == Level.BEYOND and inside and not MAGNITUDE_TAGS & set(case.tags):
        return "level: beyond for a case inside the contract's structure needs a stability or edge tag saying why"
    return None
