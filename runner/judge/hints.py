"""Feedback a student can act on: one hint per failing case, from evidence, and one per function at the top.

A known mistake that reproduces what the target did (dlconform.judge.diagnosis evaluates the catalogue's
mistakes on the case's inputs) is stated as a diagnosis: "your result equals `np.sum(np.abs(y - yhat))`: that
is L1; ...". Without one, the hint says only what was observed (which inputs go wrong, the wrong shape, the
line that raised), or what the failure code itself says (None returned, an input changed in place).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
from dlconform.catalogue import FUNCTIONS, Mistake
from dlconform.format.model import Case
from dlconform.judge.diagnosis import mistake_named
from dlconform.results import BROKE, FAILING, CaseResult, Level, Outcome, Report

SHAPE = re.compile(r"shape (\(.*?\)) where (\(.*?\)) is expected")


def hint(result: CaseResult, case: Case, evidence: Sequence[CaseResult] = ()) -> str | None:
    """The hint for a failed or errored result: a diagnosed mistake, else what was observed; None when the
    evidence says nothing a student could act on. ``evidence``: the function's failing results (``diagnosed``
    weighs them; without them, this case alone)."""
    code = result.failure
    if result.outcome not in FAILING:
        return None
    mistake = diagnosed(case.function, result, evidence or (result,))
    if mistake is not None:
        return mistake.raised_hint if code.startswith("raised:") or code == "wrong-exception" else mistake.hint
    if code.startswith("raised:"):
        return _raised(code.split(":", 1)[1], result.details.get("raised_at"), case, result.message)
    if result.details.get("observed"):
        return str(result.details["observed"])
    if code == "shape":
        return _shape(result.message, case)
    fixed = {
        "returned-none": "It returns None: it computes a value but never returns it (add `return ...`).",
        "not-array": "Return a NumPy array or NumPy number (for example the result of np.exp or np.sum), "
        "not a list, string or other object.",
        "dtype-kind": _dtype_kind(result, case),
        "dtype": _dtype(result, case),
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


def diagnosed(function: str, result: CaseResult, evidence: Sequence[CaseResult]) -> Mistake | None:
    """The mistake that explains ``result``: of those that reproduce it, one that also reproduces at least half of
    the function's failing results (those inside the contract, where any are), the one reproducing most (then a
    textbook formula, one beyond the contract, then the catalogue's order); None where no such one exists.

    One formula is what the student wrote: a mistake that reproduces a case (0 for 1e-300, the TypeError of ``-x``
    on bools) but not most of the others is a coincidence, not a diagnosis."""
    spec = FUNCTIONS.get(function)
    found = [m for m in (mistake_named(function, n) for n in result.details.get("explained_by") or ()) if m]
    if spec is None or not found:
        return None
    weighed = [r for r in evidence if "explained_by" in r.details]
    weighed = [r for r in weighed if r.level == Level.INSIDE] or weighed
    count = Counter(n for r in weighed for n in r.details["explained_by"])
    order = {m.name: i for i, m in enumerate(spec.mistakes)}
    kept = [m for m in found if 2 * count[m.name] >= len(weighed)]
    return min(kept, key=lambda m: (-count[m.name], not m.beyond, order[m.name]), default=None)


def function_hint(results: Iterable[CaseResult]) -> str | None:
    """The hint most of a function's failing results agree on (the first of equals), those inside the contract
    first, shown once at the top; None when none has one."""
    hinted = [r for r in results if r.outcome in FAILING and r.details.get("hint")]
    inside = [r for r in hinted if r.level == Level.INSIDE] or hinted
    counted = Counter(str(r.details["hint"]) for r in inside)
    return counted.most_common(1)[0][0] if counted else None


def with_hints(report: Report, cases: Iterable[Case]) -> Report:
    """A new report whose failed or errored results carry their hint, if any, in ``details["hint"]``; the report
    itself when nothing failed (no pass over the cases)."""
    if not any(r.outcome in FAILING for r in report.results):
        return report
    by_key = {c.key: c for c in cases}
    passed = {r.key for r in report.results if r.outcome == Outcome.PASSED}
    failing: dict[str, list[CaseResult]] = {}
    for r in report.results:
        if r.outcome in FAILING:
            failing.setdefault(r.function, []).append(r)
    return replace(
        report, results=[_hinted(r, by_key.get(r.key), passed, failing.get(r.function, [])) for r in report.results]
    )


def _hinted(result: CaseResult, case: Case | None, passed: set[str], evidence: list[CaseResult]) -> CaseResult:
    """``result`` with its hint added, or ``result`` itself when it has none."""
    text = None
    if case is not None and result.outcome in FAILING:
        stored = case.key.rsplit("@", 1)[0]
        right_as_stored = case.layout is not None and stored in passed
        text = _layout(case.layout) if right_as_stored else hint(result, case, evidence)
    return replace(result, details={**result.details, "hint": text}) if text else result


def _layout(layout: str | None) -> str:
    """A hint for a layout variant that fails where its case, with C-ordered inputs, passes."""
    if layout == "0d":
        return "Right for a number but not for a 0-d array holding it: treat it as an array (np.asarray)."
    return (
        f"Right for C-ordered inputs but not for the same values in {layout} layout: do not depend on memory "
        "order (reshape or ravel with order='A' or 'K', .data, strides); reshape in C order, x.reshape(-1, 1)."
    )


FLOAT_OVERFLOW = re.compile(r"math range error|Numerical result out of range")  # Python's float overflow


def _raised(name: str, where: str | None, case: Case, message: str = "") -> str:
    """A hint for an exception the submission raised (or a timeout or crash of its worker); an overflow is named as
    a float's only where the message is Python's float overflow (math range error), not an integer's."""
    at = f" at {where}" if where else ""
    special = {
        "CallTimeout": "It did not finish within the time limit: look for an infinite loop, or a Python loop "
        "over many elements where a NumPy expression would do.",
        "WorkerCrash": "It ended the process running it (os._exit, a crash in native code, or too much memory).",
        "MemoryError": "It tried to use more memory than allowed: avoid building huge intermediate arrays.",
        "_ArrayMemoryError": "It tried to use more memory than allowed: avoid building huge intermediate arrays.",
        "EOFError": "It reads input(): graded functions must not ask for input.",
        "SystemExit": "It calls sys.exit() (or exit()): a function must return its result instead.",
        "BdbQuit": f"A breakpoint() or pdb.set_trace() left in your code stopped it{at} (where the debugger "
        "stopped: the breakpoint's line, or the line after it before Python 3.13): remove it, nobody answers the "
        "debugger while it is graded.",
    }
    if name == "WorkerCrash" and BROKE in message:  # not a crash: what came back was not the call's reply
        return (
            "The process running it sent the grader something other than a call's reply, so its calls could not be "
            "judged: a graded function only returns its result."
        )
    if name == "OverflowError" and FLOAT_OVERFLOW.search(message):
        return (
            f"A Python float overflowed{at} (math.exp does above 709): NumPy's np.exp gives inf instead of raising, "
            "and a form where exp only sees numbers <= 0 gives no inf at all."
        )
    if name in special:
        return special[name]
    if name in ("AxisError", "IndexError") and _kind(case) == "rowwise" and any(np.ndim(a) < 2 for a in case.args):
        return (
            f"It raised {name}{at} on a {np.ndim(case.args[0])}-D input: code that assumes 2-D arrays (axis=1, "
            "shape[1]) fails there, where axis=-1 works for any number of dimensions."
        )
    return f"It raised {name}{at} on this input: run the repro line to see the whole traceback."


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


