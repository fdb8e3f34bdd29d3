"""The commands about the suite itself: ``list`` its cases, ``lint`` and ``generate`` its vector files."""

from __future__ import annotations

import functools
import sys
from collections import Counter

import click
from dlconform.commands.common import (
    EXIT_FAIL,
    FUNCTION_OPTION,
    TAG_OPTION,
    VersionedCommand,
    vectors_options,
)
from dlconform.format.suite import iter_cases


@click.command("list", cls=VersionedCommand)
@vectors_options
@FUNCTION_OPTION
@TAG_OPTION
def list_cmd(
    vector_paths: tuple[str, ...], no_bundled: bool, functions: tuple[str, ...], tags: tuple[str, ...]
) -> None:
    """List functions with their case counts by tag, and by layout for the layout variants."""
    from dlconform.format.large import LARGE_TAG
    from dlconform.format.suite import suite_files
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


@click.command(cls=VersionedCommand)
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


@click.command(cls=VersionedCommand)
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
