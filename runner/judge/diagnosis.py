"""Evidence for a failing case: which typical mistake reproduces what the target did, else what was observed.

Runs only for a case that failed or errored, in the grader's process, on the grader's own copy of the inputs.
Each mistake the catalogue declares for the function is evaluated on the case's inputs (in their own dtypes)
and compared with the target's result, within the case's tolerance (same shape, kind of dtype, NaN places;
the exact dtype where the dtype failed), or with the exception it raised (same class name and message). A
mistake that would itself pass the case, or that does what the course's own formula does there (the
catalogue's ``textbook``: the TypeError of ``-x`` on bools, unsigned differences that wrap), explains nothing.
The names of the mistakes that match go in ``details["explained_by"]``; what the wrong values show goes in
``details["observed"]``: which inputs give them (``wrong for x < 0``, ``wrong only where |x| >= 800``), NaN
where a number belongs, and exp overflow only where the target gave inf or NaN for inputs beyond exp's
range. dlconform.judge.hints words both for students, naming a mistake only where it explains most of the
function's failing cases.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
from dlconform.catalogue import FUNCTIONS, Function, Mistake
from dlconform.format.large import FromReference, Generated
from dlconform.format.model import Case, Raises, fresh_inputs
from dlconform.format.tolerance import allowed_error
from dlconform.judge.compare import NotArrayLike, to_plain_array
from dlconform.results import FAILING, CaseResult, Failure
from dlconform.text import one_line

LARGEST = 100_000  # elements of input beyond which a case is not re-evaluated (large cases only time and stress)
OVERFLOW_AT = {"float16": 11.0, "float32": 88.0, "float64": 709.0}  # |x| beyond which exp(x) overflows
SLACK = 4  # ULP of the mistake's own dtype allowed on top of the case's tolerance (another order of operations)


def explained(result: CaseResult, case: Case, returned: Any = None, raised: BaseException | None = None) -> CaseResult:
    """``result`` with its evidence added to its details when it failed or errored (unchanged otherwise)."""
    if result.outcome not in FAILING or result.failure in (Failure.MUTATED_INPUT, Failure.RETURNED_NONE):
        return result
    found = evidence(case, result.failure, returned, raised)
    return replace(result, details={**result.details, **found}) if found else result


def evidence(case: Case, failure: str, returned: Any = None, raised: BaseException | None = None) -> dict[str, Any]:
    """``explained_by``: the names of the catalogue's mistakes that reproduce the result (empty: none does), and
    ``observed`` where the wrong values show a pattern."""
    spec = FUNCTIONS.get(case.function)
    if spec is None or _too_large(case):
        return {}
    got = None
    if raised is None:
        try:
            got = to_plain_array(returned)
        except NotArrayLike:
            return {}
    overflows: list[str] = []  # NumPy's overflow reports while a formula runs (its own: nobody else's)
    quiet = np.errstate(divide="ignore", invalid="ignore", under="ignore", over="call", call=_told(overflows))
    with quiet, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        textbook = _evaluate(spec.textbook, case, overflows)[0] if spec.textbook is not None else None
        found = [m.name for m in spec.mistakes if _reproduces(m, case, failure, got, raised, textbook, overflows)]
    out: dict[str, Any] = {"explained_by": found}
    seen = observed(spec, case, got) if got is not None and failure in ("value", "nan", "inf", "not-nan") else None
    return {**out, "observed": seen} if seen else out


def mistake_named(function: str, name: str) -> Mistake | None:
    """The catalogue's mistake of ``function`` called ``name``."""
    spec = FUNCTIONS.get(function)
    return next((m for m in spec.mistakes if m.name == name), None) if spec is not None else None


def _too_large(case: Case) -> bool:
    """Whether the case's inputs are generated or large: re-evaluating mistakes there costs more than it tells."""
    if isinstance(case.expected, FromReference) or any(isinstance(a, Generated) for a in case.args):
        return True
    return sum(int(np.size(a)) for a in case.args) > LARGEST


