"""One run, planned then executed: ``execute(Plan(...)) -> Report`` for the CLI, the API, the plugin and grading.

A ``Plan`` says everything before anything runs: what to open and how (in
process or isolated), the cases, the comparison options, and the steps after
the run (notes, perf timings, hints, the baseline gate). Each step returns a new
report; none changes one.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dlconform.environment import environment
from dlconform.format.model import Case
from dlconform.judge.compare import DEFAULTS, Options
from dlconform.results import CaseResult, Report
from dlconform.run.engine import run_cases
from dlconform.targets.base import Target, is_target
from dlconform.targets.capture import captured
from dlconform.targets.open import open_target
from dlconform.version import __version__

if TYPE_CHECKING:
    from dlconform.run.baseline import Baseline
    from dlconform.targets.isolate.spawn import Limits

EXIT_OK, EXIT_FAIL = 0, 1


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
    capture: bool = True  # what the target prints becomes report notes; the pytest plugin leaves it to pytest
    sweeps: bool = False  # sweep each failing function across its domain for the HTML report's plots


def execute(plan: Plan) -> Report:
    """Open the plan's target (closing it after, unless it came open), run its cases, and apply the steps after."""
    with open_plan(plan) as target:
        return run_plan(plan, target)


def open_plan(plan: Plan) -> AbstractContextManager[Target]:
    """The plan's target, opened as the plan says (in process or isolated); a target given open is only lent."""
    return nullcontext(plan.source) if is_target(plan.source) else open_target(plan.source, plan.isolation)


def run_plan(plan: Plan, target: Target) -> Report:
    """Run the plan's cases against an open ``target`` and return the finished report."""
    isolate = sys.modules.get("dlconform.targets.isolate.target")  # an IsolatedTarget exists only once imported
    isolated = isolate is not None and isinstance(target, isolate.IsolatedTarget)
    # Only code in this process can print here: capturing around a worker's calls would swap sys.stdout from
    # each of grade's threads at once, and could leave it swapped.
    with captured() if plan.capture and not isolated else nullcontext(None) as out:
        results = _results(plan, target, isolated)
        sweeps = None
        if plan.sweeps:  # after the cases, where they ran (in this process, or in the target's worker)
            from dlconform.run.sweep import sweep_failing

            sweeps = sweep_failing(results, target.resolve)
    report = build_report(target, results, out.notes("running") if out is not None else ())
    report = replace(report, sweeps=sweeps)
    if isolate is not None and isolated:
        report = isolate.with_transcript(report, target)
    report = replace(report, warnings=[*report.warnings, *plan.notes])
    if plan.perf_cases is not None:
        from dlconform.run.perf import with_perf

        report = with_perf(report, target.resolve, plan.perf_cases)
    if plan.hints:
        from dlconform.judge.hints import with_hints

        report = with_hints(report, plan.cases)
    if plan.baseline is not None:
        from dlconform.run.baseline import apply_baseline

        header = {**report.target, "baseline": plan.baseline_label or plan.baseline.path}
        report, _ = apply_baseline(replace(report, target=header), plan.baseline)
    return report


def _results(plan: Plan, target: Target, isolated: bool) -> list[CaseResult]:
    """The plan's cases run against the target; in a worker, what it prints during hidden cases is dropped."""
    if not isolated:
        return run_cases(plan.cases, target.resolve, plan.options)
    results: list[CaseResult] = []
    for hidden, run in itertools.groupby(plan.cases, key=lambda case: case.hidden):
        target.hiding = hidden  # type: ignore[attr-defined]  # an IsolatedTarget: hidden output could show inputs
        results.extend(run_cases(list(run), target.resolve, plan.options))
    target.hiding = False  # type: ignore[attr-defined]
    return results


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


def exit_code(report: Report, strict_baseline: bool = False, perf_fail: float | None = None) -> int:
    """1 when a case failed or errored (with a baseline: a new or changed failure, or a fixed one when strict),
    or a function was more than ``perf_fail`` times slower than the reference; else 0."""
    if report.baseline is not None:
        from dlconform.run.baseline import gate_fails

        failed = gate_fails(report.baseline, strict_baseline)
    else:
        failed = not report.ok
    slow = perf_fail is not None and any((t.get("ratio") or 0) > perf_fail for t in report.perf or ())
    return EXIT_FAIL if failed or slow else EXIT_OK
