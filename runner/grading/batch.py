"""A batch of submissions graded by an assignment: ``grade(GradeRequest)``, the one entry point of grading.

Each submission runs in its own confined worker and is scored per function (``scoring``); ``--out DIR`` gets one
JSON report per submission and ``gradebook.csv``, written as each submission finishes (``gradebook.Outputs``);
``--shard I/N`` grades a deterministic slice (``submissions``), ``--gradescope`` gets Gradescope's results.json
(``gradescope``), also when grading failed.
"""

from __future__ import annotations

import functools
import itertools
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dlconform.atomic import write_report
from dlconform.errors import DlconformError
from dlconform.format.model import Case, VectorFile
from dlconform.grading.assignment import (
    Assignment,
    default_assignment,
    score_doc,
)
from dlconform.grading.errors import GradeError
from dlconform.grading.scoring import score
from dlconform.grading.weights import NO_WEIGHTS, Weights
from dlconform.judge.compare import DEFAULTS, Options
from dlconform.results import Graded
from dlconform.run.options import RunOptions
from dlconform.run.pipeline import Plan, execute
from dlconform.targets.isolate.ahead import Lookahead
from dlconform.targets.isolate.spawn import DEFAULT_LIMITS, Limits
from dlconform.targets.open import Adapter
from dlconform.text import printable

if TYPE_CHECKING:
    from dlconform.grading.gradebook import Outputs

T = TypeVar("T")


@dataclass(frozen=True)
class GradeRequest:
    """A batch as ``dlconform grade`` takes it (see its --help): the submissions, each one's run options (the
    options model: vectors, selection, assignment, random cases, worker limits, an adapter; always isolated), and
    the batch's own options."""

    submissions: tuple[str, ...]  # .py files, notebooks, folders of them
    run: RunOptions = field(default_factory=lambda: RunOptions(isolate=True))  # assignment default: course
    weights: str | None = None  # a weights file: weights of cases within their function
    jobs: int = 1
    out_dir: str | None = None
    reveal_hidden: bool = False
    html: bool = False
    gradescope: str | None = None
    shard: str | None = None  # I/N
    adapter_ext: str | None = None  # with run.adapter: the submissions' extension (default: its script's)


@dataclass(frozen=True)
class Prepared:
    """A checked batch, before any submission runs: what is graded, on which cases, under which limits."""

    submissions: list[str]
    assignment: Assignment
    weights: Weights
    cases: list[Case]
    notes: list[str]
    limits: Limits


@dataclass(frozen=True)
class GradedBatch:
    """What a batch produced: each submission graded, in submission order, by ``assignment``."""

    assignment: Assignment
    graded: list[Graded]


def grade(
    request: GradeRequest,
    say: Callable[[str], None] = lambda line: None,
    progress: Callable[[Graded], None] | None = None,
    keep: bool = True,
) -> GradedBatch:
    """Check the request, grade its submissions and write what it asks for; ``say`` gets the notes for the
    instructor (stderr), ``progress`` each submission as it finishes (after its --out files are written). Without
    ``keep`` the outcome holds no submission (the command's way: memory that does not grow with the batch). Whatever
    stops the batch still leaves ``--gradescope`` a results.json saying why (then the error is raised again)."""
    from dlconform.grading import gradescope as gs

    start = time.monotonic()
    try:
        batch = prepare(request, say)
        outcome = run_batch(request, batch, say, progress, keep or bool(request.gradescope))
        if request.gradescope:
            write_report(request.gradescope, gs.dump(gs.results(outcome.graded[0], time.monotonic() - start)))
        return outcome
    except Exception as exc:
        if request.gradescope:
            why = str(exc) if isinstance(exc, DlconformError) else f"the grader failed: {exc}"
            write_report(request.gradescope, gs.dump(gs.failure(why, time.monotonic() - start)))
        raise


def prepare(request: GradeRequest, say: Callable[[str], None] = lambda line: None) -> Prepared:
    """Every check that needs no submission run: submissions, shard, weights, assignment, suite, selection,
    options that go together, the output folder (made now, so that no worker can make it first); ``say`` gets the
    warnings about hidden cases the submissions could read."""
    from dlconform.grading.submissions import adapter_suffixes, find_submissions, parse_shard, take_shard
    from dlconform.grading.weights import check_weights, load_weights
    from dlconform.run.planner import limits_of, plan_selection

    suffixes = adapter_suffixes(request.run.adapter, request.adapter_ext)
    found = find_submissions(request.submissions, suffixes)
    picked = take_shard(found, parse_shard(request.shard)) if request.shard else found
    scheme = load_weights(request.weights) if request.weights else NO_WEIGHTS
    chosen = default_assignment(request.run.assignment, request.run.functions)
    selection = plan_selection(request.run, assignment=chosen)  # the assignment's functions, its timeout, random cases
    if request.weights:
        check_weights(scheme, request.weights, (c.key for c in selection.every))
    if not found:
        raise GradeError(f"no {' or '.join(suffixes)} submission in {', '.join(request.submissions)}")
    _check_outputs(request, picked)
    for line in _exposure_warnings(selection.files, selection.cases):
        say(line)
    limits = limits_of(selection.options, chosen.support_files)
    if request.run.adapter is not None:
        _check_adapter(request.run.adapter, limits, selection.cases)
    return Prepared(picked, chosen, scheme, list(selection.cases), list(selection.notes), limits)


