"""Feedback a student can act on: one hint per failing case, tied to the likely mistake.

A hint is chosen from the verdict's failure code, the case's inputs and, for
wrong values, by recomputing the classic mistakes of the tutorial on the case's
inputs (softmax over the wrong axis, x * (1 - x) instead of s * (1 - s), a
Fortran-order reshape, ...) and seeing whether one of them explains the value
the submission returned at its worst element. The mistakes, and which functions
are row-wise, sums or prone to exp overflow, come from the function catalogue.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.format.model import Case
from dlconform.results import CaseResult, Report

SHAPE = re.compile(r"shape (\(.*?\)) where (\(.*?\)) is expected")
OVERFLOW_AT = {"float16": 11.0, "float32": 88.0, "float64": 709.0}  # |x| beyond which exp(x) overflows


def hint(result: CaseResult, case: Case) -> str | None:
    """The most specific hint for a failed or errored result, or None when nothing useful can be said."""
    code = result.failure
    if result.outcome not in ("failed", "error"):
        return None
    if code.startswith("raised:"):
        return _raised(code.split(":", 1)[1], result.message, case)
    if code == "shape":
        return _shape(result.message, case)
    if code in ("value", "nan", "inf", "not-nan"):
        return _values(result, case)
    fixed = {
        "returned-none": "It returns None: it computes a value but never returns it (add `return ...`).",
        "not-array": "Return a NumPy array or NumPy number (for example the result of np.exp or np.sum), "
        "not a list, string or other object.",
        "dtype-kind": _dtype_kind(result, case),
        "dtype": "Keep the dtype the contract gives: float16 and float32 inputs stay in their dtype (do not "
        "convert with np.asarray(x, dtype=float) or np.float64), relu keeps its input's dtype, and two "
        "inputs give the dtype NumPy promotes them to.",
        "signed-zero": "The sign of zero matters here: -0.0 must stay -0.0 (avoid abs, or adding 0.0).",
        "mutated-input": "It changes its argument in place (x[...] = ..., x /= ..., out=x): work on a copy, "
        "or use operations that return new arrays.",
        "no-raise": f"This input must be refused with {case.raises}: do not reshape, flatten or broadcast "
        "the inputs into agreement; NumPy raises it for you.",
        "wrong-exception": f"This input must raise {case.raises}.",
        "missing": f"Define a function named {case.function} at the top level of your file (names are case-sensitive).",
        "import-error": "Your file could not be imported, so nothing in it could be tested: fix the error "
        "shown (run `python yourfile.py`); the grader has no course helper modules or data files.",
    }
    return fixed.get(code)


def with_hints(report: Report, cases: Iterable[Case]) -> Report:
    """A new report whose failed or errored results carry their hint, if any, in ``details["hint"]``."""
    by_key = {c.key: c for c in cases}
    passed = {r.key for r in report.results if r.outcome == "passed"}
    return replace(report, results=[_hinted(r, by_key.get(r.key), passed) for r in report.results])


def _hinted(result: CaseResult, case: Case | None, passed: set[str]) -> CaseResult:
    """``result`` with its hint added, or ``result`` itself when it has none."""
    text = None
    if case is not None and result.outcome in ("failed", "error"):
        stored = case.key.rsplit("@", 1)[0]
        right_as_stored = case.layout is not None and stored in passed
        text = _layout(case.layout) if right_as_stored else hint(result, case)
    return replace(result, details={**result.details, "hint": text}) if text else result


def _layout(layout: str | None) -> str:
    """A hint for a layout variant that fails where its case, with C-ordered inputs, passes."""
    if layout == "0d":
        return "Right for a number but not for a 0-d array holding it: treat it as an array (np.asarray)."
    return (
        f"Right for C-ordered inputs but not for the same values in {layout} layout: do not depend on memory "
        "order (reshape or ravel with order='A' or 'K', .data, strides); reshape in C order, x.reshape(-1, 1)."
    )


def _raised(name: str, message: str, case: Case) -> str:
    """A hint for an exception the submission raised (or a timeout or crash of its worker)."""
    special = {
        "CallTimeout": "It did not finish within the time limit: look for an infinite loop, or a Python loop "
        "over many elements where a NumPy expression would do.",
        "WorkerCrash": "It ended the process running it (os._exit, a crash in native code, or too much memory).",
        "MemoryError": "It tried to use more memory than allowed: avoid building huge intermediate arrays.",
        "_ArrayMemoryError": "It tried to use more memory than allowed: avoid building huge intermediate arrays.",
        "EOFError": "It reads input(): graded functions must not ask for input.",
        "SystemExit": "It calls sys.exit() (or exit()): a function must return its result instead.",
        "OverflowError": "math.exp overflowed for a large input: avoid exp of large positive numbers.",
    }
    if name in special:
        return special[name]
    if name == "ValueError" and "broadcast" in message and _kind(case) == "rowwise":
        return "Shapes do not broadcast: keep the reduced axis (keepdims=True) so a row's value divides that row."
    if name in ("AxisError", "IndexError") and any(np.ndim(a) < 2 for a in case.args):
        return f"It raised {name} on a {np.ndim(case.args[0])}-D input: it assumes 2-D arrays (axis=1, shape[1]); use axis=-1 so any shape works."
    return f"It raised {name} on this input: call it on the same input to see the traceback."


def _shape(message: str, case: Case) -> str:
    """A hint for a wrong shape: flat where a column is needed, transposed, reduced, or rearranged."""
    match = SHAPE.search(message)
    if not match:
        return "Check the shape of what you return."
    got, exp = eval_shape(match.group(1)), eval_shape(match.group(2))
    if len(exp) == 2 and exp[1] == 1 and got == (exp[0],):
        return f"It returns a flat {got} vector where a column {exp} is needed: reshape with .reshape(-1, 1)."
    if len(got) == 2 and got[1] == 1 and exp == (got[0],):
        return f"It returns a column {got} where a flat {exp} vector is expected."
    if got == exp[::-1] and len(exp) == 2:
        return f"The result is transposed: {got} where {exp} is expected."
    if exp == () and got != ():
        how = ": sum over every element" if _kind(case) == "reduction" else ""
        return f"It returns an array of shape {got} where a single number is expected{how}."
    if _kind(case) == "rowwise" and len(got) < len(exp):
        return f"It reduced away an axis ({got} where {exp} is expected): use keepdims=True so the result broadcasts."
    if got == ():
        return f"It returns a single number where an array of shape {exp} is expected."
    if math.prod(got) == math.prod(exp):
        return f"Right number of elements, wrong arrangement: {got} where {exp} is expected."
    return f"Check the shape of what you return: {got} where {exp} is expected."


def _kind(case: Case) -> str | None:
    """The catalogue kind of the case's function (None for a name the catalogue lacks)."""
    spec = FUNCTIONS.get(case.function)
    return spec.kind if spec is not None else None


