"""``dlconform accuracy``: max and median error in ULP of a target's functions over a dense sweep.

Covered: the catalogue's one-argument elementwise functions (sigmoid,
sigmoid_derivative, tanh, tanh_derivative, relu) over single values, and its
row-wise ones (normalizeRows, softmax) over rows of ``ROW_LENGTH`` values. float16 elementwise sweeps are exhaustive (every
one of the 65,536 values); float32/float64 sweeps, and every row sweep, draw
``points`` values (default 100,000): special values (zeros of both signs, +-inf,
NaN, the smallest subnormal and normal, the largest finite), random bit patterns
(every binade equally: tiny, subnormal and huge magnitudes), the full range in
which the functions change ([-R, R], R = -log of the smallest subnormal, so the
tails), random subnormals, and the core [-10, 10]. The exact value is the reference evaluated in
np.longdouble where that is wider than float64 (``dlconform.judge.expected.wide_longdouble``) and
otherwise in float64 for float16/float32 sweeps and in mpmath (the catalogue's exact formula) for
float64 ones; a sample of every sweep is also checked against mpmath and the deviation reported.

The error of a result is |got - exact| in ULP by the suite's one rule (``dlconform.format.ulp``: the
spacing of the exact value rounded to the dtype, subnormal results in their own ULPs); a result where the exact value is NaN or infinite is not
measured in ULP but counted: NaN where the exact value is a number, a wrong special
value, and a zero where the exact value is subnormal (flushed, which a case may allow).
"""

from __future__ import annotations

import functools
import json
import math
import warnings
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

import mpmath
import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.format.tolerance import subnormal
from dlconform.format.ulp import ulp_distance, ulp_size
from dlconform.judge.compare import NotArrayLike, to_plain_array
from dlconform.judge.expected import wide_longdouble
from dlconform.results import Outcome
from dlconform.targets.resolver import Resolver, Unavailable, Unsupported

ELEMENTWISE: tuple[str, ...] = tuple(f.name for f in FUNCTIONS.values() if f.swept and f.kind == "elementwise")
ROWWISE: tuple[str, ...] = tuple(f.name for f in FUNCTIONS.values() if f.swept and f.kind == "rowwise")
SWEPT: tuple[str, ...] = ELEMENTWISE + ROWWISE
ROW_LENGTH = 8
DEFAULT_POINTS = 100_000
MPMATH_SAMPLE = 500
MPMATH_PREC = 160


@dataclass
class Row:
    """The accuracy of one function in one dtype."""

    function: str
    dtype: str
    points: int = 0
    max_ulp: float | None = None
    median_ulp: float | None = None
    worst_input: str = ""
    nan_where_finite: int = 0
    wrong_special: int = 0
    flushed: int = 0
    result_dtype: str = ""
    reference_check_ulp: float | None = None
    status: str = "measured"  # measured | unsupported | missing | error
    message: str = ""


