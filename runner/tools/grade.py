"""Batch grading: every submission in its own confined worker, scored per function, written out.

Scores give each function the same weight by default, with partial credit in
proportion to the cases passed; a weights file changes the weight of functions
(``sigmoid: 2``) or of cases (``"softmax::stability-*": 0.5``, glob patterns
over ``function::case-id``). ``--out DIR`` gets one JSON report per submission
and ``gradebook.csv``; ``--shard I/N`` grades a deterministic slice and
``merge`` puts the slices' outputs back together.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import math
import re
import shutil
import stat
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import Any

from dlconform.atomic import write_atomic
from dlconform.errors import DlconformError
from dlconform.format.model import Case, VectorFile
from dlconform.judge.compare import DEFAULTS, Options
from dlconform.results import CaseResult, Fault, Graded, Report, Score, Status
from dlconform.run.assignment import NO_WEIGHTS, Assignment, Weights, score_doc, score_from_doc
from dlconform.run.pipeline import Plan, execute
from dlconform.targets.isolate.spawn import DEFAULT_LIMITS, Limits
from dlconform.text import printable

SUBMISSION_SUFFIXES = (".py", ".ipynb")
GRADEBOOK = "gradebook.csv"
INDEX = "index.html"  # grade --html: the instructor's page
FIXED_COLUMNS = ("submission", "status", "score", "max_score")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet cell starting so is a formula


class GradeError(DlconformError, ValueError):
    """A grading input that cannot be used (missing submission, bad weights, bad shard): one line, exit 2."""


def load_weights(path: str | Path) -> Weights:
    """Read a weights file: a YAML mapping of function names and ``function::case`` globs to weights >= 0."""
    from dlconform.catalogue import FUNCTIONS
    from dlconform.format import safeyaml
    from dlconform.run.select import SelectionError, canonical_function

    try:
        data = safeyaml.load(Path(path).read_text(encoding="utf-8")).data
    except (OSError, UnicodeDecodeError, safeyaml.YamlError) as exc:
        raise GradeError(f"{path}: cannot read weights: {exc}") from None
    if not isinstance(data, dict):
        raise GradeError(f"{path}: weights must map function names or function::case-id patterns to numbers")
    functions: dict[str, float] = {}
    cases: list[tuple[str, float]] = []
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
            raise GradeError(f"{path}: weight of {key!r} must be a number >= 0, not {value!r}")
        name, sep, _ = str(key).partition("::")
        try:
            canonical = canonical_function(name)
        except SelectionError:
            raise GradeError(f"{path}: {key!r}: unknown function {name!r} (known: {', '.join(FUNCTIONS)})") from None
        if sep:
            cases.append((f"{canonical}::{str(key).partition('::')[2]}", float(value)))
        else:
            functions[canonical] = float(value)
    return Weights(functions, tuple(cases))


def check_weights(weights: Weights, path: str, assignment: Assignment, keys: Iterable[str]) -> None:
    """Every weights entry must count: a function the assignment grades, a pattern matching some case of the suite."""
    for function in weights.functions:
        if function not in assignment.points:
            raise GradeError(
                f"{path}: {function!r} is not graded by assignment {assignment.name} "
                f"({', '.join(assignment.functions)})"
            )
    known = list(keys)
    for pattern, _ in weights.cases:
        if not any(fnmatch.fnmatchcase(k, pattern) for k in known):
            raise GradeError(f"{path}: {pattern!r} matches no case of the suite")


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


def find_submissions(paths: Sequence[str]) -> list[str]:
    """The submissions named: .py and .ipynb files, and those directly inside folders; sorted, without repeats."""
    found: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(str(p) for p in sorted(path.iterdir()) if p.is_file() and p.suffix in SUBMISSION_SUFFIXES)
        elif path.is_file() and path.suffix in SUBMISSION_SUFFIXES:
            found.append(str(path))
        elif path.exists():
            raise GradeError(f"{given}: not a .py file, a .ipynb notebook or a folder of them")
        else:
            raise GradeError(f"{given}: no such file or folder")
    return sorted(set(found))


def parse_shard(text: str) -> tuple[int, int]:
    """``I/N`` as (I, N) with 1 <= I <= N."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise GradeError(f"--shard {text!r}: give I/N with 1 <= I <= N, e.g. 2/4")
    return int(match.group(1)), int(match.group(2))