def _reproduces(
    mistake: Mistake,
    case: Case,
    failure: str,
    got: np.ndarray | None,
    raised: BaseException | None,
    textbook: Any,
    overflows: list[str],
) -> bool:
    """Whether the mistake, evaluated on the case's inputs, does what the target did, and what the course's own
    formula does not (a mistake beyond the contract is a textbook formula: it need not differ from it)."""
    outcome, overflowed = _evaluate(mistake.formula, case, overflows)
    if not _same(case, outcome, raised if raised is not None else got, exact_dtype=failure in ("dtype", "dtype-kind")):
        return False
    if not mistake.beyond and textbook is not None and _same(case, outcome, textbook, exact_dtype=True):
        return False
    if got is None:
        return True
    if _passes(case, outcome):
        return False
    return not mistake.overflow or overflowed or bool(_nonfinite(case, got).any())


def _passes(case: Case, outcome: Any) -> bool:
    """Whether ``outcome`` equals one of the case's acceptable values within its tolerance (a mistake that
    passes the case explains no failure)."""
    accepted = [case.expected] if not case.expected_any else [e for e in case.expected_any if not isinstance(e, Raises)]
    return any(_same(case, outcome, np.asarray(e), exact_dtype=False) for e in accepted if e is not None)


def _same(case: Case, one: Any, other: Any, exact_dtype: bool) -> bool:
    """Whether two outcomes agree: exceptions of one class name and message, or arrays of one shape and kind of
    dtype (one dtype when ``exact_dtype``) with values equal within the case's tolerance."""
    if isinstance(one, BaseException) or isinstance(other, BaseException):
        both = isinstance(one, BaseException) and isinstance(other, BaseException)
        return both and type(one).__name__ == type(other).__name__ and one_line(one) == one_line(other)
    if not isinstance(one, np.ndarray) or not isinstance(other, np.ndarray):
        return False
    if one.shape != other.shape or _kind(one) != _kind(other) or (exact_dtype and one.dtype != other.dtype):
        return False
    return _close(case, other, one)


def _told(into: list[str]) -> Callable[[str, int], None]:
    """A NumPy error callback that notes each report (``np.errstate(call=...)``)."""
    return lambda kind, flag: into.append(kind)


def _evaluate(
    formula: Callable[..., Any], case: Case, overflows: list[str]
) -> tuple[np.ndarray | BaseException | None, bool]:
    """The formula's result on fresh copies of the case's inputs (a plain array), or the exception it raised; and
    whether NumPy reported an overflow (into ``overflows``, by the caller's ``np.errstate``) on the way."""
    overflows.clear()
    try:
        value = formula(*fresh_inputs(case.args))
    except Exception as exc:
        return exc, False
    try:
        return to_plain_array(value), bool(overflows)
    except NotArrayLike:
        return None, bool(overflows)


def _kind(arr: np.ndarray) -> str:
    """float, or integer for integers and bools (a sum of bools is an integer)."""
    return "float" if arr.dtype.kind in "fc" else "integer"


def _close(case: Case, got: np.ndarray, reference: np.ndarray) -> bool:
    """Whether ``got`` equals ``reference`` within the case's tolerance (plus SLACK ULP): NaN where it has NaN,
    the same infinities, integers exactly."""
    if _kind(got) == "integer" and _kind(reference) == "integer":
        return bool(np.array_equal(got, reference))
    g, r = got.astype(np.float64), reference.astype(np.float64)
    if np.array_equal(g, r, equal_nan=True):  # the same formula gives the same bits: no tolerance to work out
        return True
    return bool(_agrees(case, g, r, reference.dtype).all())


