"""One run, planned then executed: ``execute(Plan(...)) -> Report`` for the CLI, the API, the plugin and grading.

A ``Plan`` says everything before anything runs: what to open and how (in
process or isolated), the cases, the comparison options, and the steps after
the run (notes, perf timings, hints, the baseline gate). Each step returns a new
report; none changes one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TextIO

from dlconform.environment import environment
from dlconform.format.model import Case
from dlconform.judge.compare import DEFAULTS, Options
from dlconform.results import FAILING, CaseResult, Report
from dlconform.run.engine import Interrupted, run_cases
from dlconform.run.watch import slow_notice
from dlconform.targets.base import Target, is_target
from dlconform.targets.capture import Capture, captured
from dlconform.targets.open import Adapter, open_target
from dlconform.version import __version__

if TYPE_CHECKING:
    from dlconform.grading.assignment import Assignment
    from dlconform.run.baseline import Baseline
    from dlconform.targets.isolate.spawn import Limits

EXIT_OK, EXIT_FAIL = 0, 1


@dataclass(frozen=True)
class Gate:
    """What the run's exit status demands beyond its results; ``passes`` is what the report's ``gate_passed`` and
    the CLI's exit status say."""

    strict_baseline: bool = False  # baseline cases that now pass fail the run too
    perf_fail: float | None = None  # a function more than this many times slower than the reference fails it
    fail_under: float | None = None  # with an assignment: fewer points fail it (default: below full marks)
    writes_baseline: bool = False  # the run was asked to write a baseline: it passes once that is written

    def passes(self, report: Report) -> bool:
        """Whether ``report`` passes this gate."""
        if self.writes_baseline:
            return True
        return exit_code(report, self.strict_baseline, self.perf_fail, self.fail_under) == EXIT_OK


@dataclass(frozen=True)
class Plan:
    """What one run checks and how: decided before the target is opened, never changed by running."""

    source: Any  # what open_target opens (spec, module, mapping, Bindings, Profile), or a Target already open
    cases: tuple[Case, ...]
    isolation: Limits | None = None  # run the spec in a worker under these limits
    options: Options = DEFAULTS
    notes: tuple[str, ...] = ()  # warnings the planning adds to the report (the random cases' seed)
    perf_cases: tuple[Case, ...] | None = None  # time each function on its large case among these (run --perf)
    hints: bool = False  # explain failures to students (grade)
    baseline: Baseline | None = None
    baseline_label: str | None = None  # the baseline as the report's header names it
    suite_keys: frozenset[str] | None = None  # every key the run could select; baseline entries outside are stale
    capture: bool = True  # what the target prints becomes report notes; the pytest plugin leaves it to pytest
    maxfail: int | None = None  # stop after this many failed or errored cases (run -x, --maxfail)
    slow_after: float | None = None  # in process: say on stderr which case runs once a call takes this long (run)
    curves: bool = False  # measure each failing function across its domain for the HTML report's plots
    assignment: Assignment | None = None  # the report carries its score (run --assignment)
    gate: Gate = Gate()


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``run_plan``: carries the partial report (what ran, and the case that was interrupted)."""

    def __init__(self, report: Report) -> None:
        super().__init__(report.stopped)
        self.report = report


def execute(plan: Plan) -> Report:
    """Open the plan's target (closing it after, unless it came open), run its cases, and apply the steps after."""
    with open_plan(plan) as target:
        return run_plan(plan, target)


def open_plan(plan: Plan) -> AbstractContextManager[Target]:
    """The plan's target, opened as the plan says (in process or isolated); a target given open is only lent."""
    if isinstance(plan.source, Adapter):
        from dlconform.targets.adapter.target import refuse_unsendable

        refuse_unsendable(plan.cases, plan.perf_cases is not None)
    return nullcontext(plan.source) if is_target(plan.source) else open_target(plan.source, plan.isolation)


