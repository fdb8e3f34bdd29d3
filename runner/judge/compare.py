"""The comparison engine: one verdict for one result against one case.

Whatever runs the target (in process, in an isolated worker, through a library
profile), its result is first turned into a plain ndarray by ``to_plain_array``
and then judged here, structure first (None, not array-like, shape, dtype kind),
then values. Nothing here calls a method of an object the target returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.format.large import FromReference, block_plan, blocks
from dlconform.format.model import Case, Raises
from dlconform.format.prepared import PREPARED as _PREPARED  # noqa: F401  # the memo, outside the frozen cases
from dlconform.format.prepared import Prepared
from dlconform.format.prepared import prepared as prepared_for
from dlconform.format.tolerance import Tolerance, flush_allowed, subnormal
from dlconform.format.ulp import ulp_distance
from dlconform.results import Failure, Outcome
from dlconform.text import number

FAILURES: dict[str, str] = {  # every Failure, described
    Failure.RETURNED_NONE: "returned None",
    Failure.NOT_ARRAY: "returned something that is not a numeric array",
    Failure.SHAPE: "wrong shape",
    Failure.DTYPE: "wrong dtype (the one the contract states; any other than expected with --strict-dtype)",
    Failure.DTYPE_KIND: "wrong kind of dtype (float / integer / bool)",
    Failure.NAN: "NaN where a number is expected",
    Failure.NOT_NAN: "a number where NaN is expected",
    Failure.INF: "wrong infinity, or finite where infinite is expected",
    Failure.SIGNED_ZERO: "zero of the wrong sign",
    Failure.FLUSHED: "zero where the exact result is subnormal (allowed only where a case says flush_subnormal)",
    Failure.VALUE: "values outside the tolerance",
    Failure.MUTATED_INPUT: "changed its input in place",
    Failure.NO_RAISE: "returned where it must raise",
    Failure.WRONG_EXCEPTION: "raised another exception than the one required",
    Failure.RAISED: "raised an exception (the code is raised:ExceptionName)",
    Failure.MISSING: "the target has no such function",
    Failure.UNRESOLVED: "a profile's binding names a callable the library does not have",
    Failure.UNSUPPORTED: "the target declares the function unsupported",
    Failure.IMPORT_ERROR: "the target failed to load",
}
KIND_NAMES = {"f": "float", "i": "integer", "u": "integer", "b": "bool", "c": "complex"}
NUMERIC_KINDS = set("biuf")


class NotArrayLike(TypeError):
    """A result that cannot be read as a numeric array."""


@dataclass
class Verdict:
    """The judgement of one result: outcome, one-line message, and error figures when values differ."""

    outcome: Outcome  # passed or failed
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    failure: str = ""  # stable code for how it failed (a Failure, see FAILURES), compared by baselines


@dataclass(frozen=True)
class Options:
    """Run-wide comparison settings from the command line."""

    rtol: float | None = None
    atol: float | None = None
    strict_dtype: bool = False

    def override(self) -> Tolerance | None:
        """The tolerance that replaces the files' when --rtol or --atol is given."""
        if self.rtol is None and self.atol is None:
            return None
        return Tolerance(self.rtol or 0.0, self.atol or 0.0, reason="command line")


DEFAULTS = Options()


def to_plain_array(value: Any, copy: bool = True) -> np.ndarray:
    """A plain ndarray holding ``value``'s data. An ndarray subclass (np.matrix) is NotArrayLike, found without
    calling it, as is a list or tuple: an array function's result must be a plain array (a scalar function's a
    number or a NumPy scalar).

    The array is the runner's own copy, unless ``copy=False`` and ``value`` is an ndarray (a large result
    is judged in place). An ndarray or NumPy scalar of strings, objects or dates is NotArrayLike.
    """
    if isinstance(value, np.ndarray) and type(value) is not np.ndarray:  # np.matrix, a masked or a lying array
        raise NotArrayLike(
            f"not array-like: returned {type(value).__name__}, an ndarray subclass, where a plain numpy.ndarray "
            "is expected (np.asarray(result) gives one)"
        )
    if isinstance(value, np.ndarray | np.generic):
        plain = np.ndarray.view(value, np.ndarray) if isinstance(value, np.ndarray) else value
        arr = np.array(plain, subok=False) if copy else np.asarray(plain)
        if arr.dtype.kind not in KIND_NAMES:
            raise NotArrayLike(f"not array-like: returned {type(value).__name__} holding {arr.dtype} values")
        return arr
    if isinstance(value, bool | int | float):
        return np.array(value)
    if isinstance(value, list | tuple):  # as the course's own checks refuse it: `result * 2` would repeat it
        raise NotArrayLike(f"not array-like: returned {type(value).__name__} where a NumPy array is expected")
    if hasattr(type(value), "__array__") or hasattr(type(value), "__array_interface__"):
        try:
            arr = np.asarray(value)
        except Exception as exc:  # the target's own conversion failed
            raise NotArrayLike(f"{type(value).__name__} could not be converted to an array: {exc}") from None
        arr = np.array(np.ndarray.view(arr, np.ndarray), copy=True)
    else:
        raise NotArrayLike(f"not array-like: returned {type(value).__name__}")
    if arr.dtype.kind not in NUMERIC_KINDS:
        raise NotArrayLike(f"not array-like: returned {type(value).__name__} holding {arr.dtype} values")
    return arr


