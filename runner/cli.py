"""The ``dlconform`` command line: one group of commands (each in ``dlconform.commands``), whose errors are one line.

Exit codes are a contract: 0 success; 1 failures (failing cases, lint problems,
drift); 2 usage errors, unreadable vector files, targets that do not exist.
Every error a user can cause is one line on stderr, never a traceback.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import sys
from collections.abc import Iterator, MutableMapping, Sequence
from typing import Any, NoReturn

import click
from dlconform.commands.common import (
    EXIT_FAIL,
    EXIT_OK,
    VersionedCommand,
)
from dlconform.errors import EXIT_USAGE, DlconformError
from dlconform.text import printable
from dlconform.threads import one_thread_pools
from dlconform.version import __version__

# Each command's module and name there: a run imports its own command's module only (--help imports them all).
COMMANDS = {
    "list": "suite:list_cmd",
    "lint": "suite:lint",
    "generate": "suite:generate",
    "run": "run:run",
    "accuracy": "measure:accuracy",
    "explore": "measure:explore",
    "conformance": "measure:conformance",
    "grade": "grade:grade",
    "merge": "grade:merge",
}


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print one error line and exit with ``code``."""
    click.echo(f"dlconform: error: {printable(message)}", err=True)
    sys.exit(code)


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands by name, each imported from ``dlconform.commands.<module>`` when first looked up: Click
    reads ``Group.commands`` for every lookup and listing, so the group stays a plain ``click.Group``."""

    def __init__(self, where: dict[str, str]) -> None:
        self._where = dict(where)  # name -> "module:attribute" under dlconform.commands
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, _, attribute = self._where[name].partition(":")  # KeyError: no such command
            self._loaded[name] = getattr(importlib.import_module(f"dlconform.commands.{module}"), attribute)
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._where.setdefault(name, "")
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._where[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


class OneLineErrors(click.Group):
    """A Click group whose usage errors are one line on stderr (``dlconform: error: ...``) and exit 2, and whose
    commands are imported when used (``LazyCommands``)."""

    command_class = VersionedCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(COMMANDS)

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
        if args is None:  # the process's own command line: the process ends with the command
            atexit.register(gc.freeze)  # no exit-time cyclic collection over every object (~5 ms of a run)
            one_thread_pools()  # before any command imports NumPy
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
