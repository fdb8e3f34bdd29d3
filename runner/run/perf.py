"""``dlconform run --perf``: time each function of the target against the reference on a large input.

The tutorial is about vectorising with NumPy; a function that loops over
elements in Python is correct but typically hundreds of times slower than the
reference. Each function is timed on its smallest ``large`` case of the suite
(generated inputs, see dlconform/format/large.py), reference and target in the same
process, each call on fresh inputs; the ratio is the best target time over the
best reference time. Ratios above ``FLAG_RATIO`` are flagged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from dlconform.format.large import LARGE_TAG, Generated
from dlconform.format.model import Case, fresh_inputs
from dlconform.results import PerfResult, Report
from dlconform.targets.resolver import Resolver, Unavailable

FLAG_RATIO = 50.0
REPEATS = 3  # best of this many calls
REPEAT_BUDGET_S = 1.0  # ... unless the calls so far took this long: one slow call is enough to judge


def perf_cases(cases: Iterable[Case]) -> dict[str, Case]:
    """Each function's smallest large case: the input its timing runs on."""
    out: dict[str, Case] = {}
    for case in cases:
        if LARGE_TAG in case.tags and (case.function not in out or _elements(case) < _elements(out[case.function])):
            out[case.function] = case
    return out


def _elements(case: Case) -> int:
    return sum(a.size for a in case.args if isinstance(a, Generated))


def best_time(fn: Callable[..., Any], args: tuple[Any, ...]) -> float:
    """The fastest of up to REPEATS calls on fresh inputs, stopping early once REPEAT_BUDGET_S is spent."""
    best, spent = float("inf"), 0.0
    for _ in range(REPEATS):
        inputs = fresh_inputs(args)
        start = time.perf_counter()
        fn(*inputs)
        took = time.perf_counter() - start
        best, spent = min(best, took), spent + took
        if spent >= REPEAT_BUDGET_S:
            break
    return best


def measure(
    resolve: Resolver, functions: Iterable[str], cases: Iterable[Case], flag_ratio: float = FLAG_RATIO
) -> list[PerfResult]:
    """Time every function in ``functions`` the target has, on its large case from ``cases``."""
    from dlconform.catalogue import FUNCTIONS

    inputs = perf_cases(cases)
    out = []
    for name in functions:
        case = inputs.get(name)
        if case is None:
            out.append(PerfResult(name, "", 0, note="no large case in the vectors"))
            continue
        result = PerfResult(name, case.id, _elements(case))
        fn = resolve(name)
        if isinstance(fn, Unavailable):
            result = replace(result, note=fn.reason)
        else:
            try:
                target_s = best_time(fn, case.args)
            except (Exception, SystemExit) as exc:
                result = replace(result, note=f"raised {type(exc).__name__} on the large input")
            else:
                reference_s = best_time(FUNCTIONS[name].impl, case.args)
                ratio = target_s / max(reference_s, 1e-9)
                result = replace(result, target_s=target_s, reference_s=reference_s, ratio=ratio)
                result = replace(result, flagged=ratio > flag_ratio)
        out.append(result)
    return out


def with_perf(report: Report, resolve: Resolver, cases: Iterable[Case]) -> Report:
    """A new report with each function of ``report`` timed: ``perf`` and a warning per flagged function."""
    from dlconform.targets.capture import captured

    functions = list(dict.fromkeys(r.function for r in report.results))
    with captured():  # what the target prints must not reach a report on stdout
        results = measure(resolve, functions, cases)
    return replace(report, perf=results, warnings=[*report.warnings, *warnings_for(results)])


def warnings_for(results: Iterable[PerfResult], flag_ratio: float = FLAG_RATIO) -> list[str]:
    """One warning line per flagged function."""
    return [
        f"perf: {r.function} is {r.ratio:.0f}x slower than the reference (over {flag_ratio:g}x: "
        "a Python loop over elements?)"
        for r in results
        if r.flagged
    ]
