"""The ``dlconform`` command line.

Exit codes are a contract: 0 success; 1 failures (failing cases, lint problems,
drift); 2 usage errors, unreadable vector files, targets that do not exist.
Every error a user can cause is one line on stderr, never a traceback.
"""

from __future__ import annotations

import functools
import importlib
import math
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn

import click
from dlconform.atomic import write_report as write_or_exit
from dlconform.errors import EXIT_USAGE, DlconformError
from dlconform.format.suite import iter_cases, suite_files
from dlconform.text import printable
from dlconform.version import __version__

if TYPE_CHECKING:
    from dlconform.results import Graded
    from dlconform.targets.base import Target
    from dlconform.targets.isolate.spawn import Limits

EXIT_OK, EXIT_FAIL = 0, 1
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports a command ended by SIGINT


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print one error line and exit with ``code``."""
    click.echo(f"dlconform: error: {printable(message)}", err=True)
    sys.exit(code)


class VersionedCommand(click.Command):
    """A subcommand that answers ``--version`` too (``dlconform run --version``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        click.version_option(__version__, prog_name="dlconform")(self)


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


class OutputFile(click.Path):
    """A file a command writes: its folder must exist (a mistyped path is an error, not a new folder tree)."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The path, refused when its folder does not exist."""
        path = os.fsdecode(super().convert(value, param, ctx))
        folder = os.path.dirname(path) or "."
        if not os.path.isdir(folder):
            self.fail(f"folder {folder} does not exist (create it first)", param, ctx)
        return path


FUNCTION_OPTION = click.option(
    "--function", "-f", "functions", multiple=True, help="Only this function (name or alias); repeatable."
)
TAG_OPTION = click.option("--tag", "-t", "tags", multiple=True, help="Only cases with this tag; repeatable.")
EXCLUDE_TAG_OPTION = click.option(
    "--exclude-tag", "exclude_tags", multiple=True, help="Leave out cases with this tag; repeatable."
)


def vectors_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--vectors PATH`` (repeatable files or folders, added to the bundled suite) and ``--no-bundled``, the same
    in every command that reads the suite."""
    command = click.option(
        "--no-bundled", is_flag=True, help="Use only the --vectors files, without the bundled suite."
    )(command)
    return click.option(
        "--vectors",
        "vector_paths",
        multiple=True,
        type=click.Path(),
        help="Vector files or folders added to the bundled suite (a case id it has already is an error); repeatable.",
    )(command)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dlconform")
def main() -> None:
    """Conformance test vectors for deep-learning primitives, and a runner that checks implementations."""


@main.command("list")
@vectors_options
@FUNCTION_OPTION
@TAG_OPTION
def list_cmd(
    vector_paths: tuple[str, ...], no_bundled: bool, functions: tuple[str, ...], tags: tuple[str, ...]
) -> None:
    """List functions with their case counts by tag, and by layout for the layout variants."""
    from dlconform.format.large import LARGE_TAG
    from dlconform.run.select import canonical_function

    files = suite_files(vector_paths, no_bundled)
    wanted = {canonical_function(f) for f in functions}
    total = large = 0
    click.echo(f"{'function':<20} {'cases':>5}  tags")
    for vf in files:
        if wanted and vf.function not in wanted:
            continue
        cases = [c for c in iter_cases([vf]) if not tags or set(tags) & set(c.tags)]
        if not cases:
            continue
        counts = Counter(t for c in cases for t in c.tags)
        layouts = Counter(f"@{c.layout}" for c in cases if c.layout)
        total += len(cases)
        large += counts[LARGE_TAG]
        shown = [*sorted(counts.items()), *sorted(layouts.items())]
        click.echo(f"{vf.function:<20} {len(cases):>5}  " + ", ".join(f"{t} {n}" for t, n in shown))
    # large cases are generated at run time and run only when asked for, so a default run counts fewer
    why = (
        f"  ({total - large} in a default run + {large} large, generated at run time, only with -t large)"
        if large
        else ""
    )
    click.echo(f"{'total':<20} {total:>5}{why}")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
def lint(paths: tuple[str, ...]) -> None:
    """Check vector files against the schema and its meaning (default: the bundled suite)."""
    from dlconform.tools.lint import lint as run_lint

    problems = run_lint(paths or None)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s)", err=True)
        sys.exit(EXIT_FAIL)
    click.echo("no problems")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--check", is_flag=True, help="Rewrite nothing; exit 1 on drift beyond tolerance or non-canonical files.")
def generate(paths: tuple[str, ...], check: bool) -> None:
    """Recompute expected values from the reference and write files in canonical form.

    Without PATHS (the bundled suite), vectors/schema.json is regenerated from the function catalogue too.
    """
    from dlconform.format.suite import vector_paths
    from dlconform.tools.generate import generate_file, generate_schema

    files = vector_paths(paths or None)
    bad = 0
    rewrote: list[str] = []
    jobs = [functools.partial(generate_file, path, check=check) for path in files]
    if not paths:
        jobs.append(functools.partial(generate_schema, check=check))
    for job in jobs:
        result = job()
        for problem in result.problems:
            click.echo(str(problem))
        bad += bool(result.problems)
        if result.changed:
            rewrote.append(result.path)
    done = f"{len(jobs) - len(rewrote) - bad} file(s) {'checked' if check else 'up to date'}"
    click.echo("; ".join([f"rewrote {', '.join(rewrote)}", done] if rewrote else [done]))
    if bad:
        click.echo(f"{bad} file(s) with problems", err=True)
        sys.exit(EXIT_FAIL)


def _tolerance(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """Accept a finite, non-negative tolerance."""
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise click.BadParameter(f"{value} is not a finite number >= 0")
    return value


def use_color(fmt: str, output: str | None, no_color: bool) -> bool:
    """Colour only for a text report on a terminal, unless --no-color or NO_COLOR says otherwise."""
    return fmt == "text" and not output and not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def _profile_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options that check a library through a profile instead of a TARGET file or module."""
    command = click.option(
        "--bind",
        "binds",
        multiple=True,
        metavar="FUNCTION=module:callable",
        help="Bind one function to a library callable, on top of --profile or alone; repeatable.",
    )(command)
    return click.option(
        "--profile",
        metavar="NAME|PATH",
        help="Check a library through a built-in profile (numpy, scipy, torch, jax, array_api) or a profile file.",
    )(command)


def target_source(target: str | None, profile: str | None, binds: tuple[str, ...], isolated: bool = False) -> Any:
    """What ``open_target`` opens for TARGET, or for --profile and --bind: the spec, or the library's Bindings.

    Without either, an ``isolated`` run gets empty Bindings, which ``open_target`` refuses to isolate."""
    from dlconform.targets.open import Bindings

    if target and (profile or binds):
        raise DlconformError("give a TARGET or --profile/--bind, not both")
    if target:
        return target
    if not (profile or binds or isolated):
        raise DlconformError(
            "missing TARGET (a file, notebook or module), or --profile NAME, or --bind FUNCTION=module:callable"
        )
    return Bindings(profile, binds)


def adapter_source(adapter: str | None, target: str | None, profile: str | None, binds: tuple[str, ...]) -> Any:
    """What ``open_target`` opens for --adapter COMMAND (None without it); it cannot be given with a TARGET."""
    if adapter is None:
        return None
    if target or profile or binds:
        raise DlconformError("give --adapter COMMAND or a TARGET, --profile or --bind, not both")
    from dlconform.targets.open import Adapter

    return Adapter(adapter)


def _grading_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options `run` and `grade` share: worker limits and random cases."""
    for option in reversed(
        (
            click.option(
                "--timeout",
                type=click.FloatRange(min=0, min_open=True),
                help="Seconds each call (and the import) may take in the worker (default 10); in `run`, implies --isolate.",
            ),
            click.option(
                "--memory",
                metavar="SIZE",
                help="The worker's memory limit, e.g. 512M or 2G (default 2G; 0: none); in `run`, implies --isolate.",
            ),
            click.option(
                "--budget",
                type=click.FloatRange(min=0),
                help="Wall-clock seconds each submission may take in all, import included (default 300; 0: none); "
                "its remaining cases are then errors; in `run`, implies --isolate.",
            ),
            click.option(
                "--sandbox",
                type=click.Choice(["auto", "bwrap", "uid"]),
                help="How workers are confined: bwrap (bubblewrap namespaces and a cgroup per submission), uid (an "
                "unprivileged uid per worker), auto (bwrap where it works; default); in `run`, implies --isolate.",
            ),
            click.option(
                "--random",
                "random_n",
                type=click.IntRange(min=0),
                default=0,
                help="Add N random cases per function, drawn from its vector file's domain.",
            ),
            click.option(
                "--seed",
                type=click.IntRange(min=0),
                help="Seed of the random cases (default: a fresh one, shown in their ids random-SEED-I).",
            ),
            click.option(
                "--assignment",
                metavar="NAME|FILE",
                help="What the grade covers: its functions, points, how beyond-contract cases count "
                "(built in: course, tutorial; `grade` defaults to course).",
            ),
        )
    ):
        command = option(command)
    return command


def default_baseline(loaded: Target, binds: tuple[str, ...], dtypes: str | None) -> str | None:
    """The baseline shipped beside a profile, used when the run is the profile as shipped (no --bind, --dtypes)."""
    if "dlconform.targets.profiles" not in sys.modules:  # no profile was loaded (and importing it costs start-up time)
        return None
    from dlconform.targets.profiles import ProfileTarget

    if not isinstance(loaded, ProfileTarget) or binds or dtypes or loaded.profile.baseline is None:
        return None
    return str(loaded.profile.baseline)


@main.command()
@click.argument("target", required=False)
@_profile_options
@click.option(
    "--dtypes",
    metavar="float16,float32,float64",
    help="Run every float case once in each of these dtypes (ids <id>@<dtype>).",
)
@vectors_options
@FUNCTION_OPTION
@TAG_OPTION
@EXCLUDE_TAG_OPTION
@click.option(
    "-k", "keyword", help="Only cases whose function::case-id matches, as pytest -k ('sigmoid and not article')."
)
@click.option(
    "--rtol", type=float, callback=_tolerance, help="Relative tolerance for every case, overriding the files'."
)
@click.option(
    "--atol", type=float, callback=_tolerance, help="Absolute tolerance for every case, overriding the files'."
)
@click.option("--strict-dtype", is_flag=True, help="Demand the exact expected dtype, not only its kind.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown", "html"]),
    default="text",
    show_default=True,
    help="html: one self-contained page with a plot per failing function.",
)
@click.option("--output", "-o", type=OutputFile(), help="Write the report to this file (atomically).")
@click.option("--junit-xml", type=OutputFile(), help="Also write a JUnit XML report to this file.")
@click.option(
    "--baseline", type=click.Path(dir_okay=False), help="Known failures (YAML): only new or changed ones fail."
)
@click.option("--strict-baseline", is_flag=True, help="With --baseline, baseline cases that now pass fail the run too.")
@click.option("--write-baseline", type=OutputFile(), help="Write this run's failures as a baseline file.")
@click.option("--no-color", is_flag=True, help="No colour (default: colour on a terminal unless NO_COLOR is set).")
@click.option("--verbose", "-v", "verbose", count=True, help="Every case, passing ones too (text and Markdown).")
@click.option("--quiet", "-q", "quiet", count=True, help="Only the closing counts (text and Markdown).")
@click.option("--exitfirst", "-x", is_flag=True, help="Stop at the first failing case (as --maxfail 1).")
@click.option(
    "--maxfail", type=click.IntRange(min=1), metavar="N", help="Stop after N failing cases; the report says so."
)
@click.option("--isolate", is_flag=True, help="Run TARGET in a confined worker process, as `grade` does.")
@click.option(
    "--adapter",
    "adapter",
    metavar="COMMAND",
    help="Check an implementation in another language through its adapter command (docs/protocol.md), "
    'e.g. "node adapters/javascript/adapter.js solution.js"; it runs under --timeout, --memory and --budget.',
)
@click.option(
    "--perf",
    is_flag=True,
    help="Also time each function against the reference on a large input; over 50x slower is flagged.",
)
@click.option(
    "--perf-fail",
    type=click.FloatRange(min=1),
    metavar="RATIO",
    help="Implies --perf: exit 1 when a function is more than RATIO times slower than the reference.",
)
@click.option(
    "--fail-under",
    type=float,
    metavar="SCORE",
    help="With --assignment: exit 1 when the score is below SCORE points (default: below full marks).",
)
@_grading_options
def run(
    target: str | None,
    profile: str | None,
    binds: tuple[str, ...],
    dtypes: str | None,
    vector_paths: tuple[str, ...],
    no_bundled: bool,
    functions: tuple[str, ...],
    tags: tuple[str, ...],
    exclude_tags: tuple[str, ...],
    keyword: str | None,
    rtol: float | None,
    atol: float | None,
    strict_dtype: bool,
    fmt: str,
    output: str | None,
    junit_xml: str | None,
    baseline: str | None,
    strict_baseline: bool,
    write_baseline: str | None,
    no_color: bool,
    verbose: int,
    quiet: int,
    exitfirst: bool,
    maxfail: int | None,
    isolate: bool,
    adapter: str | None,
    perf: bool,
    perf_fail: float | None,
    fail_under: float | None,
    timeout: float | None,
    memory: str | None,
    budget: float | None,
    sandbox: str | None,
    random_n: int,
    seed: int | None,
    assignment: str | None,
) -> None:
    """Check TARGET (a .py file, a .ipynb notebook, pkg.mod or pkg.mod:obj) against the vectors.

    Or check a library: --profile NAME|PATH and/or --bind FUNCTION=module:callable instead of TARGET. A built-in
    profile's own baseline (known failures of that library) applies unless --baseline, --bind or --dtypes is given.

    With --assignment, only its functions run and the report ends with the score a grade would give (the
    student's view of `grade --assignment`).

    Exit status: 0 every selected case passed (or failed only as the baseline expects); 1 some case failed or
    errored, the target raising on import included, or (--perf-fail RATIO) a function was more than RATIO times
    slower than the reference; 2 usage errors, bad vector or baseline files, a target that
    does not exist, a selection that matches no case. With --assignment the grade decides instead: 0 at full
    marks (or at --fail-under SCORE points or more), 1 below it or when the run stopped early.
    """
    from dlconform.format.suite import iter_cases
    from dlconform.judge.compare import Options
    from dlconform.report import render, render_junit
    from dlconform.run.pipeline import Plan, RunInterrupted, exit_code, open_plan, run_plan
    from dlconform.run.select import SelectionError, select
    from dlconform.run.watch import SLOW_AFTER

    if assignment:  # assignments, dtypes and baselines import YAML and more: only when asked for
        from dlconform.grading.assignment import check_coverage, graded_functions, load_assignment, with_score
    chosen = load_assignment(assignment) if assignment else None
    if fail_under is not None and not chosen:
        raise DlconformError("--fail-under SCORE needs --assignment: it compares the assignment's score")
    if chosen:
        functions = graded_functions(chosen, functions)
        timeout = timeout if timeout is not None or not chosen.timeout else chosen.timeout
    files = suite_files(vector_paths, no_bundled, chosen.vectors if chosen else ())
    if chosen:
        check_coverage(chosen, functions, (vf.function for vf in files))
    every = tuple(iter_cases(files))  # variants made once: for the selection, --perf and the baseline's suite
    selected = select(every, functions, tags, exclude_tags, keyword)
    if dtypes is not None:
        from dlconform.run.dtypes import expand, parse_dtypes

        selected = expand(selected, parse_dtypes(dtypes))
    if not selected:
        raise SelectionError("no case matches the selection")
    notes: list[str] = []
    if random_n:  # random cases and worker limits import more: only when asked for
        from dlconform.run.random_cases import with_random

        selected, notes = with_random(selected, files, random_n, seed)
    isolated = isolate or any(o is not None for o in (timeout, memory, sandbox, budget))
    perf = perf or perf_fail is not None
    if perf and isolated:
        raise DlconformError(
            "--perf times the target in this process: it cannot be combined with --isolate, --timeout or --memory"
        )
    plan = Plan(
        adapter_source(adapter, target, profile, binds) or target_source(target, profile, binds, isolated),
        tuple(selected),
        isolation=_limits(timeout, memory, sandbox, budget, chosen.support_files if chosen else ())
        if isolated or adapter
        else None,
        options=Options(rtol, atol, strict_dtype),
        notes=tuple(notes),
        perf_cases=every if perf else None,
        hints=True,
        maxfail=1 if exitfirst else maxfail,
        slow_after=SLOW_AFTER,
        curves=fmt == "html",
    )
    with open_plan(plan) as loaded:
        baseline = baseline or default_baseline(loaded, binds, dtypes)
        if strict_baseline and not baseline:
            raise DlconformError("--strict-baseline needs --baseline FILE")
        if baseline:
            from dlconform.run.baseline import load_baseline
        known = load_baseline(baseline) if baseline else None
        if loaded.load_error and (fmt != "text" or output):  # a text report on stdout says it itself
            click.echo(f"dlconform: target failed to import: {loaded.load_error}", err=True)
        suite = frozenset(c.key for c in every)
        try:
            report = run_plan(replace(plan, baseline=known, baseline_label=baseline, suite_keys=suite), loaded)
            interrupted = False
        except RunInterrupted as exc:  # Ctrl-C: the report of what ran, then exit 130 as a shell would
            report, interrupted = exc.report, True
    if chosen:
        report = with_score(report, chosen, planned=[c.key for c in selected])
    text = render(report, fmt, color=use_color(fmt, output, no_color), verbosity=verbose - quiet)
    if output:
        write_or_exit(output, text)
        click.echo(f"{report.summary_line()} (report written to {output})", err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))
    if junit_xml:
        write_or_exit(junit_xml, render_junit(report))
    if interrupted:  # a baseline of part of the run would call the rest stale
        click.echo(f"dlconform: {report.stopped}" + (", no baseline written" if write_baseline else ""), err=True)
        sys.exit(EXIT_INTERRUPTED)
    if write_baseline:
        from dlconform.run.baseline import FAILING, dump_baseline

        write_or_exit(write_baseline, dump_baseline(report))
        entries = sum(r.outcome in FAILING for r in report.results)
        click.echo(f"dlconform: wrote baseline {write_baseline} ({entries} entries)", err=True)
    sys.exit(exit_code(report, strict_baseline, perf_fail, fail_under))


def _limits(*args: Any, **kwargs: Any) -> Limits:
    """``worker_limits``, imported only by a run that needs a worker (it imports the sandbox)."""
    from dlconform.targets.isolate.spawn import worker_limits

    return worker_limits(*args, **kwargs)


def import_or_exit(module: str) -> ModuleType:
    """Import a command's module; a missing optional dependency (mpmath) is one line and exit 2."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        raise DlconformError(f"this command needs {exc.name}, which is not installed: pip install {exc.name}") from None


@main.command()
@click.argument("target", required=False)
@_profile_options
@click.option(
    "--function", "-f", "functions", multiple=True, help="Only this function (default: every swept one); repeatable."
)
@click.option(
    "--dtypes", default="float16,float32,float64", show_default=True, help="Float dtypes to sweep, comma-separated."
)
@click.option(
    "--points",
    type=click.IntRange(min=100),
    default=100_000,
    show_default=True,
    help="Points per function and dtype (float16 elementwise sweeps are exhaustive).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--output", "-o", type=OutputFile(), help="Write the table to this file (atomically).")
def accuracy(
    target: str | None,
    profile: str | None,
    binds: tuple[str, ...],
    functions: tuple[str, ...],
    dtypes: str,
    points: int,
    fmt: str,
    output: str | None,
) -> None:
    """Max and median error in ULP of TARGET's (or a profile's) functions over a dense sweep.

    Covers sigmoid, sigmoid_derivative, tanh, tanh_derivative, relu (single values) and softmax, normalizeRows
    (rows). Exit status: 0 when measured (a function that raises is a row saying so), 2 usage errors.
    """
    from dlconform.catalogue import canonical
    from dlconform.run.dtypes import parse_dtypes
    from dlconform.targets.open import open_target

    acc = import_or_exit("dlconform.tools.accuracy")
    wanted = parse_dtypes(dtypes)
    chosen = [canonical(f) for f in functions] or list(acc.SWEPT)
    bad = [f for f, c in zip(functions, chosen, strict=False) if c not in acc.SWEPT]
    if bad:
        raise DlconformError(f"--function {bad[0]}: the accuracy sweep covers {', '.join(acc.SWEPT)}")
    with open_target(target_source(target, profile, binds)) as loaded:
        rows = acc.measure(loaded.resolve, [str(c) for c in chosen], wanted, points)
    text = acc.render(rows, fmt, dict(loaded.info))
    if output:
        write_or_exit(output, text)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("target", required=False)
@_profile_options
@vectors_options
@FUNCTION_OPTION
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="The search's seed.")
@click.option(
    "--max-examples", type=click.IntRange(min=1), default=100, show_default=True, help="Inputs per function and dtype."
)
@click.option(
    "--time-budget",
    type=click.FloatRange(min=1.0),
    default=60.0,
    show_default=True,
    help="Seconds per function, shrinking included.",
)
@click.option("--isolate", is_flag=True, help="Call TARGET in a confined worker process (untrusted code).")
@click.option("--output", "-o", type=OutputFile(), help="Write the cases to this file (atomically).")
def explore(
    target: str | None,
    profile: str | None,
    binds: tuple[str, ...],
    vector_paths: tuple[str, ...],
    no_bundled: bool,
    functions: tuple[str, ...],
    seed: int,
    max_examples: int,
    time_budget: float,
    isolate: bool,
    output: str | None,
) -> None:
    """Search TARGET's functions for inputs where they deviate from the reference; print each, shrunk, as a case.

    Inputs come from each vector file's domain, widened (dtypes, layouts, special values, magnitudes); needs
    hypothesis (pip install 'dlconform[explore]'). Exit status: 0 nothing found, 1 deviations found, 2 usage errors.
    """
    from dlconform.targets.open import open_target

    try:
        tool = importlib.import_module("dlconform.tools.explore")
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("hypothesis"):
            raise
        raise DlconformError(
            "explore needs hypothesis, which is not installed: pip install 'dlconform[explore]'"
        ) from None
    from dlconform.catalogue import FUNCTIONS, canonical

    chosen = [canonical(f) for f in functions] or list(FUNCTIONS)
    unknown = [f for f, c in zip(functions, chosen, strict=False) if c is None]
    if unknown:
        raise DlconformError(f"--function {unknown[0]}: no such function in the suite")
    files = suite_files(vector_paths, no_bundled)
    limits = _limits(None, None, budget=0) if isolate else None
    with open_target(target_source(target, profile, binds, isolate), isolation=limits) as loaded:
        reports = tool.explore(loaded.resolve, files, chosen, seed, max_examples, time_budget)
    text = tool.render(reports, seed)
    if output:
        write_or_exit(output, text)
    else:
        click.echo(text, nl=False)
    sys.exit(1 if any(r.findings for r in reports) else 0)


@main.command()
@click.option("--output", "-o", type=OutputFile(), help="Write the page here (docs/conformance.md).")
@click.option(
    "--tutorial",
    type=click.Path(),
    default="examples/tutorial.py",
    show_default=True,
    help="The tutorial's own code, the page's first subject.",
)
@click.option("--points", type=click.IntRange(min=100), default=100_000, show_default=True, help="Sweep points.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html"]),
    default="markdown",
    show_default=True,
    help="html: a page with each function's error in ULP per subject as a plot.",
)
def conformance(output: str | None, tutorial: str, points: int, fmt: str) -> None:
    """Write the published conformance page: the tutorial's code, the reference, SciPy, PyTorch, JAX, Array API.

    Regenerate docs/conformance.md with: dlconform conformance -o docs/conformance.md, and
    docs/conformance.html with: dlconform conformance --format html -o docs/conformance.html
    """
    from pathlib import Path

    text = import_or_exit("dlconform.tools.conformance").build(Path(tutorial), points, fmt=fmt)
    if output:
        write_or_exit(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("submissions", nargs=-1, required=True, type=click.Path())
@vectors_options
@FUNCTION_OPTION
@TAG_OPTION
@EXCLUDE_TAG_OPTION
@_grading_options
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
def grade(vector_paths: tuple[str, ...], **options: Any) -> None:
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
    from dlconform.grading.batch import GradeRequest
    from dlconform.grading.batch import grade as grade_batch

    request = GradeRequest(vectors=vector_paths, **options)
    grade_batch(request, say=lambda line: click.echo(line, err=True), progress=_echo_line)
    sys.exit(EXIT_OK)


def _echo_line(graded: Graded) -> None:
    """A submission's line as soon as it is graded, flushed at once (click.echo flushes), on a terminal or not."""
    from dlconform.grading.batch import grade_line

    click.echo(grade_line(graded))


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="The merged folder.")
def merge(sources: tuple[str, ...], out_dir: str) -> None:
    """Combine the --out folders of several `grade --shard` runs into one: all reports and one gradebook.

    Exit status: 0 merged; 2 a folder without a gradebook, or a submission graded twice.
    """
    from dlconform.grading.gradebook import merge as merge_outputs

    count = merge_outputs(sources, out_dir)
    click.echo(f"merged {count} submissions into {out_dir}")