def eval_shape(text: str) -> tuple[int, ...]:
    """A shape tuple from its printed form ``(3, 1)``."""
    return tuple(int(n) for n in re.findall(r"\d+", text))


def _dtype_kind(result: CaseResult, case: Case) -> str:
    """A hint for integers where floats belong, or the other way round (or anything but bool where bool belongs);
    a known mistake that gives integers on these inputs (x * (1 - x) on an integer x) is named instead, as
    converting would not fix it."""
    if "bool dtype" in result.message:
        return f"{case.function} keeps its input's dtype, bool included: a zero of that dtype keeps it (np.maximum(x, False))."
    if "integer dtype" in result.message and "(float)" in result.message:
        return f"{case.function} keeps integer inputs integer: don't mix in floats (0.0, true division)."
    spec = FUNCTIONS.get(case.function)
    for mistake in spec.mistakes if spec is not None else ():
        if _gives_integers(mistake.formula, case):
            return mistake.hint
    return "It returns integers where floats are expected: integer inputs must give float results (use true division, or convert with .astype(float))."


def _gives_integers(mistake: Callable[..., Any], case: Case) -> bool:
    """Whether ``mistake`` applied to the case's inputs, in their own dtypes, returns integers."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = np.asarray(mistake(*[np.asarray(a) for a in case.args]))
    except (ValueError, TypeError, IndexError, ZeroDivisionError, np.exceptions.AxisError):
        return False
    return value.dtype.kind in "iu"


def _values(result: CaseResult, case: Case) -> str | None:
    """A hint for wrong values: overflow on large inputs, or a known mistake that reproduces the value."""
    arrays = [np.asarray(a) for a in case.args if np.asarray(a).dtype.kind in "iuf"]
    finite = [a[np.isfinite(a)] for a in arrays if a.size]
    largest = max((float(np.max(np.abs(a))) for a in finite if a.size), default=0.0)
    dtype = np.result_type(*arrays).name if arrays else "float64"
    spec = FUNCTIONS.get(case.function)
    if spec is not None and spec.uses_exp and largest > OVERFLOW_AT.get(dtype, 709.0):
        return (
            f"Inputs as large as {largest:g} make exp overflow ({dtype}): rewrite so that exp only sees "
            "non-positive numbers (subtract the maximum, or use exp(-|x|))."
        )
    if any(a.dtype.kind == "f" and not np.isfinite(a).all() for a in arrays):
        return "The input holds inf or NaN here: follow the contract for special values (see vectors/README.md)."
    if spec is not None and spec.squares and arrays and _squares_leave_range(arrays[0], dtype):
        return (
            "Rows this large or this small make sqrt(sum(x**2)) overflow to inf or underflow to 0 (np.linalg.norm "
            "too): divide each row by its largest |x| first, then take the norm."
        )
    got = result.details.get("got")
    for mistake in spec.mistakes if spec is not None else ():
        if _explains(mistake.formula, case, result.details.get("index") or [], got):
            return mistake.hint
    if "stability" in case.tags:
        return "A numerical-stability case: the textbook formula loses accuracy here; use a form that avoids cancellation and overflow."
    return None


def _squares_leave_range(rows: np.ndarray, dtype: str) -> bool:
    """Whether some row's largest finite |x| squares beyond the dtype's finite range, or below its smallest normal."""
    if rows.ndim == 0 or rows.size == 0:
        return False
    info = np.finfo(dtype if dtype in OVERFLOW_AT else "float64")
    with np.errstate(invalid="ignore"):
        biggest = np.max(np.where(np.isfinite(rows), np.abs(rows.astype(np.float64)), 0.0), axis=-1)
    return bool(
        (biggest > np.sqrt(float(info.max))).any() or ((biggest > 0) & (biggest < np.sqrt(float(info.tiny)))).any()
    )


def _explains(mistake: Callable[..., Any], case: Case, index: list[int], got: Any) -> bool:
    """Whether ``mistake`` applied to the case's inputs gives ``got`` at ``index``."""
    if not isinstance(got, int | float) or isinstance(got, bool):
        return False
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():  # the hint's own arithmetic: nobody's warning
            warnings.simplefilter("ignore")
            value = np.asarray(mistake(*[np.asarray(a, dtype=np.float64) for a in case.args]), dtype=np.float64)
        wrong = float(value[tuple(index)]) if value.ndim else float(value)
    except (ValueError, TypeError, IndexError, ZeroDivisionError, np.exceptions.AxisError):
        return False
    return math.isclose(wrong, float(got), rel_tol=1e-6, abs_tol=1e-12)