def _check_adapter(template: str, limits: Limits, cases: Sequence[Case]) -> None:
    """An adapter template that cannot confine a submission, or cases an adapter is not sent: one line, now."""
    from dlconform.targets.adapter.confine import check_template
    from dlconform.targets.adapter.target import refuse_unsendable, split_command

    check_template(split_command(template), limits)
    refuse_unsendable(cases, perf=False)


def _check_outputs(request: GradeRequest, picked: Sequence[str]) -> None:
    """--html needs --out, --gradescope one submission; --out is made (or refused) now."""
    from dlconform.grading.outdir import prepare as prepare_out

    if request.html and not request.out_dir:
        raise GradeError("--html writes its pages into --out DIR: give --out")
    if request.gradescope and len(picked) != 1:
        raise GradeError(f"--gradescope grades one submission, found {len(picked)}: {', '.join(picked) or 'none'}")
    if request.out_dir:
        try:
            prepare_out(request.out_dir)
        except OSError as exc:
            raise GradeError(f"cannot write to {request.out_dir}: {exc.strerror or exc}") from None


def _exposure_warnings(files: Sequence[VectorFile], selected: Sequence[Case]) -> list[str]:
    """Warnings about hidden cases the submissions could read: not root, or a file every user may read."""
    from dlconform.format.suite import bundled_dir
    from dlconform.grading.submissions import exposed_files

    root = os.geteuid() == 0
    lines = []
    if not root and any(c.hidden for c in selected):
        lines.append("dlconform: warning: not root, so submissions run as your user and can read hidden cases")
    for path in exposed_files(files, bundled_dir()) if root else ():
        lines.append(f"dlconform: warning: {path} has hidden cases and every user may read it: chmod o-r")
    return lines


def _classmate_warnings(batch: Prepared) -> list[str]:
    """A warning when, under --sandbox uid as root, the submissions are files every user may read: each worker's
    uid could then read, and run, its classmates' code (bwrap shows a worker its own submission only)."""
    from dlconform.grading.submissions import readable_by_all
    from dlconform.targets.isolate.sandbox import resolve

    if os.geteuid() != 0 or resolve(batch.limits.sandbox) != "uid" or len(batch.submissions) < 2:
        return []
    readable = [s for s in batch.submissions if readable_by_all(Path(s).resolve())]
    if not readable:
        return []
    return [
        f"dlconform: warning: {len(readable)} of {len(batch.submissions)} submissions (such as {readable[0]}) are "
        "readable by every user: under --sandbox uid each one can read, and run, a classmate's; chmod o-r them, or "
        "use --sandbox bwrap"
    ]


def run_batch(
    request: GradeRequest,
    batch: Prepared,
    say: Callable[[str], None],
    progress: Callable[[Graded], None] | None,
    keep: bool = True,
) -> GradedBatch:
    """Grade a prepared batch, writing its --out folder as each submission finishes (``gradebook.Outputs``); the
    outcome holds the submissions graded only with ``keep``."""
    from dlconform.targets.isolate.sandbox import describe as describe_sandbox

    chosen = batch.assignment
    say(f"dlconform: grading {chosen.name}: {', '.join(chosen.functions)}")
    say(f"dlconform: {describe_sandbox(batch.limits.sandbox)}")
    for line in _classmate_warnings(batch):
        say(line)
    out = _outputs(request, batch)
    kept: dict[int, Graded] = {}
    settings = GradeSettings(
        batch.limits,
        assignment=chosen,
        weights=batch.weights,
        notes=tuple(batch.notes),
        curves=request.run.plots,
        adapter=request.run.adapter,
    )
    for index, graded in each_graded(batch.submissions, batch.cases, settings, jobs=request.jobs):
        if out is not None:
            _writing(request, out.add, graded)
        if progress is not None:
            progress(graded)
        if keep:
            kept[index] = graded
    if out is not None:
        _writing(request, out.close)
    return GradedBatch(chosen, [kept[i] for i in sorted(kept)])


