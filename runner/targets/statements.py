"""Run a submission's top-level code so that its definitions survive the lines around them.

Real submissions carry top-level lines that raise where the grader runs them: the course's own demo
``basic_sigmoid([1, 2, 3])``, an import of a course helper the grader lacks (``from public_tests import *``), an
unused ``import cv2``, a ``pdb.set_trace()``. Code runs one top-level statement at a time in one namespace; a
statement that raises is skipped with a warning naming it, and the next one runs, so every definition that can be
made is made. Interactive calls (``input()``, ``breakpoint()``, ``pdb.set_trace()``, a GUI ``plt.show()``) never
wait for a person: they raise or do nothing, and the warning says so.
"""

from __future__ import annotations
import __future__

import ast
import builtins
import contextlib
import importlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from dlconform.text import one_line, shorten


class InteractiveCall(RuntimeError):
    """A call that would wait for a person (input, a debugger) made while a submission loads."""


def _refuse_input(prompt: object = "") -> str:
    """``input()`` while loading: nobody will answer."""
    raise InteractiveCall("input() waits for a person; nothing is typed while grading")


def _skip_debugger(*args: Any, **kwargs: Any) -> None:
    """``breakpoint()`` and ``pdb.set_trace()`` while loading: no debugger starts."""
    raise InteractiveCall("a debugger would wait for a person; it is not started while grading")


@contextlib.contextmanager
def no_interaction(source: str) -> Iterator[None]:
    """For the duration: input() and debuggers raise InteractiveCall; matplotlib draws off screen."""
    saved_input, saved_hook = builtins.input, sys.breakpointhook
    pdb = sys.modules.get("pdb")
    if pdb is None and "pdb" in source:
        with contextlib.suppress(ImportError):  # where it cannot be imported, the submission's import fails too
            pdb = importlib.import_module("pdb")
    saved_trace = getattr(pdb, "set_trace", None)
    saved_backend = os.environ.get("MPLBACKEND")
    builtins.input, sys.breakpointhook = _refuse_input, _skip_debugger
    if pdb:
        setattr(pdb, "set_trace", _skip_debugger)  # noqa: B010  (a module the stubs type without set_trace)
    os.environ["MPLBACKEND"] = "Agg"  # plt.show() returns at once (matplotlib imported after this point)
    try:
        yield
    finally:
        builtins.input, sys.breakpointhook = saved_input, saved_hook
        if pdb:
            setattr(pdb, "set_trace", saved_trace)  # noqa: B010
        if saved_backend is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = saved_backend


def _future_flags(statement: ast.stmt) -> int:
    """The compiler flags a ``from __future__ import ...`` statement turns on for the statements after it."""
    if not (isinstance(statement, ast.ImportFrom) and statement.module == "__future__"):
        return 0
    flags = 0
    for alias in statement.names:
        feature = getattr(__future__, alias.name, None)
        flags |= getattr(feature, "compiler_flag", 0)
    return flags


def run_statements(source: str, filename: str, namespace: dict[str, Any], label: str | None = None) -> list[str]:
    """Execute ``source`` in ``namespace`` one top-level statement at a time; a warning for each one skipped.

    Raises SyntaxError when the source does not parse (then nothing of it runs). ``label`` names the code in
    warnings (default ``filename``); each warning gives the statement's line and first line of text.
    """
    tree = ast.parse(source, filename)
    lines = source.splitlines()
    where = label or filename
    warnings: list[str] = []
    flags = 0
    with no_interaction(source):
        for statement in tree.body:
            code = compile(ast.Module([statement], type_ignores=[]), filename, "exec", flags=flags, dont_inherit=True)
            flags |= _future_flags(statement)
            try:
                exec(code, namespace)
            except (Exception, SystemExit) as exc:  # a KeyboardInterrupt still stops the load
                text = shorten(lines[statement.lineno - 1].strip() if statement.lineno <= len(lines) else "")
                message = one_line(exc)
                why = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
                warnings.append(f"{where} line {statement.lineno} skipped ({text!r}): {why}")
    return warnings
