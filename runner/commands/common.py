"""What the commands share: exit codes, output files, and the options several commands take alike."""

from __future__ import annotations

import importlib
import math
import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

import click
from dlconform.errors import DlconformError
from dlconform.version import __version__

EXIT_OK, EXIT_FAIL = 0, 1
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports a command ended by SIGINT


class VersionedCommand(click.Command):
    """A subcommand that answers ``--version`` too (``dlconform run --version``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        click.version_option(__version__, prog_name="dlconform")(self)


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


def tolerance(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """Accept a finite, non-negative tolerance."""
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise click.BadParameter(f"{value} is not a finite number >= 0")
    return value


def use_color(fmt: str, output: str | None, no_color: bool) -> bool:
    """Colour only for a text report on a terminal, unless --no-color or NO_COLOR says otherwise."""
    return fmt == "text" and not output and not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def profile_options(command: Callable[..., None]) -> Callable[..., None]:
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


def grading_options(command: Callable[..., None]) -> Callable[..., None]:
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


def import_or_exit(module: str) -> ModuleType:
    """Import a command's module; a missing optional dependency (mpmath) is one line and exit 2."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        raise DlconformError(f"this command needs {exc.name}, which is not installed: pip install {exc.name}") from None
