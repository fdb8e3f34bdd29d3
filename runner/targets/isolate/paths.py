"""Which submission files are refused before anything reads them: symbolic links that leave their folder.

A link in the submissions folder to a file elsewhere (a classmate's, a root-only
file, ``/etc/shadow``) must not be read, staged or run with the grader's rights;
it becomes that submission's import error, with one clear line, and the batch
goes on.
"""

from __future__ import annotations

from pathlib import Path


def escaping_link(spec: str) -> str | None:
    """Why the submission file ``spec`` is refused (a symbolic link to a file outside the folder it is named in),
    or None when it may be graded."""
    given = Path(spec).absolute()
    if given.resolve().is_relative_to(given.parent.resolve()):
        return None
    return f"refused: {given.name} is a symbolic link to a file outside its folder"
