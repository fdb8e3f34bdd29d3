"""``check``: run the suite against a target from Python (notebooks, scripts); a plan executed by the one pipeline."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from dlconform.format.model import Case, SuiteError, fresh_inputs
from dlconform.format.suite import iter_cases, load_files
from dlconform.format.values import FLOAT_DTYPES
from dlconform.judge.compare import Options
from dlconform.results import Report
from dlconform.run.dtypes import in_dtype
from dlconform.run.options import RunOptions
from dlconform.run.pipeline import execute
from dlconform.run.planner import make_plan


def check(
    target: Any = None,
    *,
    options: Options | None = None,
    cases: Iterable[Case] | None = None,
    **given: Any,
) -> Report:
    """Run the selected cases against ``target`` and return the report; every other keyword is a field of
    ``dlconform.run.options.RunOptions`` (profile, binds, vectors, functions, dtypes, baseline, timeout, ...).

    ``target`` is a spec (``file.py``, ``notebook.ipynb``, ``pkg.mod``, ``pkg.mod:obj``), a module, a mapping of
    name -> callable, an ``Adapter`` or an open ``Target`` (see ``dlconform.targets.open.open_target``); or give
    ``profile=``/``binds=``. Cases come from ``cases`` (run as given, large ones included), else from the
    ``vectors`` files or folders (default: the bundled suite). ``options`` (comparison options) is the older
    spelling of rtol, atol and strict_dtype. ``report.gate_passed`` says whether the run's gate passed. Raises
    ``TargetNotFound``, ``SuiteError``, ``SelectionError`` (all ``DlconformError``) on bad input, ``TypeError`` on
    an unknown keyword.
    """
    if cases is not None and given.get("vectors") is not None:
        raise TypeError("check() takes vectors or cases, not both")
    run = check_options(target, options, **given)
    report = execute(make_plan(run, cases=cases))
    if run.write_baseline:
        from dlconform.atomic import write_report
        from dlconform.run.baseline import dump_baseline

        write_report(run.write_baseline, dump_baseline(report))
    return report


def check_options(target: Any = None, options: Options | None = None, **given: Any) -> RunOptions:
    """``check()``'s keywords as the options model. ``vectors`` (one path or several) replaces the bundled suite
    unless ``no_bundled=False`` is given, as check() always did; other sequences become tuples."""
    if options is not None:
        given = {"rtol": options.rtol, "atol": options.atol, "strict_dtype": options.strict_dtype, **given}
    vectors = given.pop("vectors", None)
    if vectors is not None:
        paths = [vectors] if isinstance(vectors, str | os.PathLike) else vectors
        given = {"no_bundled": True, **given, "vectors": tuple(os.fspath(p) for p in paths)}
    sequences = {k: tuple(v) for k, v in given.items() if isinstance(v, list | tuple | set | frozenset)}
    return RunOptions(target=target, **{**given, **sequences})


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
