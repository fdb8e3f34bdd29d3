"""Scores and statuses: an assignment's points per function, weighted by a weights file, and how grading went."""

from __future__ import annotations

from collections.abc import Sequence

from dlconform.grading.assignment import Assignment
from dlconform.grading.weights import NO_WEIGHTS, Weights
from dlconform.results import CaseResult, Report, Score


def score(results: Sequence[CaseResult], assignment: Assignment | None = None, weights: Weights = NO_WEIGHTS) -> Score:
    """The assignment's points per graded function (``Assignment.function_scores``; default: every function in
    the results, one point each), and their totals."""
    chosen = assignment or Assignment.covering(r.function for r in results)
    return chosen.score(results, weights)


def status(report: Report) -> str:
    """How grading went for a submission: graded, failed to load, timed out or crashed (a gradebook column)."""
    if report.target.get("load_error"):
        return "timed out" if "took longer" in str(report.target["load_error"]) else "failed to load"
    failures = {r.failure for r in report.results}
    if "raised:CallTimeout" in failures:
        return "timed out"
    return "crashed" if "raised:WorkerCrash" in failures else "graded"
