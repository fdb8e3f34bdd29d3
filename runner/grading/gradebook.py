"""The outputs of a batch: a JSON report (and HTML page) per submission and ``gradebook.csv``, and ``merge``,
which puts the outputs of several shards back together."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from dlconform.atomic import write_atomic
from dlconform.grading.assignment import score_from_doc
from dlconform.grading.errors import GradeError
from dlconform.grading.scoring import status
from dlconform.results import Graded
from dlconform.text import printable

GRADEBOOK = "gradebook.csv"
INDEX = "index.html"  # grade --html: the instructor's page
FIXED_COLUMNS = ("submission", "status", "score", "max_score")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet cell starting so is a formula


def report_name(submission: str) -> str:
    """The file name of a submission's JSON report: its path with every unusual character made ``_`` (cut, and
    hashed, when long: ``outdir.safe_name``)."""
    from dlconform.grading import outdir

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
    from dlconform.grading import outdir
    from dlconform.report import redacted, render

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
    from dlconform.grading import outdir

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
