"""The outputs of a batch: a JSON report (and HTML page) per submission and ``gradebook.csv``, and ``merge``,
which puts the outputs of several shards back together."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dlconform.atomic import write_atomic
from dlconform.grading.assignment import score_from_doc
from dlconform.grading.errors import GradeError
from dlconform.grading.scoring import status
from dlconform.results import Graded
from dlconform.text import printable

if TYPE_CHECKING:
    from dlconform.report.html_index import Entry

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
    columns = [*FIXED_COLUMNS, *functions]
    return _csv_header(columns) + "".join(_csv_row(columns, _row(g, functions)) for g in graded)


def _row(graded: Graded, functions: Sequence[str]) -> dict[str, str]:
    """A submission's gradebook row."""
    points = graded.score
    return {
        "submission": graded.submission,
        "status": status(graded.report),
        "score": _number(points.points),
        "max_score": _number(points.max_points),
        **{f: _number(points.functions[f][0]) for f in functions if f in points.functions},
    }


class Outputs:
    """A batch's ``--out`` folder, written as each submission finishes (``add``) and completed by ``close``; of a
    submission it keeps only its gradebook line (and its index entry), so a batch's memory does not grow with it.

    The folder is made 0700, and refused if someone else owns it or it holds files no dlconform run wrote
    (``outdir.prepare``). Each submission's JSON report (and, with ``html``, its HTML page beside it: same name,
    ``.html``) is what a student may be shown: hidden cases pass/fail only, unless ``redact_hidden`` is False (then
    they are written 0600). The gradebook is rewritten, in submission order, as each submission finishes and before
    its report, so it lists every submission graded so far whatever stops the batch; the files of the run before
    are removed when the first submission's are written (the folder never mixes two runs), and ``close`` writes the
    instructor's ``index.html`` (with ``html``). Every file is written atomically.
    """

    def __init__(
        self,
        submissions: Sequence[str],
        functions: Sequence[str],
        out_dir: str | Path,
        redact_hidden: bool = True,
        html: bool = False,
    ) -> None:
        from dlconform.grading import outdir

        self.out = outdir.prepare(out_dir)
        self.names = outdir.report_names(list(submissions), report_name)
        self.functions, self.redact_hidden, self.html = list(functions), redact_hidden, html
        self.mode = None if redact_hidden else outdir.PRIVATE
        self.files = [GRADEBOOK, *self.names.values(), *([*map(_page, self.names.values()), INDEX] if html else [])]
        self.order = {s: i for i, s in reversed(list(enumerate(submissions)))}  # a submission's first place
        self.lines: dict[str, str] = {}  # each finished submission's gradebook line
        self.entries: list[Entry] = []  # with html: each finished submission's index entry
        self.before = outdir.begin(self.out, self.files)

    def add(self, graded: Graded) -> None:
        """Write a finished submission's gradebook line (the whole gradebook, rewritten), then its report and page."""
        from dlconform.grading import outdir
        from dlconform.report import redacted, render

        if not self.lines:
            outdir.remove(self.out, self.before)  # the run before's files, this one's first write: never a mix
        columns = [*FIXED_COLUMNS, *self.functions]
        self.lines[graded.submission] = _csv_row(columns, _row(graded, self.functions))
        write_atomic(self.out / GRADEBOOK, self.gradebook())
        name = self.names[graded.submission]
        write_atomic(self.out / name, render(graded.report, "json", redact_hidden=self.redact_hidden), mode=self.mode)
        if self.html:
            from dlconform.report.html import render_html
            from dlconform.report.html_index import Entry

            shown = redacted(graded.report) if self.redact_hidden else graded.report
            write_atomic(self.out / _page(name), render_html(shown), mode=self.mode)
            self.entries.append(Entry(graded.submission, _page(name), status(graded.report), graded.score))

    def gradebook(self) -> str:
        """The gradebook of the submissions finished so far, in submission order."""
        done = sorted(self.lines, key=self.order.__getitem__)
        return _csv_header([*FIXED_COLUMNS, *self.functions]) + "".join(self.lines[s] for s in done)

    def close(self) -> None:
        """Once every submission is added: the index (with html), and the folder holds this run's files only."""
        from dlconform.grading import outdir

        if not self.lines:  # an empty batch: a gradebook of no one
            outdir.remove(self.out, self.before)
            write_atomic(self.out / GRADEBOOK, self.gradebook())
        if self.html:
            from dlconform.report.html_index import render_index

            write_atomic(self.out / INDEX, render_index(self.entries, self.functions), mode=self.mode)
        outdir.finish(self.out, self.files, self.before)


def write_outputs(
    graded: Sequence[Graded],
    functions: Sequence[str],
    out_dir: str | Path,
    redact_hidden: bool = True,
    html: bool = False,
) -> None:
    """The ``--out`` folder of the submissions ``graded``, all at once (``Outputs``)."""
    outputs = Outputs([g.submission for g in graded], functions, out_dir, redact_hidden, html)
    for g in graded:
        outputs.add(g)
    outputs.close()


def _page(report_name: str) -> str:
    """The file name of a submission's HTML page: its JSON report's, ending .html."""
    return report_name.removesuffix(".json") + ".html"


def merge(sources: Sequence[str | Path], out_dir: str | Path) -> int:
    """Combine the outputs of several ``grade --out`` runs (shards) into ``out_dir``; returns the submission count.

    Gradebook columns are the union in order of appearance; a submission graded twice is an error, and so is a
    folder whose grading stopped half-way (``_check_finished``). Shards graded
    with ``--html`` bring their pages, and the merged folder gets an index over all of them. ``out_dir`` is taken
    as ``grade`` takes its ``--out`` (``outdir.prepare``).
    """
    columns: list[str] = list(FIXED_COLUMNS)
    rows: dict[str, dict[str, str]] = {}
    origin: dict[str, Path] = {}
    reports: list[Path] = []
    with_pages: list[bool] = []  # per source: graded with --html
    for source in map(Path, sources):
        _check_finished(source)
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


def _check_finished(source: Path) -> None:
    """Refuse a folder whose grading stopped half-way (a gradebook or report its record names is missing): merged,
    it would leave out the submissions it did not reach without a word. (Its index is not read: merge writes one.)"""
    from dlconform.grading import outdir

    missing = sorted(n for n in outdir.recorded(source) - {INDEX} if not (source / n).exists())
    if missing:
        raise GradeError(
            f"{source}: its grading did not finish ({len(missing)} files missing: {printable(missing[0])}, ...): "
            "grade it again, then merge"
        )


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
    return _csv_header(columns) + "".join(_csv_row(columns, row) for row in rows)


def _csv_header(columns: Sequence[str]) -> str:
    """The header line of CSV text with ``columns``."""
    text = io.StringIO()
    csv.DictWriter(text, fieldnames=list(columns), lineterminator="\n").writeheader()
    return text.getvalue()


def _csv_row(columns: Sequence[str], row: dict[str, Any]) -> str:
    """One line of CSV text with ``columns``: ``row``'s values, missing ones empty, each made safe (``csv_cell``)."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(columns), restval="", lineterminator="\n")
    writer.writerow({key: csv_cell(value) for key, value in row.items()})
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