def run_plan(plan: Plan, target: Target) -> Report:
    """Run the plan's cases against an open ``target`` and return the finished report.

    Ctrl-C raises ``RunInterrupted`` with the report of the cases that ran, finished the same way."""
    isolated = target.isolated
    stderr = sys.stderr  # the real one: the capture below swaps it
    # Only code in this process can print here: capturing around a worker's or an adapter's calls would swap
    # sys.stdout from each of grade's threads at once, and could leave it swapped.
    stopped, interrupted = "", False
    with captured() if plan.capture and not isolated else nullcontext(None) as out:
        try:
            calls = target.calls if isolated else out  # a worker's calls record their own warnings
            with _watch(plan, isolated, calls, stderr) as watch:
                results, curves = _results(plan, target, isolated, watch)
        except Interrupted as exc:
            results, curves, interrupted = exc.results, None, True
            stopped = (
                f"interrupted (Ctrl-C) while running {exc.case.key}; {len(results)} of {len(plan.cases)} cases ran"
            )
    if not stopped and len(results) < len(plan.cases):
        bad = sum(r.outcome in FAILING for r in results)
        stopped = (
            f"after {bad} failing case{'s' if bad != 1 else ''} (--maxfail {plan.maxfail}); "
            f"{len(plan.cases) - len(results)} of {len(plan.cases)} cases not run"
        )
    report = build_report(target, results, out.notes("running") if out is not None else ())
    report = finish(plan, target, replace(report, stopped=stopped, curves=curves))
    if interrupted:
        raise RunInterrupted(replace(report, gate_passed=False))
    return report


def finish(plan: Plan, target: Target, report: Report) -> Report:
    """The steps after the run: the worker's transcript, the plan's notes, perf timings, hints, the baseline, the
    score, and whether the gate passed."""
    report = target.finish(report)
    report = replace(report, warnings=[*report.warnings, *plan.notes])
    if plan.perf_cases is not None:
        from dlconform.run.perf import with_perf

        report = with_perf(report, target.resolve, plan.perf_cases)
    if plan.hints:
        from dlconform.judge.hints import with_hints

        report = with_hints(report, plan.cases)
    report = _library_repros(report, target, plan.cases)
    if plan.baseline is not None:
        from dlconform.run.baseline import apply_baseline

        header = {**report.target, "baseline": plan.baseline_label or plan.baseline.path}
        report, _ = apply_baseline(replace(report, target=header), plan.baseline, plan.suite_keys)
    if plan.assignment is not None:
        from dlconform.grading.assignment import with_score

        report = with_score(report, plan.assignment, planned=[c.key for c in plan.cases])
    return replace(report, gate_passed=plan.gate.passes(report))


def _library_repros(report: Report, target: Target, cases: Iterable[Case]) -> Report:
    """A library target's failures with repro lines in the library's own call (``target.repro``, a profile's),
    where it can spell one; other targets' reports unchanged."""
    spell = getattr(target, "repro", None)
    if spell is None:
        return report
    by_key = {c.key: c for c in cases}
    out = []
    for r in report.results:
        line = spell(by_key[r.key]) if "repro" in r.details and r.key in by_key else None
        out.append(replace(r, details={**r.details, "repro": line}) if line else r)
    return replace(report, results=out)


@contextmanager
def _watch(
    plan: Plan, isolated: bool, out: Capture | None, stderr: TextIO
) -> Iterator[Callable[[Case | None], None] | None]:
    """What ``run_cases`` tells each case: the capture (warnings by case) and, in process, the slow-call notice."""
    with slow_notice(plan.slow_after, stderr) if plan.slow_after and not isolated else nullcontext(None) as notice:
        if out is None and notice is None:
            yield None
            return

        def watch(case: Case | None) -> None:
            if out is not None:
                out.case = case.key if case is not None else ""
            if notice is not None:
                notice(case)

        yield watch


