"""``dlconform lint``: the format's schema plus its meaning, one problem a line.

``read_file`` already checks the schema, safety bounds, ids, arity, dtypes and
tolerances; this adds what needs the function's semantics or the whole suite:
result shapes that cannot be right for the function, and a case id repeated in
another file of the same function (case keys are suite-wide).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from dlconform.format.contract import level_problem
from dlconform.format.large import FromReference
from dlconform.format.model import Case, Problem, Raises
from dlconform.format.suite import read_file, vector_paths


def _broadcast(*args: Any) -> tuple[int, ...]:
    """The broadcast shape of the arguments: the result shape of an elementwise function."""
    return np.broadcast_shapes(*(np.shape(a) for a in args))


def _dot(a: Any, b: Any) -> tuple[int, ...]:
    """The shape np.dot gives for arguments of these shapes, worked out without building anything."""
    sa, sb = np.shape(a), np.shape(b)
    if not sa or not sb:
        return sa or sb
    if sa[-1] != sb[0 if len(sb) == 1 else -2]:
        raise ValueError(f"shapes {sa} and {sb} not aligned")
    return sa[:-1] if len(sb) == 1 else sa[:-1] + sb[:-2] + sb[-1:]


SHAPE_RULES: dict[str, Callable[..., tuple[int, ...]]] = {
    "sigmoid": _broadcast,
    "sigmoid_derivative": _broadcast,
    "tanh": _broadcast,
    "tanh_derivative": _broadcast,
    "relu": _broadcast,
    "softmax": _broadcast,
    "normalizeRows": _broadcast,
    "multiply": _broadcast,
    "basic_sigmoid": _broadcast,  # a number for a number; an array, where accepted, elementwise
    "image2vector": lambda image: (int(np.size(image)), 1),
    "outer": lambda a, b: (int(np.size(a)), int(np.size(b))),
    "dot": _dot,
    "L1": lambda yhat, y: (),
    "L2": lambda yhat, y: (),
}


def shape_problems(case: Case) -> list[Problem]:
    """Expected values whose shape the function could not produce from these arguments."""
    rule = SHAPE_RULES.get(case.function)
    results = [case.expected] if case.expected is not None else list(case.expected_any or ())
    results = [r for r in results if not isinstance(r, FromReference | Raises)]  # computed at run time, or raising
    if rule is None or not results:
        return []
    try:
        want = rule(*case.args)
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
    seen: dict[str, str] = {}
    for path in vector_paths(paths):
        vf, found = read_file(path)
        problems.extend(found)
        if vf is None:
            continue
        for case in vf.cases:
            problems.extend(shape_problems(case))
            level = level_problem(case)
            if level:
                problems.append(Problem(vf.path, level, case.line, case.id))
            if case.key in seen:
                problems.append(Problem(vf.path, f"id {case.key} is also used in {seen[case.key]}", case.line, case.id))
            seen.setdefault(case.key, vf.path)
    return problems
