"""Memory layouts: the same array values held in Fortran order, in a strided view, or in a view with negative strides.

A case's inputs are stored in C order; ``lay_out`` builds the same values in another layout for the runs that
check a function does not depend on it (``variants`` makes those cases). ``layout_of`` tells a layout from an
array, so that an isolated worker receives its inputs in the layout the parent built (targets/isolate/protocol.py).
"""

from __future__ import annotations

import numpy as np
from dlconform.catalogue import ALL_LAYOUTS

# Layouts of one array; "0d" is no layout of an array but a 0-d array in place of a scalar (see variants).
ARRAY_LAYOUTS = tuple(name for name in ALL_LAYOUTS if name != "0d")


def lay_out(arr: np.ndarray, layout: str | None) -> np.ndarray:
    """A new array holding ``arr``'s values (and dtype, shape) in ``layout``; a plain copy for None or "0d"."""
    if layout == "fortran":
        return np.array(arr, order="F", copy=True)
    if layout == "strided" and arr.ndim:
        buffer = np.empty((*arr.shape[:-1], 2 * arr.shape[-1]), dtype=arr.dtype)
        view = buffer[..., ::2]
        view[...] = arr
        return view
    if layout == "reversed" and arr.ndim:
        return np.flip(np.flip(arr).copy())
    if layout in (None, "0d", "strided", "reversed"):
        return arr.copy()
    raise ValueError(f"unknown memory layout {layout!r} (known: {', '.join(ALL_LAYOUTS)})")


def layout_of(arr: np.ndarray) -> str | None:
    """The layout ``lay_out`` would have given ``arr``: None for C order (and 0-d, or fewer than 2 elements)."""
    if arr.flags.c_contiguous:
        return None
    if any(s < 0 for s in arr.strides):
        return "reversed"
    return "fortran" if arr.flags.f_contiguous else "strided"


def differs(arr: np.ndarray, layout: str) -> bool:
    """Whether ``arr`` laid out in ``layout`` is really another layout than C order (not for a 1-D array in
    Fortran order, nor an array of fewer than two elements)."""
    return layout in ARRAY_LAYOUTS and layout_of(lay_out(arr, layout)) == layout
