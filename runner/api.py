"""``check``: run the suite against a target from Python (notebooks, scripts); a plan executed by the one pipeline."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from dlconform.format.model import Case, SuiteError, fresh_inputs
from dlconform.format.suite import iter_cases, load_files
from dlconform.format.values import FLOAT_DTYPES
from dlconform.judge.compare import DEFAULTS, Options
from dlconform.results import Report
from dlconform.run.dtypes import in_dtype
from dlconform.run.pipeline import Plan, execute
from dlconform.run.select import SelectionError, select

VectorPaths = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]


def check(
    target: Any,
    *,
    vectors: VectorPaths | None = None,
    functions: Sequence[str] = (),
    tags: Sequence[str] = (),
    exclude_tags: Sequence[str] = (),
    keyword: str | None = None,
    options: Options = DEFAULTS,
    cases: Iterable[Case] | None = None,
) -> Report:
    """Run the selected cases against ``target`` and return the report.

    ``target`` is a spec (``file.py``, ``notebook.ipynb``, ``pkg.mod``, ``pkg.mod:obj``), a module, a mapping of
    name -> callable, or an open ``Target`` (see ``dlconform.targets.open.open_target``). Cases come from ``cases``, else from the ``vectors`` files or folders
    (default: the bundled suite), where ``large`` cases run only when ``tags`` names that tag; ``cases`` given
    are run as given, large ones included. Raises ``TargetNotFound``, ``SuiteError`` or ``SelectionError`` on bad
    input.
    """
    if cases is not None and vectors is not None:
        raise TypeError("check() takes vectors or cases, not both")
    chosen = cases is not None
    if cases is None:
        paths = [vectors] if isinstance(vectors, str | os.PathLike) else vectors
        cases = iter_cases(load_files(paths))
    selected = select(cases, functions, tags, exclude_tags, keyword, keep_large=chosen)
    if not selected:
        raise SelectionError("no case matches the selection")
    return execute(Plan(target, tuple(selected), options=options, hints=True))


def case_inputs(key: str, vectors: str | Path | Iterable[str | Path] | None = None) -> list[Any]:
    """Fresh copies of the inputs of case ``key`` (``function::case-id``) from ``vectors`` (default: the bundled suite).

    This is what long repro lines call; a layout variant (``case-id@fortran``) gives its inputs in its layout. A
    ``case-id@dtype`` key (a case run in another dtype by ``--dtypes``) gives the case's inputs cast to that dtype.
    Raises ``KeyError`` when no such case exists.
    """

    paths = [vectors] if isinstance(vectors, str | Path) else vectors
    try:
        cases = list(iter_cases(load_files(paths)))
    except SuiteError as exc:
        raise KeyError(f"cannot look up {key}: {exc}") from None
    for case in cases:
        if case.key == key:
            return fresh_inputs(case.args, case.layout)
    stored, _, dtype = key.rpartition("@")
    for case in cases if stored and dtype in FLOAT_DTYPES else ():
        if case.key == stored:
            return fresh_inputs(in_dtype(case, np.dtype(dtype)).args, case.layout)
    raise KeyError(f"no case {key} in the vector files")
