"""Weights files: the weight of cases within their function, by glob over ``function::case-id``.

Points per function are the assignment's (``functions: {softmax: 2}``); a weights file only shares a function's
points out among its cases (``"softmax::stability-*": 0.5``). It is checked by weights.schema.json.
"""

from __future__ import annotations

import fnmatch
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlconform.format import safeyaml
from dlconform.format.schemacheck import at, first_problem
from dlconform.grading.errors import GradeError

SCHEMA = Path(__file__).with_name("weights.schema.json")


@dataclass(frozen=True)
class Weights:
    """Relative weights of cases within a function (default 1)."""

    cases: tuple[tuple[str, float], ...] = ()  # (glob over function::case-id, weight), first match wins

    def case(self, key: str) -> float:
        """The weight of case ``key`` within its function."""
        return next((w for pattern, w in self.cases if fnmatch.fnmatchcase(key, pattern)), 1.0)


NO_WEIGHTS = Weights()


def load_weights(path: str | Path) -> Weights:
    """Read a weights file: a YAML mapping of ``function::case`` globs to weights >= 0 (a function's alias welcome);
    a bare function name is an error saying that points go in the assignment."""
    from dlconform.run.select import SelectionError, canonical_function

    try:
        doc = safeyaml.load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, safeyaml.YamlError) as exc:
        raise GradeError(f"{path}: cannot read weights: {exc}") from None
    problem = first_problem(_schema(), doc.data, doc.key_lines)
    if problem is not None:
        raise GradeError(at(str(path), *problem))
    cases: list[tuple[str, float]] = []
    for key, value in doc.data.items():
        name, _, pattern = str(key).partition("::")
        try:
            canonical = canonical_function(name)
        except SelectionError as exc:
            raise GradeError(at(str(path), doc.key_lines.get(key), f"{key!r}: {exc}")) from None
        cases.append((f"{canonical}::{pattern}", float(value)))
    return Weights(tuple(cases))


@functools.cache
def _schema() -> dict[str, Any]:
    """weights.schema.json, beside this module."""
    schema: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return schema


def check_weights(weights: Weights, path: str, keys: Iterable[str]) -> None:
    """Every pattern must count: one matching no case of the suite (a typo in an id) is an error."""
    known = list(keys)
    for pattern, _ in weights.cases:
        if not any(fnmatch.fnmatchcase(k, pattern) for k in known):
            raise GradeError(f"{path}: {pattern!r} matches no case of the suite")
