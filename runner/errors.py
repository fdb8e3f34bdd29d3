"""The one base of every error a user can cause: bad input, a bad option, a target that does not exist.

The CLI catches ``DlconformError`` once and prints its ``lines()`` on stderr, each
``dlconform: error: ...``, then exits with its ``exit_code``: 2, usage or bad input
(the exit codes are documented in ``dlconform.cli``). Errors that describe how a
case went (a worker timeout, a conversion that failed) are not user errors and do
not derive from it.
"""

from __future__ import annotations

EXIT_USAGE = 2


class DlconformError(Exception):
    """An error the user caused; its message is one line naming the file, case or option at fault."""

    exit_code: int = EXIT_USAGE

    def lines(self) -> list[str]:
        """What the CLI prints for it, one error line each."""
        return [str(self)]