def _outputs(request: GradeRequest, batch: Prepared) -> Outputs | None:
    """The --out folder of the batch, ready for its first submission (None without --out)."""
    from dlconform.grading.gradebook import Outputs

    if not request.out_dir:
        return None
    args = (batch.submissions, batch.assignment.functions, request.out_dir, not request.reveal_hidden, request.html)
    return _writing(request, Outputs, *args)


def _writing(request: GradeRequest, action: Callable[..., T], *args: Any) -> T:
    """``action(*args)``, a write into --out: an OSError is one line naming the folder (a GradeError)."""
    try:
        return action(*args)
    except OSError as exc:
        raise GradeError(f"cannot write to {request.out_dir}: {exc.strerror or exc}") from None


@dataclass(frozen=True)
class GradeSettings:
    """How each submission of a batch is graded (``grade_one``): its worker's limits, the judging options, the
    assignment that scores it (None: one covering the cases' functions), case weights, notes for its report,
    ``curves`` (failing functions measured across their domain in the worker too, for the HTML pages), and
    ``adapter``, a command template for a submission in another language (through that adapter, confined alike)."""

    limits: Limits = DEFAULT_LIMITS
    options: Options = DEFAULTS
    assignment: Assignment | None = None
    weights: Weights = NO_WEIGHTS
    notes: tuple[str, ...] = ()
    curves: bool = False
    adapter: str | None = None


def grade_one(submission: str, cases: Sequence[Case], settings: GradeSettings = GradeSettings()) -> Graded:
    """Grade one submission in its own worker: report with hints (none for an adapter's language) and the notes,
    and its score by the assignment."""
    adapter = settings.adapter
    source = Adapter(adapter, submission) if adapter is not None else submission
    hints = adapter is None  # the hints speak Python and NumPy (keepdims, the repro line): not to other languages
    plan = Plan(
        source,
        tuple(cases),
        isolation=settings.limits,
        options=settings.options,
        notes=settings.notes,
        hints=hints,
        curves=settings.curves,
    )
    report = execute(plan)
    chosen = settings.assignment or Assignment.covering(c.function for c in cases)
    points = score(report.results, chosen, settings.weights)
    return Graded(submission, replace(report, score=score_doc(points, chosen.name, chosen.beyond)), points)


def grade_all(
    submissions: Sequence[str],
    cases: Sequence[Case],
    settings: GradeSettings = GradeSettings(),
    *,
    jobs: int = 1,
    progress: Callable[[Graded], None] | None = None,
) -> list[Graded]:
    """Grade every submission (``each_graded``); results in submission order, ``progress`` called with each as it
    finishes."""
    done: dict[int, Graded] = {}
    for index, graded in each_graded(submissions, cases, settings, jobs=jobs):
        if progress is not None:
            progress(graded)
        done[index] = graded
    return [done[i] for i in sorted(done)]


def each_graded(
    submissions: Sequence[str], cases: Sequence[Case], settings: GradeSettings = GradeSettings(), *, jobs: int = 1
) -> Iterator[tuple[int, Graded]]:
    """Grade every submission (``grade_one``), ``jobs`` at a time, yielding each as it finishes (and its workers
    stopped) with its place in ``submissions``, in this thread; a submission starts only as one finishes, so nothing
    waits in a queue and nothing is kept once yielded: the caller's memory need not grow with the batch. Each
    job's next worker starts ahead (``targets.isolate.ahead``)."""
    ahead = Lookahead(submissions, settings.limits, jobs, enabled=settings.adapter is None)
    grade = functools.partial(grade_one, cases=cases, settings=settings)

    def one(submission: str) -> tuple[Graded, list[Future[None]]]:
        with ahead.job() as stops:
            graded = grade(submission)
        return graded, stops

    waiting = iter(enumerate(submissions))
    with closing(ahead), ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        running: dict[Future[tuple[Graded, list[Future[None]]]], int] = {}

        def start(count: int) -> None:
            for index, submission in itertools.islice(waiting, count):
                running[pool.submit(one, submission)] = index

        start(max(1, jobs))
        while running:
            finished = sorted(wait(running, return_when=FIRST_COMPLETED).done, key=running.__getitem__)
            start(len(finished))  # the next ones run while this thread writes the finished ones' reports
            while finished:  # each dropped as it is yielded: none outlives the caller's turn with it
                future = finished.pop(0)
                graded, stops = future.result()
                wait(stops)  # nothing of the submission runs once its result is handed on
                yield running.pop(future), graded


def grade_line(graded: Graded) -> str:
    """A submission's line in ``grade``'s output: its score and counts (control characters of its name escaped,
    so a name cannot write to the instructor's terminal)."""
    s = graded.score
    return printable(f"{graded.submission}: {s.points:.4g} / {s.max_points:.4g} ({graded.report.summary_line()})")
