"""The commands that measure an implementation beyond the suite's cases: ``accuracy``, ``explore``, and the
published ``conformance`` page."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

import click
from dlconform.atomic import write_report
from dlconform.commands.common import (
    FUNCTION_OPTION,
    OutputFile,
    VersionedCommand,
    import_or_exit,
    profile_options,
    vectors_options,
)
from dlconform.errors import DlconformError


@click.command(cls=VersionedCommand)
@click.argument("target", required=False)
@profile_options
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
    from dlconform.run.planner import target_source
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
        write_report(output, text)
    else:
        click.echo(text, nl=False)


@click.command(cls=VersionedCommand)
@click.argument("target", required=False)
@profile_options
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
    from dlconform.catalogue import FUNCTIONS, canonical
    from dlconform.format.suite import suite_files
    from dlconform.run.planner import target_source
    from dlconform.targets.isolate.spawn import worker_limits
    from dlconform.targets.open import open_target

    tool = _explore_tool()

    chosen = [canonical(f) for f in functions] or list(FUNCTIONS)
    unknown = [f for f, c in zip(functions, chosen, strict=False) if c is None]
    if unknown:
        raise DlconformError(f"--function {unknown[0]}: no such function in the suite")
    files = suite_files(vector_paths, no_bundled)
    limits = worker_limits(None, None, budget=0) if isolate else None
    with open_target(target_source(target, profile, binds, isolate), isolation=limits) as loaded:
        reports = tool.explore(loaded.resolve, files, chosen, seed, max_examples, time_budget)
    text = tool.render(reports, seed)
    if output:
        write_report(output, text)
    else:
        click.echo(text, nl=False)
    sys.exit(1 if any(r.findings for r in reports) else 0)


@click.command(cls=VersionedCommand)
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
        write_report(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


def _explore_tool() -> ModuleType:
    """dlconform.tools.explore; without hypothesis, one line saying how to install it."""
    try:
        return importlib.import_module("dlconform.tools.explore")
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("hypothesis"):
            raise
        raise DlconformError(
            "explore needs hypothesis, which is not installed: pip install 'dlconform[explore]'"
        ) from None
