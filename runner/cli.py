"""The ``dlconform`` command line: one group of commands (each in ``dlconform.commands``), whose errors are one line.

Exit codes are a contract: 0 success; 1 failures (failing cases, lint problems,
drift); 2 usage errors, unreadable vector files, targets that do not exist.
Every error a user can cause is one line on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import click
from dlconform.commands.common import (
    EXCLUDE_TAG_OPTION,
    EXIT_FAIL,
    EXIT_OK,
    FUNCTION_OPTION,
    TAG_OPTION,
    OutputFile,
    VersionedCommand,
    grading_options,
    vectors_options,
    write_or_exit,
)
from dlconform.commands.measure import accuracy, conformance, explore
from dlconform.commands.run import run
from dlconform.commands.suite import generate, lint, list_cmd
from dlconform.errors import EXIT_USAGE, DlconformError
from dlconform.text import printable
from dlconform.version import __version__

if TYPE_CHECKING:
    from dlconform.results import Graded
    from dlconform.run.assignment import Assignment


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print one error line and exit with ``code``."""
    click.echo(f"dlconform: error: {printable(message)}", err=True)
    sys.exit(code)


class OneLineErrors(click.Group):
    """A Click group whose usage errors are one line on stderr (``dlconform: error: ...``) and exit 2."""

    command_class = VersionedCommand

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; Click's own errors become one line instead of usage, hint and error."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name or "dlconform", complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            fail(f"{exc.format_message()}{hint}")
        except click.ClickException as exc:
            fail(exc.format_message(), exc.exit_code)
        except click.Abort:
            fail("aborted", EXIT_FAIL)
        except DlconformError as exc:  # every error a user can cause, caught here once
            for line in exc.lines():
                click.echo(f"dlconform: error: {printable(line)}", err=True)  # a file's name may hold escapes
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else EXIT_OK)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dlconform")
def main() -> None:
    """Conformance test vectors for deep-learning primitives, and a runner that checks implementations."""


for _command in (list_cmd, lint, generate, run, accuracy, explore, conformance):
    main.add_command(_command)


def default_assignment(name: str | None, functions: tuple[str, ...]) -> Assignment:
    """`grade`'s assignment: the one named; else the functions given with --function; else the course's eight."""
    from dlconform.run.assignment import Assignment, load_assignment
    from dlconform.run.select import canonical_function

    if name:
        return load_assignment(name)
    if functions:
        return Assignment.covering(canonical_function(f) for f in functions)
    return load_assignment("course")


