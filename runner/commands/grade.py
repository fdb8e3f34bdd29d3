"""``dlconform grade`` and ``dlconform merge``: their options translated into a ``GradeRequest`` (each submission's
run options as the options model, ``RunOptions``; the batch's own beside them) for ``dlconform.grading``."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import click
from dlconform.commands.common import (
    EXCLUDE_TAG_OPTION,
    EXIT_OK,
    FUNCTION_OPTION,
    TAG_OPTION,
    OutputFile,
    VersionedCommand,
    grading_options,
    vectors_options,
)
from dlconform.run.options import RunOptions

if TYPE_CHECKING:
    from dlconform.grading.batch import GradeRequest
    from dlconform.results import Graded


def grade_request(params: Mapping[str, Any]) -> GradeRequest:
    """``grade``'s parameters as a request: the run options of every submission (always in a worker; --html
    computes the plots' data there) and the batch's options."""
    from dlconform.grading.batch import GradeRequest

    run = {f.name: params[f.name] for f in fields(RunOptions) if f.name in params}
    run.update(vectors=params["vector_paths"], isolate=True, plots=params["html"])
    batch = {f.name: params[f.name] for f in fields(GradeRequest) if f.name in params}
    return GradeRequest(**batch, run=RunOptions(**run))


@click.command(cls=VersionedCommand)
@click.argument("submissions", nargs=-1, required=True, type=click.Path())
@vectors_options
@FUNCTION_OPTION
@TAG_OPTION
@EXCLUDE_TAG_OPTION
@grading_options
@click.option(
    "--weights",
    type=click.Path(dir_okay=False),
    help="YAML: weights of cases within their function, per function::case-id glob (points: the assignment).",
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True, help="Submissions at a time.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Write a JSON report each and gradebook.csv.")
@click.option("--reveal-hidden", is_flag=True, help="In --out reports, show hidden cases in full (for instructors).")
@click.option(
    "--html",
    is_flag=True,
    help="With --out, also an HTML page per submission (plots of its failing functions) and an instructor's "
    "index.html.",
)
@click.option("--gradescope", type=OutputFile(), help="Write Gradescope's results.json (one submission).")
@click.option("--shard", metavar="I/N", help="Grade only slice I of N of the sorted submissions.")
@click.option(
    "--adapter",
    metavar="TEMPLATE",
    help='Grade submissions in another language through an adapter, e.g. "node adapters/javascript/adapter.js '
    '{submission}" ({submission}: the confined copy; docs/grading.md).',
)
@click.option(
    "--adapter-ext", metavar="EXT", help="With --adapter: the submissions' extension (default: its script's)."
)
def grade(**params: Any) -> None:
    """Grade SUBMISSIONS (.py files, notebooks, folders of them; with --adapter, files in its language), each
    confined in its own worker or adapter process.

    The grade covers an assignment's functions and points (--assignment NAME|FILE; default: course, the
    course's eight graded functions); cases beyond a function's documented contract are feedback unless the
    assignment says otherwise. --vectors adds instructor files to the bundled suite (their hidden cases show
    students pass/fail only). Prints one line per submission as soon as it is graded (in the order they finish
    with -j above 1): its score and counts. Exit status: 0 every
    submission was graded (whatever its score); 2 usage errors, bad vector, assignment or weights files. With --gradescope, results.json is
    written whatever happens.
    """
    from dlconform.grading.batch import grade as grade_batch

    grade_batch(grade_request(params), say=lambda line: click.echo(line, err=True), progress=_echo_line, keep=False)
    sys.exit(EXIT_OK)


def _echo_line(graded: Graded) -> None:
    """A submission's line as soon as it is graded, flushed at once (click.echo flushes), on a terminal or not."""
    from dlconform.grading.batch import grade_line

    click.echo(grade_line(graded))


@click.command(cls=VersionedCommand)
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="The merged folder.")
def merge(sources: tuple[str, ...], out_dir: str) -> None:
    """Combine the --out folders of several `grade --shard` runs into one: all reports and one gradebook.

    Exit status: 0 merged; 2 a folder without a gradebook, or a submission graded twice.
    """
    from dlconform.grading.gradebook import merge as merge_outputs

    count = merge_outputs(sources, out_dir)
    click.echo(f"merged {count} submissions into {out_dir}")