def _dtype(result: CaseResult, case: Case) -> str:
    """A hint for a float result of the wrong width, from what was observed: narrower or wider than the contract's."""
    found = re.match(r"dtype (\w+) where (\w+) is expected", result.message)
    if not found:
        return f"The result's dtype is not the one the contract of {case.function} gives."
    got, want = np.dtype(found.group(1)), np.dtype(found.group(2))
    if got.itemsize < want.itemsize:
        inputs = {a.dtype.kind for a in case.args if isinstance(a, np.ndarray | np.generic)}
        source = " (NumPy computes small integer and bool inputs in float16 or float32)" if inputs & set("biu") else ""
        return (
            f"The result is {got} where {want} is expected{source}: the contract asks {want} here, so convert "
            f"such inputs with np.asarray(x, dtype=np.{want}) before computing."
        )
    return (
        f"The result is {got} where {want} is expected: something widened it (a conversion to float64, a "
        f"np.float64 constant, or Python's math module); {want} inputs stay {want}."
    )


def _dtype_kind(result: CaseResult, case: Case) -> str:
    """A hint for integers where floats belong, or the other way round (or anything but bool where bool belongs)."""
    if "bool dtype" in result.message:
        return f"{case.function} keeps its input's dtype, bool included: a zero of that dtype keeps it (np.maximum(x, False))."
    if "integer dtype" in result.message and "(float)" in result.message:
        return f"{case.function} keeps integer inputs integer: don't mix in floats (0.0, true division)."
    return "It returns integers where floats are expected: integer inputs must give float results (use true division, or convert with .astype(float))."