def expected_array(value: Any) -> np.ndarray:
    """An expected value (Python scalar, NumPy scalar, ndarray) as an ndarray of its dtype."""
    return np.asarray(value)


def judge(case: Case, got: Any, options: Options = DEFAULTS) -> Verdict:
    """Judge a returned value against the case's expected value, or any of its acceptable ones."""
    if case.raises:
        return Verdict(
            Outcome.FAILED, f"returned a result where {case.raises} must be raised", failure=Failure.NO_RAISE
        )
    if got is None:
        return Verdict(Outcome.FAILED, "returned None", failure=Failure.RETURNED_NONE)
    if isinstance(case.expected, FromReference):
        return judge_generated(case, got, options)
    try:
        arr = to_plain_array(got)
    except NotArrayLike as exc:
        return Verdict(Outcome.FAILED, str(exc), failure=Failure.NOT_ARRAY)
    if case.expected_any:
        verdicts = [judge_values(case, arr, exp, options) for exp in case.expected_any if not isinstance(exp, Raises)]
        for v in verdicts:
            if v.outcome == Outcome.PASSED:
                return v
        first = verdicts[0]
        raising = [e.name for e in case.expected_any if isinstance(e, Raises)]
        alternatives = f"none of the {len(verdicts)} acceptable results matched" if len(verdicts) > 1 else ""
        if raising:
            alternatives += f"{'; ' if alternatives else ''}raising {' or '.join(raising)} is accepted too"
        message = f"{first.message} ({alternatives})"
        return Verdict(Outcome.FAILED, message, first.details, first.failure)
    return judge_values(case, arr, case.expected, options)


def judge_raised(case: Case, exc: BaseException) -> Verdict | None:
    """For a case that must (or may) raise: passed if ``exc`` is (a subclass of) a named class; None otherwise.

    A case with ``raises`` fails on any other exception; one whose ``expected_any`` accepts raising gives None for
    an exception it does not name, which the engine reports as an error like any other.
    """
    allowed = [case.raises] if case.raises else [e.name for e in case.expected_any or () if isinstance(e, Raises)]
    if not allowed:
        return None
    names = {cls.__name__ for cls in type(exc).__mro__}
    if any(name.rsplit(".", 1)[-1] in names for name in allowed):
        return Verdict(Outcome.PASSED, f"raised {type(exc).__name__}")
    if not case.raises:
        return None
    return Verdict(
        Outcome.FAILED,
        f"raised {type(exc).__name__} where {case.raises} is expected: {exc}",
        failure=Failure.WRONG_EXCEPTION,
    )


