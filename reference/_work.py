"""Working-precision helpers shared by the reference operators.

Every operator computes in at least float64 (longdouble stays longdouble) and
casts back to the caller's float dtype, so float16/float32 results are as
accurate as their dtype allows and integer inputs give float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from dlconform.reference._eft import sum_rows, two_sum

# Bytes of input computed at a time: the careful formulas' temporaries stay this small (a few MB in
# all). Measured on 1e6 inputs: 64 KiB blocks are 1.1-1.8x slower (NumPy's per-call overhead, and
# glibc trimming and regrowing its heap between blocks), 1 MiB ones no faster.
BLOCK_BYTES = 1 << 18


def result_dtype(x: np.ndarray) -> np.dtype:
    """The dtype a floating operator returns for ``x``: floats keep theirs, the rest get float64."""
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)


def work_dtype(x: np.ndarray) -> np.dtype:
    """The dtype to compute in: float64, or longdouble when the input is longdouble."""
    return np.dtype(np.longdouble) if x.dtype == np.longdouble else np.dtype(np.float64)


def elementwise(kernel: Callable[[np.ndarray], np.ndarray], x: object) -> object:
    """``kernel`` applied to ``x`` a block at a time in working precision, cast once to the result dtype.

    The result is the only full-size array made (besides a contiguous copy of a strided input), so
    careful formulas with several temporaries cost no more memory than a plain ufunc.
    """
    arr = np.asarray(x)
    work = work_dtype(arr)
    out = np.empty(arr.shape, dtype=result_dtype(arr))
    src, dst = arr.reshape(-1), out.reshape(-1)
    step = BLOCK_BYTES // work.itemsize
    with np.errstate(all="ignore"):
        for i in range(0, src.size, step):
            dst[i : i + step] = kernel(src[i : i + step].astype(work, copy=False))
    return out[()] if np.ndim(x) == 0 else out


@dataclass(frozen=True)
class RowFunction:
    """A function of rows built from one row maximum and one row sum, so a row can be taken in pieces.

    ``peak`` gives each row's statistic (keepdims; pieces combine by maximum), ``parts`` the
    summands (hi, lo) of each element given it and what ``finish`` needs, ``finish`` the result
    from the row sum (hi, lo; one value per row).
    """

    peak: Callable[[np.ndarray], np.ndarray]
    parts: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, Any]]
    finish: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any], np.ndarray]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """The result for whole rows."""
        peak = self.peak(x)
        h, lo, extra = self.parts(x, peak)
        return self.finish(x, peak, *sum_rows(h, lo), extra)


def rowwise(fn: RowFunction, x: object) -> np.ndarray:
    """``fn`` applied to the rows (last axis) of ``x``, as ``elementwise`` does: some rows at a time, and a
    row longer than a block in pieces (three passes: the maximum, the sum, the result).
    """
    arr = np.asarray(x)
    work = work_dtype(arr)
    out = np.empty(arr.shape, dtype=result_dtype(arr))
    width = arr.shape[-1]
    if out.size == 0:
        return out
    src, dst = arr.reshape(-1, width), out.reshape(-1, width)
    step = BLOCK_BYTES // work.itemsize
    with np.errstate(all="ignore"):
        if width <= step:
            rows = step // width
            for i in range(0, src.shape[0], rows):
                dst[i : i + rows] = fn(src[i : i + rows].astype(work, copy=False))
            return out
        for i in range(src.shape[0]):
            pieces = [slice(j, j + step) for j in range(0, width, step)]
            row = src[i : i + 1]
            peak = np.maximum.reduce([fn.peak(row[:, p].astype(work, copy=False)) for p in pieces])
            th, tl = np.zeros(1, dtype=work), np.zeros(1, dtype=work)
            for p in pieces:
                h, lo, _ = fn.parts(row[:, p].astype(work, copy=False), peak)
                ph, pl = sum_rows(h, lo)
                th, e = two_sum(th, ph)
                tl = tl + pl + e
            for p in pieces:
                piece = row[:, p].astype(work, copy=False)
                dst[i : i + 1, p] = fn.finish(piece, peak, th, tl, fn.parts(piece, peak)[2])
    return out