@main.command()
@click.argument("submissions", nargs=-1, required=True, type=click.Path())
@vectors_options
@FUNCTION_OPTION
@TAG_OPTION
@EXCLUDE_TAG_OPTION
@grading_options
@click.option(
    "--weights", type=click.Path(dir_okay=False), help="YAML: points per function, weights per function::case glob."
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True, help="Submissions at a time.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Write a JSON report each and gradebook.csv.")
@click.option("--reveal-hidden", is_flag=True, help="In --out reports, show hidden cases in full (for instructors).")
@click.option(
    "--html",
    is_flag=True,
    help="With --out, also an HTML page per submission (plots of its failing functions) and an instructor's "
    "index.html (needs the html extra).",
)
@click.option("--gradescope", type=OutputFile(), help="Write Gradescope's results.json (one submission).")
@click.option("--shard", metavar="I/N", help="Grade only slice I of N of the sorted submissions.")
def grade(
    submissions: tuple[str, ...],
    vector_paths: tuple[str, ...],
    no_bundled: bool,
    functions: tuple[str, ...],
    tags: tuple[str, ...],
    exclude_tags: tuple[str, ...],
    timeout: float | None,
    memory: str | None,
    budget: float | None,
    sandbox: str | None,
    random_n: int,
    seed: int | None,
    assignment: str | None,
    weights: str | None,
    jobs: int,
    out_dir: str | None,
    reveal_hidden: bool,
    html: bool,
    gradescope: str | None,
    shard: str | None,
) -> None:
    """Grade SUBMISSIONS (.py files, notebooks, folders of them), each confined in its own worker process.

    The grade covers an assignment's functions and points (--assignment NAME|FILE; default: course, the
    course's eight graded functions); cases beyond a function's documented contract are feedback unless the
    assignment says otherwise. --vectors adds instructor files to the bundled suite (their hidden cases show
    students pass/fail only). Prints one line per submission as soon as it is graded (in the order they finish
    with -j above 1): its score and counts. Exit status: 0 every
    submission was graded (whatever its score); 2 usage errors, bad vector, assignment or weights files. With --gradescope, results.json is
    written whatever happens.
    """
    from dlconform.format.suite import bundled_dir, iter_cases
    from dlconform.report import gradescope as gs
    from dlconform.run.assignment import check_coverage
    from dlconform.run.planner import graded_functions, suite_files, with_random, worker_limits
    from dlconform.run.select import SelectionError, select
    from dlconform.targets.isolate.sandbox import describe as describe_sandbox
    from dlconform.tools.grade import (
        NO_WEIGHTS,
        GradeError,
        check_weights,
        exposed_files,
        find_submissions,
        grade_all,
        load_weights,
        parse_shard,
        take_shard,
        write_outputs,
    )
    from dlconform.tools.outdir import prepare as prepare_out

    start = time.monotonic()
    try:
        found = find_submissions(submissions)
        picked = take_shard(found, parse_shard(shard)) if shard else found
        scheme = load_weights(weights) if weights else NO_WEIGHTS
        chosen = default_assignment(assignment, functions)
        timeout = timeout if timeout is not None or not chosen.timeout else chosen.timeout
        files = suite_files(vector_paths, no_bundled, chosen.vectors)
        graded_names = graded_functions(chosen, functions)
        check_coverage(chosen, graded_names, (vf.function for vf in files))
        every = tuple(iter_cases(files))
        if weights:
            check_weights(scheme, weights, chosen, (c.key for c in every))
        selected = select(every, graded_names, tags, exclude_tags, None)
        if not selected:
            raise SelectionError("no case matches the selection")
        if not found:
            raise GradeError(f"no .py or .ipynb submission in {', '.join(submissions)}")
        if html:
            from dlconform.report.page import require_matplotlib

            if not out_dir:
                raise GradeError("--html writes its pages into --out DIR: give --out")
            require_matplotlib()
        if gradescope and len(picked) != 1:
            raise GradeError(f"--gradescope grades one submission, found {len(picked)}: {', '.join(picked) or 'none'}")
        if out_dir:  # made (or refused) now, before any submission runs: no worker can make it first
            try:
                prepare_out(out_dir)
            except OSError as exc:
                raise GradeError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
        if os.geteuid() != 0 and any(c.hidden for c in selected):
            click.echo(
                "dlconform: warning: not root, so submissions run as your user and can read hidden cases", err=True
            )
        for path in exposed_files(files, bundled_dir()) if os.geteuid() == 0 else ():
            click.echo(f"dlconform: warning: {path} has hidden cases and every user may read it: chmod o-r", err=True)
        cases, notes = with_random(selected, files, random_n, seed)
        limits = worker_limits(timeout, memory, sandbox, budget, chosen.support_files)
        click.echo(f"dlconform: grading {chosen.name}: {', '.join(chosen.functions)}", err=True)
        click.echo(f"dlconform: {describe_sandbox(limits.sandbox)}", err=True)
        graded = grade_all(
            picked,
            cases,
            jobs=jobs,
            limits=limits,
            assignment=chosen,
            weights=scheme,
            progress=_echo_line,
            notes=notes,
            sweeps=html,
        )
        if out_dir:
            try:
                write_outputs(graded, chosen.functions, out_dir, not reveal_hidden, html)
            except OSError as exc:
                raise GradeError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
        if gradescope:
            write_or_exit(gradescope, gs.dump(gs.results(graded[0], time.monotonic() - start)))
    except Exception as exc:  # whatever stops the grader still leaves Gradescope a results.json saying so
        if gradescope:
            why = str(exc) if isinstance(exc, DlconformError) else f"the grader failed: {exc}"
            write_or_exit(gradescope, gs.dump(gs.failure(why, time.monotonic() - start)))
        raise
    sys.exit(EXIT_OK)


def _echo_line(graded: Graded) -> None:
    """A submission's line as soon as it is graded, flushed at once (click.echo flushes), on a terminal or not."""
    from dlconform.tools.grade import grade_line

    click.echo(grade_line(graded))


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="The merged folder.")
def merge(sources: tuple[str, ...], out_dir: str) -> None:
    """Combine the --out folders of several `grade --shard` runs into one: all reports and one gradebook.

    Exit status: 0 merged; 2 a folder without a gradebook, or a submission graded twice.
    """
    from dlconform.tools.grade import merge as merge_outputs

    count = merge_outputs(sources, out_dir)
    click.echo(f"merged {count} submissions into {out_dir}")
