"""The ``dlconform`` command line.

Exit codes are a contract: 0 success; 1 failures (failing cases, lint problems,
drift); 2 usage errors, unreadable vector files, targets that do not exist.
Every error a user can cause is one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from collections import Counter

import click

from runner import __version__
from runner.suite import SuiteError, load_files

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def fail(message: str, code: int = EXIT_USAGE) -> None:
    """Print one error line and exit with ``code``."""
    click.echo(f"dlconform: error: {message}", err=True)
    sys.exit(code)


def load_or_exit(paths: tuple[str, ...] | None) -> list:
    """Load vector files, turning bad files into one line each and exit code 2."""
    try:
        return load_files(paths or None)
    except SuiteError as exc:
        for problem in exc.problems[:20]:
            click.echo(f"dlconform: error: {problem}", err=True)
        if len(exc.problems) > 20:
            click.echo(f"dlconform: error: ... and {len(exc.problems) - 20} more problems", err=True)
        sys.exit(EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dlconform")
def main() -> None:
    """Conformance test vectors for deep-learning primitives, and a runner that checks implementations."""


@main.command("list")
@click.option(
    "--vectors",
    "vector_paths",
    multiple=True,
    type=click.Path(),
    help="Vector files or folders (default: the bundled suite).",
)
@click.option("--function", "-f", "functions", multiple=True, help="Only these functions.")
@click.option("--tag", "-t", "tags", multiple=True, help="Only cases with one of these tags.")
def list_cmd(vector_paths: tuple[str, ...], functions: tuple[str, ...], tags: tuple[str, ...]) -> None:
    """List functions with their case counts by tag."""
    files = load_or_exit(vector_paths)
    total = 0
    click.echo(f"{'function':<20} {'cases':>5}  tags")
    for vf in files:
        if functions and vf.function not in functions:
            continue
        cases = [c for c in vf.cases if not tags or set(tags) & set(c.tags)]
        if not cases:
            continue
        counts = Counter(t for c in cases for t in c.tags)
        total += len(cases)
        click.echo(f"{vf.function:<20} {len(cases):>5}  " + ", ".join(f"{t} {n}" for t, n in sorted(counts.items())))
    click.echo(f"{'total':<20} {total:>5}")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
def lint(paths: tuple[str, ...]) -> None:
    """Check vector files against the schema and its meaning (default: the bundled suite)."""
    from runner.lint import lint as run_lint

    try:
        problems = run_lint(paths or None)
    except SuiteError as exc:
        fail(str(exc))
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
    """Recompute expected values from the reference and write files in canonical form."""
    from runner.generate import generate_file
    from runner.suite import vector_paths

    try:
        files = vector_paths(paths or None)
    except SuiteError as exc:
        fail(str(exc))
    bad = 0
    for path in files:
        result = generate_file(path, check=check)
        for problem in result.problems:
            click.echo(str(problem))
        bad += bool(result.problems)
        if result.changed:
            click.echo(f"rewrote {result.path}")
    if bad:
        click.echo(f"{bad} file(s) with problems", err=True)
        sys.exit(EXIT_FAIL)
    click.echo(f"{len(files)} file(s) {'checked' if check else 'up to date'}")
