"""The report model every runner produces and every format consumes.

One ``CaseResult`` per selected case, in suite order, and a header that says
what was checked: the target, its environment and the suite version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

OUTCOMES: tuple[str, ...] = ("passed", "failed", "error", "skipped")
# How a result stands against a baseline (dlconform.run.baseline): "" when no baseline applies to it.
BASELINE_STATUSES: dict[str, str] = {
    "known": "known failure",
    "new": "new failure",
    "changed": "fails differently than the baseline says",
    "fixed": "fixed: passes but is in the baseline",
}


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case: passed, failed (wrong result), error (raised, missing, could not run) or skipped."""

    function: str
    id: str
    tags: tuple[str, ...]
    outcome: str
    message: str = ""
    failure: str = ""  # stable code for how it failed or errored (dlconform.judge.compare.FAILURES)
    description: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    duration: float = 0.0
    hidden: bool = False
    level: str = "inside"  # inside the function's documented contract, or beyond it (dlconform.format.model.LEVELS)
    expected_failure: str | None = None  # from a baseline: how this case is known to fail
    baseline_status: str = ""  # a BASELINE_STATUSES key once a baseline is applied

    @property
    def key(self) -> str:
        """``function::case-id``, unique across the suite."""
        return f"{self.function}::{self.id}"

    @property
    def how(self) -> str:
        """``outcome/failure`` (``failed/value``, ``error/raised:KeyError``): what a baseline compares."""
        return f"{self.outcome}/{self.failure}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        out = asdict(self)
        out["tags"] = list(self.tags)
        return out


@dataclass(frozen=True)
class Report:
    """Everything one run found: header, per-case results, and the counts derived from them.

    Frozen: the steps after a run (baseline, perf, hints, isolation notes) return new reports."""

    target: dict[str, Any]
    environment: dict[str, Any]
    suite_version: str
    results: list[CaseResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    baseline: dict[str, Any] | None = None  # from dlconform.run.baseline.apply_baseline: file, counts, stale ids
    perf: list[dict[str, Any]] | None = None  # from dlconform.run.perf.with_perf: each function's time vs the reference
    score: dict[str, Any] | None = None  # from dlconform.run.assignment.with_score: points by an assignment
    stopped: str = ""  # why the run ended before every selected case ran (-x, --maxfail, Ctrl-C); "" when it did not
    curves: list[Any] | None = None  # dlconform.run.curves.Curve of each failing function, for the HTML report

    def counts(self) -> dict[str, int]:
        """How many results have each outcome, every outcome present (zero included); the cases of a function the
        target does not define are not counted (``not_defined`` names it once)."""
        missing = set(self.not_defined)
        return count_outcomes(r for r in self.results if r.function not in missing)

    @property
    def not_defined(self) -> list[str]:
        """The functions the target does not define (every case of theirs a ``missing`` error), in report order."""
        return not_defined(self.results)

    @property
    def ok(self) -> bool:
        """True when no case failed or errored and every function is defined."""
        c = self.counts()
        return c["failed"] == 0 and c["error"] == 0 and not self.not_defined

    def summary_line(self) -> str:
        """The closing line of the text report: ``N passed, N failed`` plus errors and skipped when any, then the
        functions not defined (``; not defined: dot, outer``), each counted once."""
        return summarize(self.counts(), self.not_defined)


def count_outcomes(results: Iterable[CaseResult]) -> dict[str, int]:
    """How many of ``results`` have each outcome, every outcome present (zero included)."""
    out = dict.fromkeys(OUTCOMES, 0)
    for r in results:
        out[r.outcome] += 1
    return out


def not_defined(results: Iterable[CaseResult]) -> list[str]:
    """The functions of ``results`` every case of which is a ``missing`` error: the target does not define them."""
    missing: dict[str, bool] = {}
    for r in results:
        missing[r.function] = missing.get(r.function, True) and r.outcome == "error" and r.failure == "missing"
    return [f for f, lacking in missing.items() if lacking]


def contract_line(results: Iterable[CaseResult]) -> str:
    """``inside the contract: N of M passed; beyond it: N of M`` (the beyond half only when there are such cases),
    over the functions the target defines."""
    results = list(results)
    missing = set(not_defined(results))
    counted = [r for r in results if r.outcome != "skipped" and r.function not in missing]
    inside = [r for r in counted if r.level == "inside"]
    beyond = [r for r in counted if r.level == "beyond"]
    line = f"inside the contract: {sum(r.outcome == 'passed' for r in inside)} of {len(inside)} passed"
    if beyond:
        line += f"; beyond it: {sum(r.outcome == 'passed' for r in beyond)} of {len(beyond)}"
    return line


def summarize(c: dict[str, int], missing: Iterable[str] = ()) -> str:
    """``N passed, N failed`` plus errors and skipped when any, for outcome counts ``c``, and the functions
    ``missing`` (not defined), each once."""
    line = f"{c['passed']} passed, {c['failed']} failed"
    if c["error"]:
        line += f", {c['error']} error{'s' if c['error'] != 1 else ''}"
    if c["skipped"]:
        line += f", {c['skipped']} skipped"
    names = list(missing)
    return line + (f"; not defined: {', '.join(names)}" if names else "")


@dataclass
class Score:
    """Points earned and available, in total and per function."""

    points: float
    max_points: float
    functions: dict[str, tuple[float, float]]  # function -> (points, max points)


@dataclass
class Graded:
    """One submission's report and score (what grade produces and the gradebook and Gradescope render)."""

    submission: str
    report: Report
    score: Score
