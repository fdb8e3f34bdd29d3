"""Layout variants: each ``core`` case run again with its inputs in the memory layouts its function declares.

The catalogue declares once per function which layouts its inputs are also run in (``Function.memory_layouts``);
every stored case tagged ``core`` gets one more case per layout that changes one of its inputs, id
``<id>@<layout>``, with the same expected value, tolerance, level and tags. ``fortran``, ``strided`` and
``reversed`` keep the stored (C-order) arguments and set ``Case.layout``: ``fresh_inputs`` builds the layout for
every call, so a repro (``dlconform_case``) and an isolated worker get it too. ``0d`` replaces each scalar
argument by a 0-d array of its dtype, where that does not change the result's dtype under NumPy's promotion.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.format.layouts import ARRAY_LAYOUTS, differs
from dlconform.format.model import Case, restore_case
from dlconform.format.prepared import share

VARIED_TAG = "core"  # the cases run in every layout: ordinary inputs (values at the edges are not layout checks)
LAYOUT_WORDS = {
    "fortran": "inputs in Fortran (column-major) order",
    "strided": "inputs as non-contiguous strided views",
    "reversed": "inputs as views with negative strides",
    "0d": "scalar inputs as 0-d arrays",
}


def _scalar(value: Any) -> bool:
    return isinstance(value, bool | int | float | np.generic)


def _zero_d(case: Case) -> tuple[Any, ...] | None:
    """The case's arguments with every scalar as a 0-d array, or None where there is no scalar or the result's
    dtype would change (a Python float is weak in NumPy's promotion, a 0-d float64 array is not)."""
    if not any(_scalar(a) for a in case.args):
        return None
    args = tuple(np.array(a) if _scalar(a) else a for a in case.args)
    function = FUNCTIONS[case.function]
    try:
        same = np.dtype(function.result_dtype(*args)) == np.dtype(function.result_dtype(*case.args))
    except (TypeError, ValueError):
        return None
    return args if same else None


def variants(case: Case) -> list[Case]:
    """The layout variants of ``case`` (none unless it is a stored ``core`` case with an input each layout changes)."""
    if VARIED_TAG not in case.tags or case.layout is not None or case.function not in FUNCTIONS:
        return []
    if not all(isinstance(a, np.ndarray) or _scalar(a) for a in case.args):
        return []  # generated (large) inputs
    out = []
    for layout in FUNCTIONS[case.function].memory_layouts:
        if layout in ARRAY_LAYOUTS:
            if not any(isinstance(a, np.ndarray) and differs(a, layout) for a in case.args):
                continue
            args = case.args
        else:
            zero_d = _zero_d(case)
            if zero_d is None:
                continue
            args = zero_d
        description = f"{case.description} ({LAYOUT_WORDS[layout]})"
        changes = {"id": f"{case.id}@{layout}", "args": args, "layout": layout, "description": description}
        variant = restore_case({**vars(case), **changes})  # dataclasses.replace at a third of its cost
        share(variant, case)  # the same expected values and argument values: the same allowed errors
        out.append(variant)
    return out


def with_variants(cases: Iterable[Case]) -> Iterator[Case]:
    """Every case, each followed by its layout variants."""
    for case in cases:
        yield case
        yield from variants(case)