def take_shard(submissions: Sequence[str], shard: tuple[int, int]) -> list[str]:
    """Slice I of N: every N-th submission of the sorted list, starting at the I-th."""
    index, count = shard
    return list(submissions[index - 1 :: count])


def grade_one(
    submission: str,
    cases: Sequence[Case],
    *,
    limits: Limits = DEFAULT_LIMITS,
    options: Options = DEFAULTS,
    assignment: Assignment | None = None,
    weights: Weights = NO_WEIGHTS,
    notes: Sequence[str] = (),
    sweeps: bool = False,
) -> Graded:
    """Grade one submission in its own worker: report with hints (and ``notes``), and its score by the assignment;
    ``sweeps``: failing functions are swept in the worker too, for the HTML pages."""
    plan = Plan(
        submission, tuple(cases), isolation=limits, options=options, notes=tuple(notes), hints=True, sweeps=sweeps
    )
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
    sweeps: bool = False,
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
                sweeps=sweeps,
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


def exposed_files(files: Iterable[VectorFile], bundled: Path) -> list[str]:
    """Instructor vector files with hidden cases that any user may read, a worker's unprivileged uid included."""
    out = []
    for vf in files:
        path = Path(vf.path).resolve()
        if path.is_relative_to(bundled.resolve()) or not any(c.hidden for c in vf.cases):
            continue
        modes = [path.stat().st_mode & stat.S_IROTH] + [p.stat().st_mode & stat.S_IXOTH for p in path.parents]
        if all(modes):
            out.append(vf.path)
    return out


def report_name(submission: str) -> str:
    """The file name of a submission's JSON report: its path with every unusual character made ``_`` (cut, and
    hashed, when long: ``outdir.safe_name``)."""
    from dlconform.tools import outdir

    return outdir.safe_name(submission) + ".json"


def gradebook_csv(graded: Sequence[Graded], functions: Sequence[str]) -> str:
    """The gradebook: submission, status, score, max_score and one column of points per graded function."""
    rows = [
        {
            "submission": g.submission,
            "status": status(g.report),
            "score": _number(g.score.points),
            "max_score": _number(g.score.max_points),
            **{f: _number(g.score.functions[f][0]) for f in functions if f in g.score.functions},
        }
        for g in graded
    ]
    return _csv([*FIXED_COLUMNS, *functions], rows)


def write_outputs(
    graded: Sequence[Graded],
    functions: Sequence[str],
    out_dir: str | Path,
    redact_hidden: bool = True,
    html: bool = False,
) -> None:
    """One JSON report per submission and the gradebook, each written atomically into ``out_dir``; with ``html``,
    an HTML page per submission beside its JSON (same name, ``.html``) and the instructor's ``index.html``.

    The reports are what a student may be shown: hidden cases pass/fail only, unless ``redact_hidden`` is False
    (then they are written 0600). ``out_dir`` is made 0700, and refused if someone else owns it or it holds files
    no dlconform run wrote (``outdir.prepare``); what the run before wrote there and this one did not is removed.
    The gradebook is written first, so that it exists whatever stops the rest.
    """
    from dlconform.report import redacted, render
    from dlconform.tools import outdir

    out = outdir.prepare(out_dir)
    names = outdir.report_names([g.submission for g in graded], report_name)
    mode = None if redact_hidden else outdir.PRIVATE
    pages = [_page(names[g.submission]) for g in graded] + [INDEX] if html else []
    with outdir.writing(out, [GRADEBOOK, *names.values(), *pages]):
        write_atomic(out / GRADEBOOK, gradebook_csv(graded, functions))
        for g in graded:
            write_atomic(out / names[g.submission], render(g.report, "json", redact_hidden=redact_hidden), mode=mode)
        if not html:
            return
        from dlconform.report.html import render_html
        from dlconform.report.html_index import Entry, render_index

        entries = [Entry(g.submission, _page(names[g.submission]), status(g.report), g.score) for g in graded]
        for g, entry in zip(graded, entries, strict=True):
            shown = redacted(g.report) if redact_hidden else g.report
            write_atomic(out / entry.page, render_html(shown), mode=mode)
        write_atomic(out / INDEX, render_index(entries, functions), mode=mode)


def _page(report_name: str) -> str:
    """The file name of a submission's HTML page: its JSON report's, ending .html."""
    return report_name.removesuffix(".json") + ".html"