def judge_values(case: Case, got: np.ndarray, expected: Any, options: Options = DEFAULTS) -> Verdict:
    """Structural checks, then elementwise values within the case's tolerance."""
    exp = expected_array(expected)
    if got.shape != exp.shape:
        return shape_verdict(got.shape, exp.shape)
    got_kind, exp_kind = KIND_NAMES[got.dtype.kind], KIND_NAMES[exp.dtype.kind]
    if got_kind != exp_kind:
        message = f"dtype {got.dtype} ({got_kind}) where a {exp_kind} dtype ({exp.dtype}) is expected"
        return Verdict(Outcome.FAILED, message, failure=Failure.DTYPE_KIND)
    if got.dtype != exp.dtype and (options.strict_dtype or dtype_stated(case.function)):
        why = f"the contract of {case.function}" if dtype_stated(case.function) else "--strict-dtype"
        return Verdict(
            Outcome.FAILED, f"dtype {got.dtype} where {exp.dtype} is expected ({why})", failure=Failure.DTYPE
        )
    if exp.dtype.kind != "f":
        if np.array_equal(got, exp):
            return Verdict(Outcome.PASSED)
        diff = np.argwhere(got != exp)
        idx = tuple(int(i) for i in diff[0]) if diff.size else ()
        err = np.abs(got.astype(np.float64) - exp.astype(np.float64))
        details = _details(case, got, exp, err, idx, exp.dtype, got != exp)
        return Verdict(Outcome.FAILED, f"{len(diff)} of {exp.size} values differ", details, Failure.VALUE)
    if got.dtype.itemsize > exp.dtype.itemsize:  # where a wider float dtype is acceptable, judged rounded to exp's
        with np.errstate(over="ignore"):
            got = got.astype(exp.dtype)
    prepared = prepared_for(case, expected, exp, options.override())
    if prepared.finite:
        with np.errstate(all="ignore"):
            if (np.abs(np.subtract(got, prepared.exp, dtype=np.float64)) <= prepared.allow).all():
                return Verdict(Outcome.PASSED)
    return _judge_floats(case, got, prepared)


def dtype_stated(function: str) -> bool:
    """Whether the function's contract states its result's dtype, so that the dtype is part of every verdict: all
    but a Python-float function, whose result only has to be a real number (``--strict-dtype`` asks float64)."""
    known = FUNCTIONS.get(function)
    return known is not None and known.dtype != "python-float"


def shape_verdict(got: tuple[int, ...], expected: tuple[int, ...]) -> Verdict:
    """The failing verdict for a result of the wrong shape."""
    return Verdict(Outcome.FAILED, f"shape {got} where {expected} is expected", failure=Failure.SHAPE)


def _judge_floats(case: Case, got: np.ndarray, prepared: Prepared) -> Verdict:
    """Compare float results: NaN only where NaN is expected, infinities exactly, the rest by tolerance."""
    g = got.astype(np.float64)
    e, dtype, tol, allow = prepared.exp, prepared.dtype, prepared.tol, prepared.allow
    g_nan, e_nan = np.isnan(g), np.isnan(e)
    bad_nan = g_nan != e_nan
    e_inf = np.isinf(e)
    finite = ~e_nan & ~e_inf
    with np.errstate(all="ignore"):
        err = np.where(finite & ~g_nan, np.abs(g - e), np.where(bad_nan | (e_inf & (g != e)), np.inf, 0.0))
        flushed = subnormal(e, dtype) & (g == 0)
        within = (err <= allow) & ~flushed
        if case.flush_subnormal:
            within |= flush_allowed(e, g, dtype)
    ok = ~bad_nan & np.where(e_inf, g == e, within | e_nan)
    if case.signed_zero:
        ok &= ~((e == 0) & (g == 0) & (np.signbit(e) != np.signbit(g)))
    if ok.all():
        return Verdict(Outcome.PASSED)
    with np.errstate(all="ignore"):  # the runner's own arithmetic on wild values warns nobody
        badness = np.where(ok, -1.0, np.where(allow > 0, err / allow, np.inf))
    worst = np.unravel_index(int(np.argmax(badness)), e.shape) if e.ndim else ()
    idx = tuple(int(i) for i in worst)
    count = int((~ok).sum())
    details = _details(case, g, e, np.where(finite & ~g_nan, err, np.nan), idx, dtype, ~ok)
    details["tolerance"] = tol.describe()
    if bad_nan[idx] and g_nan[idx]:
        failure, why = Failure.NAN, "NaN where a number is expected"
    elif bad_nan[idx]:
        failure, why = Failure.NOT_NAN, "a number where NaN is expected"
    elif e_inf[idx]:
        failure, why = Failure.INF, f"{number(g[idx])} where {number(e[idx])} is expected"
    elif flushed[idx]:
        failure, why = Failure.FLUSHED, f"0 where the exact result is the subnormal {number(e[idx])} (flushed to zero)"
    elif case.signed_zero and e[idx] == 0 and g[idx] == 0:
        failure, why = (
            Failure.SIGNED_ZERO,
            f"zero of the wrong sign ({number(g[idx])} where {number(e[idx])} is expected)",
        )
    else:
        failure, why = Failure.VALUE, f"error {err[idx]:.3g} exceeds the allowed {allow[idx]:.3g} ({tol.describe()})"
    where = f" at index {list(idx)}" if e.ndim else ""
    return Verdict(Outcome.FAILED, f"{count} of {e.size} values off{where}: {why}", details, failure)


