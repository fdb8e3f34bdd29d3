"""The ``dlconform`` command line: one group of commands (each in ``dlconform.commands``), whose errors are one line.

Exit codes are a contract: 0 success; 1 failures (failing cases, lint problems,
drift); 2 usage errors, unreadable vector files, targets that do not exist.
Every error a user can cause is one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import click
from dlconform.commands.common import (
    EXIT_FAIL,
    EXIT_OK,
    VersionedCommand,
)
from dlconform.commands.grade import grade, merge
from dlconform.commands.measure import accuracy, conformance, explore
from dlconform.commands.run import run
from dlconform.commands.suite import generate, lint, list_cmd
from dlconform.errors import EXIT_USAGE, DlconformError
from dlconform.text import printable
from dlconform.version import __version__

if TYPE_CHECKING:
    pass


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


for _command in (list_cmd, lint, generate, run, accuracy, explore, conformance, grade, merge):
    main.add_command(_command)
