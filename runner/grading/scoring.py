"""Scores and statuses: an assignment's points per function, weighted by a weights file, and how grading went."""

from __future__ import annotations

from collections.abc import Sequence

from dlconform.grading.assignment import Assignment
from dlconform.grading.weights import NO_WEIGHTS, Weights
from dlconform.results import CaseResult, Fault, Report, Score, Status


def score(results: Sequence[CaseResult], assignment: Assignment | None = None, weights: Weights = NO_WEIGHTS) -> Score:
    """The assignment's points per graded function (``Assignment.function_scores``; default: every function in
    the results, one point each), and their totals."""
    chosen = assignment or Assignment.covering(r.function for r in results)
    return chosen.score(results, weights)


def status(report: Report) -> Status:
    """How grading went for a submission (a gradebook column): from what the grader saw (``CaseResult.fault``),
    never from what a message says."""
    faults = {r.fault for r in report.results}
    if report.target.get("load_error"):
        return Status.TIMED_OUT if Fault.TIMEOUT in faults else Status.FAILED_TO_LOAD
    if Fault.TIMEOUT in faults:
        return Status.TIMED_OUT
    return Status.CRASHED if Fault.CRASH in faults else Status.GRADED
