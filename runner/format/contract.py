"""Each function's documented contract, as the course and the tutorial state it: what a case must look like to
count as *inside* it.

A case is inside when its inputs have the structure the contract promises (rank, dtype, kind of argument) and
it asks for no input validation; the vector file marks it ``level: beyond`` otherwise. A structurally inside
case may still be marked beyond for its magnitudes (where a textbook formula overflows or cancels) or for an
edge the contract leaves open: those carry the ``stability`` or ``edge`` tag. ``lint`` enforces both rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from dlconform.format.large import Generated
from dlconform.format.model import Case

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


def _rank(n: int) -> Callable[..., bool]:
    """One array argument of rank ``n`` in a course dtype."""
    return lambda x: isinstance(x, np.ndarray | Generated) and len(_shape_and_dtype(x)[0]) == n and _course_dtype(x)


def _elementwise(x: Any) -> bool:
    """A scalar or an array of any shape, in a course dtype."""
    return _course_dtype(x)


def _vectors(yhat: Any, y: Any) -> bool:
    """Two 1-D vectors of the same size, in course dtypes."""
    return all(_rank(1)(a) for a in (yhat, y)) and _shape_and_dtype(yhat)[0] == _shape_and_dtype(y)[0]


def _numpy_semantics(*args: Any) -> bool:
    """dot, outer and multiply are NumPy's own: every input NumPy takes is inside."""
    return True


RULES: dict[str, tuple[str, Callable[..., bool]]] = {
    "basic_sigmoid": ("a real number", _real_number),
    "sigmoid": ("a scalar or an array of any shape (float64, integer or bool)", _elementwise),
    "sigmoid_derivative": ("a scalar or an array of any shape (float64, integer or bool)", _elementwise),
    "tanh": ("a scalar or an array of any shape (float64, integer or bool)", _elementwise),
    "tanh_derivative": ("a scalar or an array of any shape (float64, integer or bool)", _elementwise),
    "relu": ("a scalar or an array of any shape (float64, integer or bool)", _elementwise),
    "image2vector": ("a 3-D array (length, height, depth)", _rank(3)),
    "normalizeRows": ("a 2-D matrix (n, m)", _rank(2)),
    "softmax": ("a 2-D matrix (n, m)", _rank(2)),
    "L1": ("two 1-D vectors of the same size m", _vectors),
    "L2": ("two 1-D vectors of the same size m", _vectors),
    "dot": ("NumPy's own semantics", _numpy_semantics),
    "outer": ("NumPy's own semantics", _numpy_semantics),
    "multiply": ("NumPy's own semantics", _numpy_semantics),
}


def structurally_inside(case: Case) -> bool:
    """Whether the case's inputs have the structure its function's contract promises and it asks no validation."""
    rule = RULES.get(case.function)
    if rule is None or case.raises:
        return False
    return bool(rule[1](*case.args))


def level_problem(case: Case) -> str | None:
    """Why the case's ``level`` contradicts its function's contract, or None."""
    inside = structurally_inside(case)
    if case.level == "inside" and not inside:
        what = "asks for input validation" if case.raises else "has inputs of another structure"
        return f"level: beyond is needed: the contract of {case.function} is {RULES[case.function][0]}, and this case {what}"
    if case.level == "beyond" and inside and not MAGNITUDE_TAGS & set(case.tags):
        return "level: beyond for a case inside the contract's structure needs a stability or edge tag saying why"
    return None
