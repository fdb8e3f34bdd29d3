"""``dlconform lint``: the format's schema plus its meaning, one problem a line.

``read_file`` already checks the schema, safety bounds, ids, arity, dtypes and
tolerances; this adds what needs the function's semantics or the whole suite:
result shapes that cannot be right for the function (its catalogue shape rule), and a case id repeated in
another file of the same function (case keys are suite-wide).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.format.contract import level_problem
from dlconform.format.large import FromReference
from dlconform.format.model import Case, Problem, Raises
from dlconform.format.suite import duplicate_keys, read_file, vector_paths


def shape_problems(case: Case) -> list[Problem]:
    """Expected values whose shape the function could not produce from these arguments."""
    spec = FUNCTIONS.get(case.function)
    results = [case.expected] if case.expected is not None else list(case.expected_any or ())
    results = [r for r in results if not isinstance(r, FromReference | Raises)]  # computed at run time, or raising
    if spec is None or not results:
        return []
    try:
        want = spec.result_shape(*case.args)
    except (ValueError, TypeError):
        return []
    return [
        Problem(
            case.path,
            f"expected shape {np.shape(r)} but {case.function} of these args has shape {want}",
            case.line,
            case.id,
        )
        for r in results
        if np.shape(r) != want
    ]


def lint(paths: Iterable[str | Path] | None = None) -> list[Problem]:
    """Every problem in the named vector files (default: the bundled suite).

    A path that does not exist raises SuiteError: that is a usage error, not a problem in a file.
    """
    problems: list[Problem] = []
    files = []
    for path in vector_paths(paths):
        vf, found = read_file(path)
        problems.extend(found)
        if vf is None:
            continue
        files.append(vf)
        for case in vf.cases:
            problems.extend(shape_problems(case))
            level = level_problem(case)
            if level:
                problems.append(Problem(vf.path, level, case.line, case.id))
    return problems + duplicate_keys(files)
