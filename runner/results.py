"""The report model every runner produces and every format consumes.

One ``CaseResult`` per selected case, in suite order, and a header that says
what was checked: the target, its environment and the suite version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class TextEnum(str, Enum):
    """A closed set of words that stay plain strings (``"passed" == Outcome.PASSED``; JSON, CSV and f-strings write
    the word) while code compares members, not literals. Python 3.10 has no ``enum.StrEnum``."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class Outcome(TextEnum):
    """How one case went: passed, failed (wrong result), error (raised, missing, could not run) or skipped."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
FAILING = (Outcome.FAILED, Outcome.ERROR)  # the outcomes that count against a target


class Level(TextEnum):
    """Where a case lies: inside the function's documented contract, or beyond it (feedback, library checks)."""

    INSIDE = "inside"
    BEYOND = "beyond"


class Failure(TextEnum):
    """The stable codes of how a case failed or errored (described in dlconform.judge.compare.FAILURES); an
    exception the target raised is ``raised:Name`` (``raised_code``)."""

    RETURNED_NONE = "returned-none"
    NOT_ARRAY = "not-array"
    SHAPE = "shape"
    DTYPE = "dtype"
    DTYPE_KIND = "dtype-kind"
    NAN = "nan"
    NOT_NAN = "not-nan"
    INF = "inf"
    SIGNED_ZERO = "signed-zero"
    FLUSHED = "flushed"
    VALUE = "value"
    MUTATED_INPUT = "mutated-input"
    NO_RAISE = "no-raise"
    WRONG_EXCEPTION = "wrong-exception"
    RAISED = "raised"
    MISSING = "missing"
    UNRESOLVED = "unresolved"
    UNSUPPORTED = "unsupported"
    IMPORT_ERROR = "import-error"


def raised_code(name: str) -> str:
    """The failure code of a case whose call raised the exception class ``name``: ``raised:Name``."""
    return f"{Failure.RAISED}:{name}"


class Fault(TextEnum):
    """What the grader itself observed of an isolated target (never read from the worker's words): a call or the
    import ran past its time limit, or the worker died or broke the protocol."""

    TIMEOUT = "timeout"
    CRASH = "crash"


BROKE = "the worker broke the protocol"  # how a crash's message begins when the worker sent what is not a reply


class Status(TextEnum):
    """How grading went for one submission (a gradebook column)."""

    GRADED = "graded"
    FAILED_TO_LOAD = "failed to load"
    TIMED_OUT = "timed out"
    CRASHED = "crashed"


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
    outcome: Outcome
    message: str = ""
    failure: str = ""  # stable code for how it failed or errored: a Failure, or raised:Name
    description: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    duration: float = 0.0
    hidden: bool = False
    level: Level = Level.INSIDE
    expected_failure: str | None = None  # from a baseline: how this case is known to fail
    baseline_status: str = ""  # a BASELINE_STATUSES key once a baseline is applied
    fault: Fault | None = None  # set by the grader when it saw the call time out or the worker crash

    def __post_init__(self) -> None:
        """Words given for the outcome and level become members (a result built from plain data compares alike)."""
        if type(self.outcome) is not Outcome:
            object.__setattr__(self, "outcome", Outcome(self.outcome))
        if type(self.level) is not Level:
            object.__setattr__(self, "level", Level(self.level))

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
        if self.fault is None:  # the JSON of a case the grader saw nothing unusual in is what it always was
            del out["fault"]
        return out


@dataclass(frozen=True)
class PerfResult:
    """One function's timing by ``run --perf`` (dlconform.run.perf): target and reference seconds per call on the same input, and their ratio."""

    function: str
    case: str
    elements: int
    reference_s: float | None = None
    target_s: float | None = None
    ratio: float | None = None
    flagged: bool = False
    note: str = ""  # why there is no ratio (no large case, target lacks the function, the call raised)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON report, with the human line."""
        return {**asdict(self), "line": self.line()}

    def line(self) -> str:
        """One line for people: the ratio, or why there is none."""
        if self.ratio is None or self.target_s is None or self.reference_s is None:
            return f"{self.function}: not timed ({self.note})"
        return (
            f"{self.function}: {self.ratio:.1f}x the reference's time "
            f"({self.target_s * 1e3:.3g} ms vs {self.reference_s * 1e3:.3g} ms on {self.elements:,} input elements)"
        )


