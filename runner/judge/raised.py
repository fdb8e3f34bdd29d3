"""Where a target's exception was raised: the innermost line of the called function's own file (or notebook cell).

The same rule in the grader's process and in an isolated worker (whose reply carries only the line): walk the
traceback from the call inwards and keep the last frame whose code comes from the file the called function
was defined in. Code of this package, or with no file (``<string>``, a ufunc), is never the target's own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import FrameType, TracebackType

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # dlconform's own folder
CELL = "#cell"  # a notebook cell's code is compiled as ``path#cellN`` (dlconform.targets.notebook)


def raising_frame(exc: BaseException) -> tuple[str, int] | None:
    """The (code filename, line) in the called function's own file nearest to where ``exc`` was raised; None when
    the call ran no code of a file of its own. The traceback's first frame is the caller's: it is skipped."""
    frames = list(_walk(exc.__traceback__))[1:]
    if not frames:
        return None
    own = _source(frames[0][0].f_code.co_filename)
    if own is None:
        return None
    for frame, line in reversed(frames):
        if _source(frame.f_code.co_filename) == own and line is not None:
            return frame.f_code.co_filename, line
    return None


def place(filename: str, line: int) -> str:
    """``my_solution.py:12``, or ``my_notebook.ipynb cell 3, line 4`` for a notebook cell."""
    base, _, cell = filename.partition(CELL)
    name = os.path.basename(base)
    return f"{name} cell {cell}, line {line}" if cell else f"{name}:{line}"


def raised_at(exc: BaseException) -> str | None:
    """Where ``exc`` was raised in the target's own code, as ``place`` words it; an isolated worker's exception
    carries it already (``raised_at``, set by dlconform.targets.isolate.target)."""
    given = getattr(exc, "raised_at", None)
    if isinstance(given, str):
        return given
    found = raising_frame(exc)
    return place(*found) if found else None


def _walk(tb: TracebackType | None) -> Iterator[tuple[FrameType, int]]:
    """Each frame of a traceback and its line, from the call inwards (``traceback.walk_tb``, whose module a run
    would import for this loop alone)."""
    while tb is not None:
        yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next


def _source(filename: str) -> str | None:
    """The file a code object comes from (a notebook for its cells); None for code with no file, or this package's."""
    if not filename or filename.startswith("<"):
        return None
    base = filename.partition(CELL)[0]
    return None if os.path.abspath(base).startswith(PACKAGE + os.sep) else base
