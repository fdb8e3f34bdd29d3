"""Run cases against a target's callables: fresh inputs, one call, a verdict per case.

The engine knows nothing of where a callable comes from (a file, a library
binding, an isolated worker): a ``Resolver`` maps a canonical function name to a
callable, or to an ``Unavailable`` saying why there is none.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from dlconform.format.large import Generated, unchanged
from dlconform.format.model import Case, fresh_inputs
from dlconform.format.repro import repro
from dlconform.judge.compare import DEFAULTS, Options, Verdict, judge, judge_raised
from dlconform.judge.diagnosis import explained
from dlconform.judge.raised import raised_at
from dlconform.results import FAILING, CaseResult, Failure, Fault, Outcome, raised_code
from dlconform.targets.resolver import GraderFault, Resolver, Unavailable, Unsupported
from dlconform.text import one_line


def _same(before: Any, after: Any) -> bool:
    """Whether an input is bit-for-bit what it was (NaN equal to NaN, -0.0 distinct from 0.0)."""
    if not isinstance(after, np.ndarray):
        return True
    if isinstance(before, Generated):
        return unchanged(before, after)
    a = np.asarray(before)
    return after.shape == a.shape and after.dtype == a.dtype and after.tobytes() == a.tobytes()


def mutation_message(case: Case, inputs: list[Any], params: tuple[str, ...]) -> str | None:
    """A message naming the first input the call changed in place, or None."""
    for i, (before, after) in enumerate(zip(case.args, inputs, strict=True)):
        if not _same(before, after):
            name = params[i] if i < len(params) else f"argument {i}"
            return f"modified its input {name} in place"
    return None


def run_case(case: Case, fn: Callable[..., Any], options: Options, params: tuple[str, ...] = ()) -> CaseResult:
    """Call ``fn`` on fresh copies of the case's inputs and judge what it did."""
    inputs = fresh_inputs(case.args, case.layout)
    start = time.perf_counter()
    try:
        got = fn(*inputs)
    except Unsupported as exc:
        return result(case, Outcome.SKIPPED, str(exc), failure=Failure.UNSUPPORTED)
    except (Exception, SystemExit) as exc:  # sys.exit in a target must not end the run with its code
        duration = _duration(fn, start)
        verdict, where = judge_raised(case, exc), raised_at(exc)
        if verdict is None:
            said = one_line(exc)
            message = f"raised {type(exc).__name__}{f' at {where}' if where else ''}{f': {said}' if said else ''}"
            fault = exc.fault if isinstance(exc, GraderFault) else None
            code = raised_code(type(exc).__name__)
            done = result(case, Outcome.ERROR, message, failure=code, duration=duration, fault=fault)
        else:
            done = result(case, verdict.outcome, verdict.message, verdict, duration)
        if where and done.outcome != Outcome.PASSED:
            done.details["raised_at"] = where
        return explained(done, case, raised=exc)
    duration = _duration(fn, start)
    mutated = mutation_message(case, inputs, params)
    if mutated:
        return result(case, Outcome.FAILED, mutated, failure=Failure.MUTATED_INPUT, duration=duration)
    verdict = judge(case, got, options)
    return explained(result(case, verdict.outcome, verdict.message, verdict, duration), case, returned=got)


def _duration(fn: Callable[..., Any], start: float) -> float:
    """The call's seconds: its own time where the target measured it (an isolated call, whose reply may have come
    with others), else the time since ``start``."""
    took = getattr(fn, "worker_seconds", None)  # dlconform.targets.isolate.target.RemoteFunction
    return took if isinstance(took, float) else time.perf_counter() - start


def result(
    case: Case,
    outcome: Outcome,
    message: str,
    verdict: Verdict | None = None,
    duration: float = 0.0,
    failure: str = "",
    fault: Fault | None = None,
) -> CaseResult:
    """A CaseResult for ``case``; the failure code comes from the verdict unless given.

    A failed or errored result carries a one-line Python repro of the call in ``details["repro"]``.
    """
    details = dict(verdict.details) if verdict else {}
    if outcome in FAILING:
        details["repro"] = repro(case)
    return CaseResult(
        function=case.function,
        id=case.id,
        tags=case.tags,
        outcome=outcome,
        message=message,
        failure=failure or (verdict.failure if verdict else ""),
        description=case.description,
        details=details,
        duration=duration,
        hidden=case.hidden,
        level=case.level,
        fault=fault,
    )


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run: the results so far, and the case whose call it interrupted."""

    def __init__(self, results: list[CaseResult], case: Case) -> None:
        super().__init__(f"interrupted while running {case.key}")
        self.results = results
        self.case = case


def run_cases(
    cases: Iterable[Case],
    resolve: Resolver,
    options: Options = DEFAULTS,
    *,
    maxfail: int | None = None,
    watch: Callable[[Case | None], None] | None = None,
) -> list[CaseResult]:
    """Run every case; a function the target lacks gives its Unavailable outcome for each of its cases.

    Stops after ``maxfail`` failed or errored cases; ``watch`` is told each case before its call and None
    after it (slow-call notices, warnings by case). Ctrl-C raises ``Interrupted`` with the results so far."""
    from dlconform.catalogue import FUNCTIONS

    found: dict[str, Callable[..., Any] | Unavailable] = {}
    out: list[CaseResult] = []
    bad = 0
    for case in cases:
        try:
            if watch is not None:
                watch(case)
            if case.function not in found:
                found[case.function] = resolve(case.function)
            fn = found[case.function]
            if isinstance(fn, Unavailable):
                done = result(case, fn.outcome, fn.reason, failure=fn.failure, fault=fn.fault)
            else:
                done = run_case(case, fn, options, FUNCTIONS[case.function].params)
        except KeyboardInterrupt:
            raise Interrupted(out, case) from None
        finally:
            if watch is not None:
                watch(None)
        out.append(done)
        bad += done.outcome in FAILING
        if maxfail is not None and bad >= maxfail:
            break
    return out
