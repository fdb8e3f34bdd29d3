"""``dlconform run``: its options translated into ``RunOptions``, planned by ``make_plan``, run and reported.

Only the report's form (format, output, colour, verbosity, JUnit XML) and writing the baseline file are this
command's own; everything that decides what runs and whether it passed is the options model's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import click
from dlconform.atomic import write_report
from dlconform.commands.common import (
    EXCLUDE_TAG_OPTION,
    EXIT_FAIL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    FUNCTION_OPTION,
    TAG_OPTION,
    OutputFile,
    VersionedCommand,
    grading_options,
    profile_options,
    tolerance,
    use_color,
    vectors_options,
)
from dlconform.run.options import RunOptions

if TYPE_CHECKING:
    from dlconform.results import Report
    from dlconform.run.pipeline import Plan

# The fields of RunOptions whose CLI parameter has another name (every other field is its parameter's name).
CLI_NAMES = {"vectors": "vector_paths", "plots": "fmt", "maxfail": "maxfail|exitfirst"}


def _apply(*decorators: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """One decorator applying ``decorators`` as if stacked in this order."""

    def apply(command: Any) -> Any:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


CASE_OPTIONS = _apply(
    click.argument("target", required=False),
    profile_options,
    click.option(
        "--dtypes",
        metavar="float16,float32,float64",
        help="Run every float case once in each of these dtypes (ids <id>@<dtype>).",
    ),
    vectors_options,
    FUNCTION_OPTION,
    TAG_OPTION,
    EXCLUDE_TAG_OPTION,
    click.option(
        "-k", "keyword", help="Only cases whose function::case-id matches, as pytest -k ('sigmoid and not article')."
    ),
    click.option(
        "--rtol", type=float, callback=tolerance, help="Relative tolerance for every case, overriding the files'."
    ),
    click.option(
        "--atol", type=float, callback=tolerance, help="Absolute tolerance for every case, overriding the files'."
    ),
    click.option("--strict-dtype", is_flag=True, help="Demand the exact expected dtype, not only its kind."),
)
REPORT_OPTIONS = _apply(
    click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json", "markdown", "html"]),
        default="text",
        show_default=True,
        help="html: one self-contained page with a plot per failing function.",
    ),
    click.option("--output", "-o", type=OutputFile(), help="Write the report to this file (atomically)."),
    click.option("--junit-xml", type=OutputFile(), help="Also write a JUnit XML report to this file."),
    click.option("--no-color", is_flag=True, help="No colour (default: colour on a terminal unless NO_COLOR is set)."),
    click.option("--verbose", "-v", "verbose", count=True, help="Every case, passing ones too (text and Markdown)."),
    click.option("--quiet", "-q", "quiet", count=True, help="Only the closing counts (text and Markdown)."),
)
GATE_OPTIONS = _apply(
    click.option(
        "--baseline", type=click.Path(dir_okay=False), help="Known failures (YAML): only new or changed ones fail."
    ),
    click.option(
        "--strict-baseline", is_flag=True, help="With --baseline, baseline cases that now pass fail the run too."
    ),
    click.option(
        "--write-baseline", type=OutputFile(), help="Write this run's failures as a baseline file (then exit 0)."
    ),
    click.option("--exitfirst", "-x", is_flag=True, help="Stop at the first failing case (as --maxfail 1)."),
    click.option(
        "--maxfail", type=click.IntRange(min=1), metavar="N", help="Stop after N failing cases; the report says so."
    ),
    click.option("--isolate", is_flag=True, help="Run TARGET in a confined worker process, as `grade` does."),
    click.option(
        "--adapter",
        metavar="COMMAND",
        help="Check an implementation in another language through its adapter command (docs/protocol.md), "
        'e.g. "node adapters/javascript/adapter.js solution.js"; it runs under --timeout, --memory and --budget.',
    ),
    click.option(
        "--perf",
        is_flag=True,
        help="Also time each function against the reference on a large input; over 50x slower is flagged.",
    ),
    click.option(
        "--perf-fail",
        type=click.FloatRange(min=1),
        metavar="RATIO",
        help="Implies --perf: exit 1 when a function is more than RATIO times slower than the reference.",
    ),
    click.option(
        "--fail-under",
        type=float,
        metavar="SCORE",
        help="With --assignment: exit 1 when the score is below SCORE points (default: below full marks).",
    ),
)


def run_options(params: Mapping[str, Any]) -> RunOptions:
    """``run``'s parameters as the options model: --vectors, --dtypes, -x and --format html are translated."""
    given = {f.name: params[f.name] for f in fields(RunOptions) if f.name in params}
    dtypes = params["dtypes"]
    given.update(
        vectors=params["vector_paths"],
        dtypes=None if dtypes is None else tuple(dtypes.split(",")),
        maxfail=1 if params["exitfirst"] else params["maxfail"],
        plots=params["fmt"] == "html",
    )
    return RunOptions(**given)


