"""The curves behind the HTML report's plots: a failing function called across its domain, tails included.

A curve is measured where the cases ran, through the target's resolver: in this process, or through an isolated
target's proxies, so in its confined worker, whose replies are checked there and again here (a plain float
array of the input's shape, or no curve). It keeps plain float64 data: the inputs, what came back, the
reference's value in extended precision and the error in ULP of both. Elementwise functions take one call on
719 values from -1000 to 1000 (past the 709 where exp overflows); scalar ones one call per point, for at
most ``SECONDS``; row-wise ones one call on 241 rows ``s * ROW`` (see ``inputs`` for the scales s).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.format.ulp import ulp_distance
from dlconform.judge.compare import NotArrayLike, to_plain_array
from dlconform.results import CaseResult, Outcome
from dlconform.targets.resolver import Resolver, Unavailable
from dlconform.text import one_line

SECONDS = 1.0  # a scalar function's per-point calls stop after this
OTHER_ARGUMENT = 0.75  # the value of a two-argument elementwise function's second argument (multiply)
ROW = np.array([-1.0, -0.75, -0.3, 0.0, 0.2, 0.5, 0.9, 1.0])  # each row of a row-wise curve is a multiple of this


@dataclass(frozen=True)
class Curve:
    """One function swept: x (inputs, or row scales), got and exact values (per element; rows: 2-D), errors in ULP.

    ``message`` says why there is no curve (the call raised, or returned the wrong shape); the arrays are empty then.
    """

    function: str
    rows: bool
    x: np.ndarray
    got: np.ndarray
    exact: np.ndarray
    ulp: np.ndarray  # the target's error in ULP of float64 (format/ulp.py's rule); NaN where not a number (NaN, inf)
    reference_ulp: np.ndarray  # the float64 reference's own error, the floor a careful implementation reaches
    seconds: float
    message: str = ""


def has_curve(function: str) -> bool:
    """Whether the function has a curve across its domain: scalar and elementwise ones, and row-wise ones of one argument."""
    fn = FUNCTIONS[function]
    return fn.kind in ("scalar", "elementwise") or (fn.kind == "rowwise" and len(fn.params) == 1)


def failing_functions(results: Iterable[CaseResult]) -> list[str]:
    """The functions, in suite order, with a case that failed or raised (not those the target lacks)."""
    out: dict[str, None] = {}
    for r in results:
        if r.outcome == Outcome.FAILED or (r.outcome == Outcome.ERROR and r.failure.startswith("raised:")):
            out[r.function] = None
    return list(out)


def curves_of_failing(results: Iterable[CaseResult], resolve: Resolver) -> list[Curve]:
    """The curve of every failing function that has one and that the target defines."""
    out = []
    for function in failing_functions(results):
        fn = resolve(function) if has_curve(function) else None
        if fn is not None and not isinstance(fn, Unavailable):
            out.append(curve(function, fn))
    return out


def inputs(function: str) -> np.ndarray:
    """The curve's inputs: the core [-10, 10] linearly, the tails to +-1000 geometrically; for rows, the scales
    s of rows ``s * ROW``: 1e-3 to 1e4 for a function that uses exp, else 1e-300 to 1e300."""
    if FUNCTIONS[function].kind == "rowwise":  # past where exp overflows (709), or where squares do (1e154)
        return np.geomspace(1e-3, 1e4, 241) if FUNCTIONS[function].uses_exp else np.geomspace(1e-300, 1e300, 241)
    tail = np.geomspace(10.0, 1000.0, 160)
    points = np.concatenate([-tail, np.linspace(-10.0, 10.0, 401), tail])
    points = np.unique(points)
    return points[::3] if FUNCTIONS[function].kind == "scalar" else points


def curve(function: str, fn: Callable[..., Any]) -> Curve:
    """Call ``fn`` across the function's curve inputs and measure it against the reference."""
    x = inputs(function)
    args = _arguments(function, x)
    start = time.perf_counter()
    try:
        got = _per_point(fn, args) if FUNCTIONS[function].kind == "scalar" else _whole(fn, args)
    except (Exception, SystemExit) as exc:
        message = exc.args[0] if isinstance(exc, _Refused) else f"raised {type(exc).__name__}: {one_line(exc)}"
        return _empty(function, time.perf_counter() - start, f"no curve: the call {message}")
    seconds = time.perf_counter() - start
    x = x[: got.shape[0]]  # a scalar curve that ran out of time
    args = [a[: got.shape[0]] for a in args]
    exact = _reference(function, args, np.longdouble)
    own = _reference(function, args, np.float64)
    return Curve(
        function,
        FUNCTIONS[function].kind == "rowwise",
        x,
        got,
        exact.astype(np.float64),
        ulp_distance(got, exact, np.dtype(np.float64)),
        ulp_distance(own, exact, np.dtype(np.float64)),
        seconds,
    )


class _Refused(Exception):
    """What the target returned cannot be plotted (the message says why)."""


def _arguments(function: str, x: np.ndarray) -> list[np.ndarray]:
    """The call's arguments for inputs ``x``: rows ``s * ROW``, or x then OTHER_ARGUMENT for further parameters."""
    if FUNCTIONS[function].kind == "rowwise":
        return [x[:, None] * ROW]
    return [x, *(np.full_like(x, OTHER_ARGUMENT) for _ in FUNCTIONS[function].params[1:])]


def _whole(fn: Callable[..., Any], args: list[np.ndarray]) -> np.ndarray:
    """One call on all the inputs; a plain float64 array of the inputs' shape, else _Refused."""
    return _checked(_call(fn, [a.copy() for a in args]), args[0].shape)


def _per_point(fn: Callable[..., Any], args: list[np.ndarray]) -> np.ndarray:
    """One call per point with Python floats (a scalar function), until SECONDS have passed."""
    out: list[float] = []
    deadline = time.perf_counter() + SECONDS
    for point in zip(*args, strict=True):
        try:
            value = _checked(_call(fn, [float(v) for v in point]), ())
            out.append(float(value))
        except _Refused:
            raise
        except Exception:  # math.exp overflowing at one point is what the plot shows, as NaN
            out.append(np.nan)
        if time.perf_counter() > deadline:
            break
    return np.array(out, dtype=np.float64)


def _call(fn: Callable[..., Any], args: list[Any]) -> Any:
    """The target's result, its warnings (overflow, invalid) silenced: the plot shows what they warn of."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args)


def _checked(result: Any, shape: tuple[int, ...]) -> np.ndarray:
    """``result`` as a float64 array of ``shape``; _Refused when it is not numbers of that shape."""
    try:
        got = to_plain_array(result)
    except NotArrayLike as exc:
        raise _Refused(f"returned {one_line(exc)}") from None
    if got.shape != shape or got.dtype.kind not in "biuf":
        raise _Refused(f"returned {got.dtype} of shape {got.shape} for inputs of shape {shape}")
    return got.astype(np.float64)


def _reference(function: str, args: list[np.ndarray], dtype: type) -> np.ndarray:
    """The reference on the curve's arguments in ``dtype`` (longdouble: the exact value, float64: its own)."""
    impl = FUNCTIONS[function].impl
    with np.errstate(all="ignore"):
        if FUNCTIONS[function].kind == "scalar":
            return np.array([impl(dtype(v)) for v in args[0]], dtype=dtype)
        return np.asarray(impl(*(a.astype(dtype) for a in args)), dtype=dtype)


def _empty(function: str, seconds: float, message: str) -> Curve:
    """A curve with no points, saying why."""
    none = np.empty(0)
    return Curve(function, False, none, none, none, none, none, seconds, message)
