"""A batch of submissions graded by an assignment: ``grade(GradeRequest)``, the one entry point of grading.

Each submission runs in its own confined worker and is scored per function (``scoring``); ``--out DIR`` gets one
JSON report per submission and ``gradebook.csv`` (``gradebook``), ``--shard I/N`` grades a deterministic slice
(``submissions``), ``--gradescope`` gets Gradescope's results.json (``gradescope``), also when grading failed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace

from dlconform.atomic import write_report
from dlconform.errors import DlconformError
from dlconform.format.model import Case, VectorFile
from dlconform.grading.assignment import (
    Assignment,
    check_coverage,
    default_assignment,
    graded_functions,
    score_doc,
)
from dlconform.grading.errors import GradeError
from dlconform.grading.scoring import score
from dlconform.grading.weights import NO_WEIGHTS, Weights
from dlconform.judge.compare import DEFAULTS, Options
from dlconform.results import Graded
from dlconform.run.pipeline import Plan, execute
from dlconform.targets.isolate.spawn import DEFAULT_LIMITS, Limits
from dlconform.targets.open import Adapter
from dlconform.text import printable


@dataclass(frozen=True)
class GradeRequest:
    """Every option of a batch, as ``dlconform grade`` takes them (see its --help)."""

    submissions: tuple[str, ...]  # .py files, notebooks, folders of them
    vectors: tuple[str, ...] = ()  # instructor files or folders added to the bundled suite
    no_bundled: bool = False
    functions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    timeout: float | None = None
    memory: str | None = None
    budget: float | None = None
    sandbox: str | None = None
    random_n: int = 0
    seed: int | None = None
    assignment: str | None = None  # NAME|FILE (default: course, or the functions named)
    weights: str | None = None  # a weights file: weights of cases within their function
    jobs: int = 1
    out_dir: str | None = None
    reveal_hidden: bool = False
    html: bool = False
    gradescope: str | None = None
    shard: str | None = None  # I/N
    adapter: str | None = None  # a command template running each submission's adapter ({submission}: its copy)
    adapter_ext: str | None = None  # with adapter: the submissions' extension (default: its script's)


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
) -> GradedBatch:
    """Check the request, grade its submissions and write what it asks for; ``say`` gets the notes for the
    instructor (stderr), ``progress`` each submission as it finishes. Whatever stops the batch still leaves
    ``--gradescope`` a results.json saying why (then the error is raised again)."""
    from dlconform.grading import gradescope as gs

    start = time.monotonic()
    try:
        batch = prepare(request, say)
        outcome = run_batch(request, batch, say, progress)
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
    from dlconform.format.suite import iter_cases, suite_files
    from dlconform.grading.submissions import adapter_suffixes, find_submissions, parse_shard, take_shard
    from dlconform.grading.weights import check_weights, load_weights
    from dlconform.run.random_cases import with_random
    from dlconform.run.select import SelectionError, select
    from dlconform.targets.isolate.spawn import worker_limits

    suffixes = adapter_suffixes(request.adapter, request.adapter_ext)
    found = find_submissions(request.submissions, suffixes)
    picked = take_shard(found, parse_shard(request.shard)) if request.shard else found
    scheme = load_weights(request.weights) if request.weights else NO_WEIGHTS
    chosen = default_assignment(request.assignment, request.functions)
    timeout = request.timeout if request.timeout is not None or not chosen.timeout else chosen.timeout
    files = suite_files(request.vectors, request.no_bundled, chosen.vectors)
    graded_names = graded_functions(chosen, request.functions)
    check_coverage(chosen, graded_names, (vf.function for vf in files))
    every = tuple(iter_cases(files))
    if request.weights:
        check_weights(scheme, request.weights, (c.key for c in every))
    selected = select(every, graded_names, request.tags, request.exclude_tags, None)
    if not selected:
        raise SelectionError("no case matches the selection")
    if not found:
        raise GradeError(f"no {' or '.join(suffixes)} submission in {', '.join(request.submissions)}")
    _check_outputs(request, picked)
    for line in _exposure_warnings(files, selected):
        say(line)
    cases, notes = with_random(selected, files, request.random_n, request.seed)
    limits = worker_limits(timeout, request.memory, request.sandbox, request.budget, chosen.support_files)
    if request.adapter is not None:
        _check_adapter(request.adapter, limits, cases)
    return Prepared(picked, chosen, scheme, cases, notes, limits)


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


def run_batch(
    request: GradeRequest, batch: Prepared, say: Callable[[str], None], progress: Callable[[Graded], None] | None
) -> GradedBatch:
    """Grade a prepared batch and write its --out folder."""
    from dlconform.grading.gradebook import write_outputs
    from dlconform.targets.isolate.sandbox import describe as describe_sandbox

    chosen = batch.assignment
    say(f"dlconform: grading {chosen.name}: {', '.join(chosen.functions)}")
    say(f"dlconform: {describe_sandbox(batch.limits.sandbox)}")
    graded = grade_all(
        batch.submissions,
        batch.cases,
        jobs=request.jobs,
        limits=batch.limits,
        assignment=chosen,
        weights=batch.weights,
        progress=progress,
        notes=batch.notes,
        curves=request.html,
        adapter=request.adapter,
    )
    if request.out_dir:
        try:
            write_outputs(graded, chosen.functions, request.out_dir, not request.reveal_hidden, request.html)
        except OSError as exc:
            raise GradeError(f"cannot write to {request.out_dir}: {exc.strerror or exc}") from None
    return GradedBatch(chosen, graded)


def grade_one(
    submission: str,
    cases: Sequence[Case],
    *,
    limits: Limits = DEFAULT_LIMITS,
    options: Options = DEFAULTS,
    assignment: Assignment | None = None,
    weights: Weights = NO_WEIGHTS,
    notes: Sequence[str] = (),
    curves: bool = False,
    adapter: str | None = None,
) -> Graded:
    """Grade one submission in its own worker (with ``adapter``, a command template: through that adapter, confined
    alike): report with hints (none for an adapter's language) and ``notes``, and its score by the assignment;
    ``curves``: failing functions are measured across their domain in the worker too, for the HTML pages."""
    source = Adapter(adapter, submission) if adapter is not None else submission
    hints = adapter is None  # the hints speak Python and NumPy (keepdims, the repro line): not to other languages
    plan = Plan(source, tuple(cases), isolation=limits, options=options, notes=tuple(notes), hints=hints, curves=curves)
    report = execute(plan)
    chosen = assignment or Assignment.covering(c.function for c in cases)
    points = score(report.results, chosen, weights)
    return Graded(submission, replace(report, score=score_doc(points, chosen.name, chosen.beyond)), points)


def grade_all(
    submissions: Sequence[str],
    cases: Sequence[Case],
    *,
    jobs: int = 1,
    limits: Limits = DEFAULT_LIMITS,
    options: Options = DEFAULTS,
    assignment: Assignment | None = None,
    weights: Weights = NO_WEIGHTS,
    progress: Callable[[Graded], None] | None = None,
    notes: Sequence[str] = (),
    curves: bool = False,
    adapter: str | None = None,
) -> list[Graded]:
    """Grade every submission, ``jobs`` at a time; results in submission order, ``progress`` called with each
    as it finishes."""

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [
            pool.submit(
                grade_one,
                s,
                cases,
                limits=limits,
                options=options,
                assignment=assignment,
                weights=weights,
                notes=notes,
                curves=curves,
                adapter=adapter,
            )
            for s in submissions
        ]
        for done in as_completed(futures):
            if progress is not None:
                progress(done.result())  # in the calling thread: what it prints needs no lock
        return [f.result() for f in futures]


def grade_line(graded: Graded) -> str:
    """A submission's line in ``grade``'s output: its score and counts (control characters of its name escaped,
    so a name cannot write to the instructor's terminal)."""
    s = graded.score
    return printable(f"{graded.submission}: {s.points:.4g} / {s.max_points:.4g} ({graded.report.summary_line()})")