def _details(
    case: Case,
    got: np.ndarray,
    exp: np.ndarray,
    err: np.ndarray,
    idx: tuple[int, ...],
    dtype: np.dtype,
    bad: np.ndarray,
) -> dict[str, Any]:
    """Error figures for a failing comparison, over the values that fail (``bad``) as NumPy's assert_allclose
    gives them: how many fail, their largest abs and rel errors, and their largest error in ULP where that means
    something (``ulp_figure``); then the worst element."""
    out: dict[str, Any] = {"index": list(idx), "got": _item(got[idx]), "expected": _item(exp[idx])}
    bad = np.broadcast_to(bad, exp.shape)
    out["failing_values"], out["values"] = int(bad.sum()), int(exp.size)
    measured = bad & np.isfinite(err)
    if measured.any():
        e = exp.astype(np.float64)
        with np.errstate(all="ignore"):  # the runner's own arithmetic on wild values warns nobody
            rel = np.where(measured & (e != 0), err / np.abs(e), np.nan)
        out["max_abs_error"] = float(np.max(err[measured]))
        out["max_rel_error"] = float(np.nanmax(rel)) if np.isfinite(rel).any() else None
        out["max_ulp_error"] = ulp_figure(got, exp, bad, dtype)
    first = case.args[0] if case.args else None
    if isinstance(first, np.ndarray) and first.shape == exp.shape and exp.ndim:
        out["input"] = _item(first[idx])
    elif first is not None and np.ndim(first) == 0:
        out["input"] = _item(first)
    return out


MEANINGFUL_ULP = 2.0**20  # beyond this many ULPs the figure says only "far off": the relative error says it better


def ulp_figure(got: np.ndarray, exp: np.ndarray, bad: np.ndarray, dtype: np.dtype) -> float | None:
    """The largest error in ULP of the expected dtype among the failing values, or None where it means nothing:
    a non-float result, a failing value that is not finite, of the other sign than expected, or more than
    MEANINGFUL_ULP ULPs off (a value off by 0.6 is not usefully 6e17 ULPs off)."""
    if dtype.kind != "f" or not bad.any():
        return None
    g, e = got.astype(np.float64)[bad], exp.astype(np.float64)[bad]
    if not (np.isfinite(g).all() and np.isfinite(e).all()) or (np.signbit(g) != np.signbit(e)).any():
        return None
    worst = float(np.max(ulp_distance(g, e, dtype)))
    return worst if worst < MEANINGFUL_ULP else None


def _item(value: Any) -> Any:
    """A NumPy element as a plain Python number for reports."""
    return np.asarray(value).item()


def judge_generated(case: Case, got: Any, options: Options) -> Verdict:
    """Judge a result against the reference's on the case's generated inputs, a block at a time."""
    try:
        arr = to_plain_array(got, copy=False)
    except NotArrayLike as exc:
        return Verdict(Outcome.FAILED, str(exc), failure=Failure.NOT_ARRAY)
    plan = block_plan(case.function, case.args) or "whole"
    parts, shape = blocks(plan, FUNCTIONS[case.function].impl, case.args)
    if arr.shape != shape:
        return shape_verdict(arr.shape, shape)
    if plan != "rows":
        arr = np.ascontiguousarray(arr).reshape(-1)
    for block in parts:
        exp = np.asarray(block.expected)
        verdict = judge_values(replace(case, args=block.args), arr[block.where].reshape(exp.shape), exp, options)
        if verdict.outcome != Outcome.PASSED:
            return _relocated(verdict, block.where, plan, shape)
    return Verdict(Outcome.PASSED)


def _relocated(verdict: Verdict, where: slice, plan: str, shape: tuple[int, ...]) -> Verdict:
    """A block's failing verdict with the worst element's index given in the whole result."""
    local = verdict.details.get("index")
    if not local or not shape:
        return verdict
    if plan == "rows":
        index = [where.start + local[0], *local[1:]]
    else:  # blocks of the flattened result
        index = [int(i) for i in np.unravel_index(where.start + local[0], shape)]
    d = verdict.details
    tolerance = f" ({d['tolerance']})" if "tolerance" in d else ""
    message = (
        f"{FAILURES[verdict.failure]} at index {index}: got {number(d['got'])} where {number(d['expected'])} is expected"
        f"{tolerance}; judged block by block, this is the first bad block"
    )
    return Verdict(Outcome.FAILED, message, {**d, "index": index}, verdict.failure)