def sweep(dtype: np.dtype, points: int, rows: bool, seed: int = 0) -> np.ndarray:
    """The inputs for one dtype: exhaustive for float16 single values, else ``points`` values as described above."""
    dtype = np.dtype(dtype)
    info = np.finfo(dtype)
    if dtype == np.float16 and not rows:
        return np.arange(2**16, dtype=np.uint16).view(np.float16)
    rng = np.random.default_rng(seed)
    tiny, normal, big = float(info.smallest_subnormal), float(info.smallest_normal), float(info.max)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, tiny, -tiny, normal, -normal, big, -big, 1.0, -1.0])
    n = max(points - specials.size, 0)
    uint = {2: np.uint16, 4: np.uint32, 8: np.uint64}[dtype.itemsize]
    bits = rng.integers(0, np.iinfo(uint).max, size=35 * n // 100, dtype=uint, endpoint=True).view(dtype)
    bits = bits[np.isfinite(bits)]
    mantissas = rng.integers(1, 2**info.nmant, size=n // 10, dtype=np.uint64).astype(uint)
    subnormal = mantissas.view(dtype) * rng.choice(np.array([-1, 1], dtype=dtype), size=mantissas.size)
    span = -math.log(tiny)
    wide = rng.uniform(-span, span, size=35 * n // 100)
    core = rng.uniform(-10.0, 10.0, size=n - bits.size - subnormal.size - wide.size)
    with np.errstate(over="ignore"):
        parts = [specials.astype(dtype), bits, subnormal, wide.astype(dtype), core.astype(dtype)]
        values = np.concatenate(parts)
    values = values[:points] if values.size >= points else np.resize(values, points)
    if not rows:
        return values
    count = max(points // ROW_LENGTH, 1)
    grid = np.resize(rng.permutation(values), (count, ROW_LENGTH))
    half = count // 2  # rows of nearby values around one centre: the cancellation-prone case
    centre = values[rng.integers(0, values.size, size=half)].astype(np.float64)
    spread = 10.0 ** rng.uniform(-3, 3, size=(half, 1)) * rng.standard_normal((half, ROW_LENGTH))
    with np.errstate(over="ignore", invalid="ignore"):
        grid[:half] = (centre[:, None] + spread).astype(dtype)
    return grid


def _pair(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A longdouble array as float64 hi + lo, hi the rounded value and lo the rest."""
    hi = values.astype(np.float64)
    with np.errstate(invalid="ignore"):
        lo = np.where(np.isfinite(hi), (values - hi).astype(np.float64), 0.0)
    return hi, lo


def _mp_defined(function: str, row: np.ndarray) -> bool:
    """Whether mpmath computes this row; else its value is a limit the reference gets exactly (NaN, 0)."""
    if function == "softmax":
        return not (np.isnan(row).any() or np.isposinf(row).any() or np.isneginf(row).all())
    return bool(np.isfinite(row).all())


def mpmath_exact(function: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exact values in mpmath as a float64 hi + lo pair (non-finite inputs through the reference)."""
    hi = np.empty(x.shape, dtype=np.float64)
    lo = np.zeros(x.shape, dtype=np.float64)
    with mpmath.workprec(MPMATH_PREC):
        if function in ROWWISE:
            for i, row in enumerate(x):
                if not _mp_defined(function, row):
                    hi[i] = np.asarray(FUNCTIONS[function].impl(row.astype(np.float64)), dtype=np.float64)
                    continue
                for j, v in enumerate(FUNCTIONS[function].formula([mpmath.mpf(float(v)) for v in row])):
                    hi[i, j] = float(v)
                    lo[i, j] = float(v - mpmath.mpf(hi[i, j]))
            return hi, lo
        for i, v in np.ndenumerate(x):
            if not np.isfinite(v):
                hi[i] = float(np.asarray(FUNCTIONS[function].impl(np.float64(v))))
                continue
            exact = FUNCTIONS[function].formula(mpmath.mpf(float(v)))
            hi[i] = float(exact)
            lo[i] = float(exact - mpmath.mpf(hi[i]))
    return hi, lo


def exact_values(function: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The reference's value for every input, unrounded: longdouble where it is wider than float64, else,
    for float64 sweeps, mpmath (float16 and float32 sweeps take the reference in float64, within 1.5 ULP of it).
    """
    wide = wide_longdouble()
    if x.dtype == np.float64 and not wide:
        return mpmath_exact(function, x)
    precise = np.dtype(np.longdouble if wide else np.float64)
    with np.errstate(all="ignore"):
        return _pair(np.asarray(FUNCTIONS[function].impl(x.astype(precise)), dtype=np.longdouble))


@functools.lru_cache(maxsize=64)
def _swept(function: str, dtype_name: str, points: int, wide: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The sweep's inputs, exact values and their mpmath check; cached, as every subject shares them.

    ``wide`` (``wide_longdouble()``) is part of the key: the exact values are computed another way without it.
    """
    x = sweep(np.dtype(dtype_name), points, rows=function in ROWWISE)
    hi, lo = exact_values(function, x)
    for arr in (x, hi, lo):
        arr.flags.writeable = False
    return x, hi, lo, reference_check(function, x, hi, lo)


def ulp_errors(got: np.ndarray, hi: np.ndarray, lo: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """|got - exact| in ULP by format/ulp.py's rule (subnormals in their own ULPs, as the suite judges them); NaN
    where not measured: NaN or infinite results or exact values, and zeros where the exact value is subnormal
    (flushed, counted apart by ``flushed``: a case may allow them)."""
    err = ulp_distance(got, hi, dtype, exact_lo=lo)
    return np.where(flushed(got, hi, lo, dtype), np.nan, err)


def flushed(got: np.ndarray, hi: np.ndarray, lo: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Where a result is zero and the exact value, rounded to ``dtype``, is subnormal."""
    with np.errstate(all="ignore"):
        rounded = (hi + lo).astype(dtype)
    return subnormal(rounded, dtype) & (got == 0)


def reference_check(function: str, x: np.ndarray, hi: np.ndarray, lo: np.ndarray, seed: int = 1) -> float:
    """The largest deviation, in ULP of x's dtype, of the exact values used from mpmath's, on a sample."""
    rng = np.random.default_rng(seed)
    size = MPMATH_SAMPLE if function in ELEMENTWISE else MPMATH_SAMPLE // ROW_LENGTH
    pick = np.sort(rng.choice(x.shape[0], size=min(size, x.shape[0]), replace=False))
    mp_hi, mp_lo = mpmath_exact(function, x[pick])
    with np.errstate(all="ignore"):
        dev = np.abs((hi[pick] - mp_hi) + (lo[pick] - mp_lo)) / ulp_size(mp_hi + mp_lo, x.dtype)
    finite = np.isfinite(dev) & np.isfinite(mp_hi)  # as ulp_errors
    return float(dev[finite].max()) if finite.any() else 0.0


def _call(fn: Callable[..., Any], x: np.ndarray) -> np.ndarray:
    """The target's result for the whole sweep as a plain ndarray, warnings silenced."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return to_plain_array(fn(x.copy()))


def measure_one(fn: Callable[..., Any], function: str, dtype: np.dtype, points: int) -> Row:
    """Sweep one function in one dtype and summarise its error."""
    dtype = np.dtype(dtype)
    x, hi, lo, check = _swept(function, dtype.name, points, wide_longdouble())
    row = Row(function, dtype.name, points=int(x.size), reference_check_ulp=check)
    try:
        got = _call(fn, x)
    except Unsupported as exc:  # an adapter that does not take this dtype
        row.status, row.message = "unsupported", str(exc)
        return row
    except NotArrayLike as exc:
        row.status, row.message = "error", str(exc)
        return row
    except Exception as exc:
        row.status, row.message = "error", f"raised {type(exc).__name__}: {' '.join(str(exc).split())[:160]}"
        return row
    if got.shape != x.shape or got.dtype.kind != "f":
        row.status, row.message = "error", f"returned {got.dtype} {got.shape} for {dtype} {x.shape}"
        return row
    row.result_dtype = got.dtype.name
    g = got.astype(np.float64)
    with np.errstate(all="ignore"):
        rounded = (hi + lo).astype(dtype).astype(np.float64)
    exact_nan, got_nan = np.isnan(rounded), np.isnan(g)
    row.nan_where_finite = int((got_nan & ~exact_nan).sum())
    infinite = ~exact_nan & ~got_nan & (np.isinf(rounded) | np.isinf(g)) & (g != rounded)
    row.wrong_special = int((infinite | (exact_nan & ~got_nan)).sum())
    row.flushed = int(flushed(g, hi, lo, dtype).sum())
    err = ulp_errors(g, hi, lo, dtype)
    finite = np.isfinite(err)
    if finite.any():
        worst = int(np.argmax(np.where(finite, err, -1.0)))
        row.max_ulp = float(err.flat[worst])
        row.median_ulp = float(np.median(err[finite]))
        row.worst_input = _describe_input(x, worst)
    return row


def _describe_input(x: np.ndarray, flat_index: int) -> str:
    """The input at a flat index: the value, or for rows the row (6 significant digits) and the element."""
    if x.ndim == 1:
        return repr(float(x.flat[flat_index]))
    i, j = np.unravel_index(flat_index, x.shape)
    return f"[{', '.join(f'{float(v):.6g}' for v in x[i])}][{int(j)}]"


def measure(
    resolve: Resolver, functions: Iterable[str], dtypes: Iterable[np.dtype], points: int = DEFAULT_POINTS
) -> list[Row]:
    """One Row per function and dtype, for the functions the target has; an Unavailable gives a status row."""
    rows: list[Row] = []
    for function in functions:
        fn = resolve(function)
        for dtype in dtypes:
            if isinstance(fn, Unavailable):
                status = "unsupported" if fn.outcome == Outcome.SKIPPED else "missing"
                rows.append(Row(function, np.dtype(dtype).name, status=status, message=fn.reason))
            else:
                rows.append(measure_one(fn, function, dtype, points))
    return rows


def fmt_ulp(value: float | None) -> str:
    """An ULP figure for tables: integers plainly, small values with two significant digits."""
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:.3g}" if value < 1e6 else f"{value:.2e}"
    return f"{value:.2g}" if value < 10 else f"{value:.1f}"


HEADERS = (
    "function",
    "dtype",
    "points",
    "max ulp",
    "median ulp",
    "NaN where finite",
    "wrong special",
    "flushed",
    "worst input / note",
)


def _cells(row: Row) -> list[str]:
    """A Row as table cells."""
    if row.status != "measured":
        return [row.function, row.dtype, "-", "-", "-", "-", "-", "-", f"{row.status}: {row.message}"]
    note = row.worst_input
    if row.result_dtype and row.result_dtype != row.dtype:
        note = f"returns {row.result_dtype}; {note}"
    return [
        row.function,
        row.dtype,
        f"{row.points:,}",
        fmt_ulp(row.max_ulp),
        fmt_ulp(row.median_ulp),
        str(row.nan_where_finite),
        str(row.wrong_special),
        str(row.flushed),
        note,
    ]


def render(rows: list[Row], fmt: str, header: dict[str, Any]) -> str:
    """The rows as a text table, a markdown table, or JSON with the header."""
    if fmt == "json":
        return (
            json.dumps(
                {"header": header, "exact_values": reference_note(rows), "rows": [asdict(r) for r in rows]},
                indent=2,
                allow_nan=False,
            )
            + "\n"
        )
    table = [list(HEADERS), *[_cells(r) for r in rows]]
    footer = ["", reference_note(rows)]
    if fmt == "markdown":
        lines = ["| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in table]
        lines.insert(1, "|" + "|".join("---" for _ in HEADERS) + "|")
        return "\n".join([*lines, *footer]) + "\n"
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS) - 1)]
    head = [f"{k}: {v}" for k, v in header.items()]
    body = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=False)) + "  " + line[-1] for line in table]
    return "\n".join([*head, "", *body, *footer]) + "\n"


def reference_note(rows: list[Row]) -> str:
    """One line on how far the exact values used are from mpmath's, on the samples checked."""
    checked = [r.reference_check_ulp for r in rows if r.reference_check_ulp is not None]
    if not checked:
        return "exact values: nothing measured"
    source = "np.longdouble" if wide_longdouble() else "float64 (float16/32), mpmath (float64)"
    return (
        f"exact values from the reference in {source}; on {MPMATH_SAMPLE}-point samples of each sweep they are "
        f"within {max(checked):.2g} ULP of mpmath at {MPMATH_PREC} bits"
    )