def _agrees(case: Case, g: np.ndarray, r: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Per element: whether ``g`` equals ``r`` within the case's tolerance for ``dtype`` (floats as float64)."""
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
    with np.errstate(all="ignore"):
        try:
            allow = allowed_error(r, case.tolerance_for(dtype), case.accuracy, case.args, dtype)
        except ValueError:  # a rule that scales by the inputs' own shape, on a result of another shape
            allow = np.zeros(r.shape)
        allow = np.maximum(allow, SLACK * float(np.finfo(dtype).eps) * np.abs(r))
        finite = np.isfinite(g) & np.isfinite(r)
        return np.where(finite, np.abs(g - r) <= allow, (g == r) | (np.isnan(g) & np.isnan(r)))


def _expected(case: Case) -> np.ndarray | None:
    """The case's expected value (its first acceptable one), as float64; None for a case that must raise."""
    value = case.expected
    if case.expected_any:
        value = next((e for e in case.expected_any if not isinstance(e, Raises)), None)
    if value is None or case.raises:
        return None
    arr = np.asarray(value)
    return arr.astype(np.float64) if arr.dtype.kind in "biuf" else None


def _nonfinite(case: Case, got: np.ndarray) -> np.ndarray:
    """Per element: inf or NaN returned where a number belongs."""
    exp = _expected(case)
    if exp is None or exp.shape != got.shape:
        return np.zeros(0, dtype=bool)
    with np.errstate(invalid="ignore"):
        return ~np.isfinite(got.astype(np.float64)) & np.isfinite(exp)


def observed(spec: Function, case: Case, got: np.ndarray) -> str | None:
    """What the wrong values show, for a function of one array argument: which inputs give them (``wrong for
    x < 0``, ``wrong only where |x| >= 800``, rows holding inf or NaN), and NaN where a number belongs."""
    exp = _expected(case)
    if (
        exp is None
        or exp.shape != got.shape
        or len(case.args) != 1
        or spec.kind not in ("scalar", "elementwise", "rowwise")
    ):
        return None
    x = np.asarray(case.args[0])
    if x.shape != got.shape or x.dtype.kind not in "biuf" or x.size == 0:
        return None
    dtype = np.asarray(case.expected if case.expected is not None else exp).dtype
    wrong = ~_agrees(case, got.astype(np.float64), exp, dtype)
    xs = x.astype(np.float64)
    rows = spec.kind == "rowwise" and x.ndim >= 1
    if rows:  # a row is wrong or right as a whole; its largest |x| stands for it
        wrong = np.asarray(wrong.any(axis=-1))
        with np.errstate(invalid="ignore"):
            special = ~np.isfinite(xs).all(axis=-1)
            xs = np.max(np.where(np.isfinite(xs), np.abs(xs), 0.0), axis=-1, initial=0.0)
        xs = np.where(special, np.nan, xs)
    name = spec.params[0]
    region = _region(xs.reshape(-1), wrong.reshape(-1), name, rows)
    if not _nonfinite(case, got).any():
        return f"It is {region}." if region else None
    g = got.astype(np.float64)
    what = "NaN" if np.isnan(g[np.isfinite(exp)]).any() else "inf"
    line = f"It returns {what} where a number belongs" + (f", {region}" if region else "")
    computed = x.dtype.name if x.dtype.name in OVERFLOW_AT else "float64"
    finite_x = np.abs(x.astype(np.float64)[np.isfinite(x.astype(np.float64))])
    if spec.uses_exp and finite_x.size and float(np.max(finite_x)) > OVERFLOW_AT[computed]:
        line += (
            f": exp overflows to inf beyond {OVERFLOW_AT[computed]:g} in {computed}; rewrite so that exp only "
            "sees numbers <= 0 (subtract the maximum, or use exp(-|x|))"
        )
    return line + "."


def _region(x: np.ndarray, wrong: np.ndarray, name: str, rows: bool) -> str | None:
    """The simplest statement of which inputs give wrong results, when one fits them exactly (every input it names
    is wrong, every other one right, some of those nonzero); None when none fits."""
    right = ~wrong
    if not wrong.any() or not right.any():
        return None
    what = f"in rows whose largest |{name}|" if rows else f"where |{name}|"
    special = np.isnan(x) | np.isinf(x)
    if rows:
        if (wrong == special).all():
            return "wrong only in rows holding inf or NaN (right in the others)"
    elif (wrong == special).all():
        return f"wrong only where {name} is inf or NaN (right for finite {name})"
    finite = ~special
    if (wrong & special).any() or not finite[wrong].all():
        return None
    with np.errstate(invalid="ignore"):
        low = float(np.min(np.abs(x[wrong])))
        candidates = [(f"wrong only {what} >= {low:g}", np.abs(x) >= low)]
        if not rows:  # a row stands for its largest |x|: no sign
            candidates = [
                (f"wrong for {name} < 0 (right for {name} >= 0)", x < 0),
                (f"wrong for {name} > 0 (right for {name} <= 0)", x > 0),
                *candidates,
                (f"wrong only for {name} <= {-low:g}", x <= -low),
                (f"wrong only for {name} >= {low:g}", x >= low),
            ]
    for text, region in candidates:
        kept = np.abs(x[right & finite & ~region])
        if ((wrong == region) | special).all() and not (region & special).any() and kept.any():
            return text + (f" (right up to {float(np.max(kept)):g})" if "|" in text else "")
    return None