@dataclass(frozen=True)
class BaselineSummary:
    """How a run stood against a baseline (dlconform.run.baseline.apply_baseline): its file, the counts of known, new,
    changed and fixed failures, the stale entries' ids, and how many entries were not selected."""

    path: str
    known: int = 0
    new: int = 0
    changed: int = 0
    fixed: int = 0
    stale: tuple[str, ...] = ()
    not_selected: int = 0

    def fails(self, strict: bool = False) -> bool:
        """Whether the gate fails: new or changed failures, and fixed ones when ``strict``; stale entries never."""
        return bool(self.new or self.changed or (strict and self.fixed))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return {**asdict(self), "stale": list(self.stale)}


@dataclass(frozen=True)
class AssignmentScore:
    """A report's score by an assignment (dlconform.grading.assignment.with_score): the points, each function's
    (points, max points), how the assignment counts beyond cases (``feedback``: no points), and the functions a run
    stopped early did not score."""

    assignment: str
    points: float
    max_points: float
    functions: dict[str, tuple[float, float]]
    beyond: str = "feedback"
    not_run: tuple[str, ...] = ()

    def full_marks(self) -> bool:
        """Full marks over every function of the assignment (none left unrun)."""
        return not self.not_run and self.points >= self.max_points

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON report's ``"score"``."""
        functions = {f: list(pm) for f, pm in self.functions.items()}
        return {**asdict(self), "functions": functions, "not_run": list(self.not_run)}


@dataclass(frozen=True)
class Report:
    """Everything one run found: header, per-case results, and the counts derived from them.

    Frozen: the steps after a run (baseline, perf, hints, isolation notes) return new reports."""

    target: dict[str, Any]
    environment: dict[str, Any]
    suite_version: str
    results: list[CaseResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    baseline: BaselineSummary | None = None  # from dlconform.run.baseline.apply_baseline
    perf: list[PerfResult] | None = None  # from dlconform.run.perf.with_perf: each function's time vs the reference
    score: AssignmentScore | None = None  # from dlconform.grading.assignment.with_score
    stopped: str = ""  # why the run ended before every selected case ran (-x, --maxfail, Ctrl-C); "" when it did not
    curves: list[Any] | None = None  # dlconform.run.curves.Curve of each failing function, for the HTML report
    gate_passed: bool | None = None  # whether the run's gate passed (its exit status 0); set by the pipeline

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
        return c[Outcome.FAILED] == 0 and c[Outcome.ERROR] == 0 and not self.not_defined

    def summary_line(self) -> str:
        """The closing line of the text report: ``N passed, N failed`` plus errors and skipped when any, then the
        functions not defined (``; not defined: dot, outer``), each counted once."""
        return summarize(self.counts(), self.not_defined)


def count_outcomes(results: Iterable[CaseResult]) -> dict[str, int]:
    """How many of ``results`` have each outcome, every outcome present (zero included)."""
    out = dict.fromkeys((o.value for o in OUTCOMES), 0)
    for r in results:
        out[r.outcome] += 1
    return out


def not_defined(results: Iterable[CaseResult]) -> list[str]:
    """The functions of ``results`` every case of which is a ``missing`` error: the target does not define them."""
    missing: dict[str, bool] = {}
    for r in results:
        missing[r.function] = (
            missing.get(r.function, True) and r.outcome == Outcome.ERROR and r.failure == Failure.MISSING
        )
    return [f for f, lacking in missing.items() if lacking]


def contract_line(results: Iterable[CaseResult]) -> str:
    """``inside the contract: N of M passed; beyond it: N of M`` (the beyond half only when there are such cases),
    over the functions the target defines."""
    results = list(results)
    missing = set(not_defined(results))
    counted = [r for r in results if r.outcome != Outcome.SKIPPED and r.function not in missing]
    inside = [r for r in counted if r.level == Level.INSIDE]
    beyond = [r for r in counted if r.level == Level.BEYOND]
    line = f"inside the contract: {sum(r.outcome == Outcome.PASSED for r in inside)} of {len(inside)} passed"
    if beyond:
        line += f"; beyond it: {sum(r.outcome == Outcome.PASSED for r in beyond)} of {len(beyond)}"
    return line


def summarize(c: dict[str, int], missing: Iterable[str] = ()) -> str:
    """``N passed, N failed`` plus errors and skipped when any, for outcome counts ``c``, and the functions
    ``missing`` (not defined), each once."""
    errors, skipped = c[Outcome.ERROR], c[Outcome.SKIPPED]
    line = f"{c[Outcome.PASSED]} passed, {c[Outcome.FAILED]} failed"
    if errors:
        line += f", {errors} error{'s' if errors != 1 else ''}"
    if skipped:
        line += f", {skipped} skipped"
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