def merge(sources: Sequence[str | Path], out_dir: str | Path) -> int:
    """Combine the outputs of several ``grade --out`` runs (shards) into ``out_dir``; returns the submission count.

    Gradebook columns are the union in order of appearance; a submission graded twice is an error. Shards graded
    with ``--html`` bring their pages, and the merged folder gets an index over all of them. ``out_dir`` is taken
    as ``grade`` takes its ``--out`` (``outdir.prepare``).
    """
    columns: list[str] = list(FIXED_COLUMNS)
    rows: dict[str, dict[str, str]] = {}
    origin: dict[str, Path] = {}
    reports: list[Path] = []
    with_pages: list[bool] = []  # per source: graded with --html
    for source in map(Path, sources):
        book = source / GRADEBOOK
        try:
            reader = csv.DictReader(io.StringIO(book.read_text(encoding="utf-8")))
            found = list(reader)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise GradeError(f"{book}: cannot read gradebook: {exc}") from None
        if not reader.fieldnames or tuple(reader.fieldnames[: len(FIXED_COLUMNS)]) != FIXED_COLUMNS:
            raise GradeError(f"{book}: not a dlconform gradebook (columns {', '.join(FIXED_COLUMNS)}, ...)")
        columns.extend(c for c in reader.fieldnames if c not in columns)
        for row in found:
            name = row["submission"]
            if name in rows:
                raise GradeError(f"{name} is graded in both {origin[name]} and {book}")
            rows[name], origin[name] = row, book
        reports.extend(p for p in sorted(source.glob("*.json")))
        reports.extend(p for p in sorted(source.glob("*.html")) if p.name != INDEX)
        with_pages.append((source / INDEX).is_file())
    if any(with_pages) and not all(with_pages):
        bare = ", ".join(str(src) for src, paged in zip(sources, with_pages, strict=True) if not paged)
        raise GradeError(f"{bare}: graded without --html where other shards have pages; grade every shard alike")
    seen: dict[str, Path] = {}
    for report in reports:
        if report.name in seen and seen[report.name].resolve() != report.resolve():
            raise GradeError(f"report {report.name} is in both {seen[report.name].parent} and {report.parent}")
        seen[report.name] = report
    paged = bool(with_pages) and all(with_pages)
    from dlconform.tools import outdir

    try:
        out = outdir.prepare(out_dir)
    except OSError as exc:
        raise GradeError(f"cannot write to {out_dir}: {exc}") from None
    with outdir.writing(out, [GRADEBOOK, *seen, *([INDEX] if paged else [])]):
        write_atomic(out / GRADEBOOK, _csv(columns, [rows[k] for k in sorted(rows)]))
        for name, report in seen.items():
            if report.resolve() != (out / name).resolve():
                shutil.copyfile(report, out / name)
        if paged:
            _merged_index(out, [p for p in seen.values() if p.suffix == ".json"], rows, columns[len(FIXED_COLUMNS) :])
    return len(rows)


def _merged_index(
    out: Path, reports: Sequence[Path], rows: dict[str, dict[str, str]], functions: Sequence[str]
) -> None:
    """The instructor's index over merged shards, from each JSON report's score and the gradebook's status."""
    import json

    from dlconform.report.html_index import Entry, render_index

    entries = []
    for path in reports:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            submission = doc["target"]["spec"]
            points = score_from_doc(doc.get("score"))
        except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
            raise GradeError(f"{path}: not a graded submission's report, for the index: {exc}") from None
        graded = rows.get(csv_cell(submission))
        if graded is None:
            raise GradeError(f"{path}: its submission {submission!r} is in no gradebook")
        entries.append(Entry(submission, _page(path.name), graded["status"], points))
    write_atomic(out / INDEX, render_index(entries, functions))


def _csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    """CSV text with ``columns``, missing values empty, every cell made safe (``csv_cell``)."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(columns), restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: csv_cell(value) for key, value in row.items()} for row in rows)
    return text.getvalue()


def csv_cell(value: Any) -> str:
    """A gradebook cell: text as the JSON reports write it (a lone surrogate of a name that is not UTF-8 as
    ``\\udcff``), control characters escaped, and a ``'`` before a cell a spreadsheet would read as a formula
    (one starting with = + - @, a tab or a carriage return: OWASP's advice). Applied twice, it changes nothing."""
    text = printable(str(value).encode("utf-8", "backslashreplace").decode("utf-8"))
    return f"'{text}" if text.startswith(FORMULA_START) else text


def _number(value: float) -> str:
    """Points for the gradebook: at most 4 decimals, no trailing zeros."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"