@click.command(cls=VersionedCommand)
@CASE_OPTIONS
@REPORT_OPTIONS
@GATE_OPTIONS
@grading_options
def run(**params: Any) -> None:
    """Check TARGET (a .py file, a .ipynb notebook, pkg.mod or pkg.mod:obj) against the vectors.

    Or check a library: --profile NAME|PATH and/or --bind FUNCTION=module:callable instead of TARGET. A built-in
    profile's own baseline (known failures of that library) applies unless --baseline is given; under --bind its
    entries for the re-bound functions are left out, and a case run in another dtype (--dtypes) is covered only
    by an entry naming it (the report says so).

    With --assignment, only its functions run and the report ends with the score a grade would give (the
    student's view of `grade --assignment`).

    Exit status: 0 every selected case passed (or failed only as the baseline expects), or --write-baseline
    wrote its file; 1 some case failed or errored, the target raising on import included, or (--perf-fail RATIO)
    a function was more than RATIO times slower than the reference; 2 usage errors, bad vector or baseline files,
    a target that does not exist, a selection that matches no case. With --assignment the grade decides instead:
    0 at full marks (or at --fail-under SCORE points or more), 1 below it or when the run stopped early.
    """
    from dlconform.run.planner import make_plan
    from dlconform.run.watch import SLOW_AFTER

    options = run_options(params)
    report, interrupted = _execute(make_plan(options, slow_after=SLOW_AFTER), params["fmt"], params["output"])
    _write_reports(report, params)
    if interrupted:  # a baseline of part of the run would call the rest stale
        written = ", no baseline written" if options.write_baseline else ""
        click.echo(f"dlconform: {report.stopped}{written}", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if options.write_baseline:
        from dlconform.run.baseline import FAILING, dump_baseline

        write_report(options.write_baseline, dump_baseline(report))
        entries = sum(r.outcome in FAILING for r in report.results)
        click.echo(f"dlconform: wrote baseline {options.write_baseline} ({entries} entries)", err=True)
    sys.exit(EXIT_OK if report.gate_passed else EXIT_FAIL)


def _execute(plan: Plan, fmt: str, output: str | None) -> tuple[Report, bool]:
    """The plan's report, and whether Ctrl-C stopped it (its report then holds what ran)."""
    from dlconform.run.pipeline import RunInterrupted, open_plan, run_plan

    with open_plan(plan) as loaded:
        if loaded.load_error and (fmt != "text" or output):  # a text report on stdout says it itself
            click.echo(f"dlconform: target failed to import: {loaded.load_error}", err=True)
        try:
            return run_plan(plan, loaded), False
        except RunInterrupted as exc:  # the report of what ran, then exit 130 as a shell would
            return exc.report, True


def _write_reports(report: Report, params: Mapping[str, Any]) -> None:
    """The report in its format, on stdout or to --output, and the JUnit XML file when asked for."""
    from dlconform.report import render, render_junit

    fmt, output = params["fmt"], params["output"]
    color = use_color(fmt, output, params["no_color"])
    text = render(report, fmt, color=color, verbosity=params["verbose"] - params["quiet"])
    if output:
        write_report(output, text)
        click.echo(f"{report.summary_line()} (report written to {output})", err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))
    if params["junit_xml"]:
        write_report(params["junit_xml"], render_junit(report))