def _results(
    plan: Plan, target: Target, isolated: bool, watch: Callable[[Case | None], None] | None = None
) -> tuple[list[CaseResult], list[Any] | None]:
    """The plan's cases run against the target, up to ``plan.maxfail`` failures, and (``plan.curves``) the curves
    of the failing functions, where the cases ran (in this process, or in the worker)."""
    if isolated:
        return _isolated_results(plan, target, watch)
    results = run_cases(plan.cases, target.resolve, plan.options, maxfail=plan.maxfail, watch=watch)
    return results, _curves(plan, results, target)


def _isolated_results(
    plan: Plan, target: Target, watch: Callable[[Case | None], None] | None
) -> tuple[list[CaseResult], list[Any] | None]:
    """The visible cases, then the curves (of functions failing those), then the hidden cases last: a worker that
    has been given hidden inputs never again runs anything whose output a student sees, and what it prints while
    hidden cases run is dropped. Results come back in the plan's order."""
    visible = [(i, c) for i, c in enumerate(plan.cases) if not c.hidden]
    hidden = [(i, c) for i, c in enumerate(plan.cases) if c.hidden]
    done: list[tuple[tuple[int, Case], CaseResult]] = []
    curves = None
    try:
        for hiding, phase in ((False, visible), (True, hidden)):
            target.hiding = hiding  # hidden cases' output could show their inputs
            bad = sum(r.outcome in FAILING for _, r in done)
            left = None if plan.maxfail is None else plan.maxfail - bad
            target.expect([c for _, c in phase])  # the worker sends a function's calls in batches
            try:
                ran = run_cases([c for _, c in phase], target.resolve, plan.options, maxfail=left, watch=watch)
            except Interrupted as exc:
                raise Interrupted(_in_order([*done, *zip(phase, exc.results, strict=False)]), exc.case) from None
            done.extend(zip(phase, ran, strict=False))  # ``ran`` stops early after --maxfail failures
            if not hiding:
                curves = _curves(plan, [r for _, r in done], target)
            if len(ran) < len(phase):
                break
    finally:
        target.hiding = False
    return _in_order(done), curves


def _in_order(done: list[tuple[tuple[int, Case], CaseResult]]) -> list[CaseResult]:
    """Results by their case's position in the plan."""
    return [r for _, r in sorted(done, key=lambda pair: pair[0][0])]


def _curves(plan: Plan, results: list[CaseResult], target: Target) -> list[Any] | None:
    """With ``plan.curves``, the curve of each function failing in ``results``, for the HTML report's plots."""
    if not plan.curves:
        return None
    from dlconform.run.curves import curves_of_failing

    return curves_of_failing(results, target.resolve)


def build_report(target: Target, results: list[CaseResult], notes: Iterable[str] = ()) -> Report:
    """The report of a run: the target's header and load warnings, the environment, the results, and ``notes``."""
    warnings = list(target.warnings)
    if target.load_error:
        warnings.insert(0, f"target failed to import: {target.load_error}")
    warnings.extend(notes)
    return Report(
        target=dict(target.info),
        environment=environment(),
        suite_version=__version__,
        results=results,
        warnings=warnings,
    )


def exit_code(
    report: Report, strict_baseline: bool = False, perf_fail: float | None = None, fail_under: float | None = None
) -> int:
    """1 when a case failed or errored (with a baseline: a new or changed failure, or a fixed one when strict;
    with a score: below full marks, or below ``fail_under`` points, or a run stopped early), or a function was
    more than ``perf_fail`` times slower than the reference; else 0."""
    if report.score is not None:  # the grade decides: beyond cases worth nothing cannot fail a perfect student
        s = report.score
        failed = bool(report.stopped) or (s.points < fail_under if fail_under is not None else not s.full_marks())
        failed |= bool(s.not_run)
    elif report.baseline is not None:
        failed = report.baseline.fails(strict_baseline)
    else:
        failed = not report.ok
    slow = perf_fail is not None and any((t.ratio or 0) > perf_fail for t in report.perf or ())
    return EXIT_FAIL if failed or slow else EXIT_OK
