"""The data model of vector files: a file, its cases, and the problems found in one.

Everything above the format layer handles these; ``suite`` builds them from YAML and ``cache`` from its entries.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any

import numpy as np
from dlconform.errors import DlconformError
from dlconform.format.large import materialize
from dlconform.format.layouts import lay_out
from dlconform.format.tolerance import Tolerance
from dlconform.results import Level


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a vector file, printable as one line."""

    path: str
    message: str
    line: int | None = None
    case: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: case {self.case}: {self.message}" if self.case else f"{where}: {self.message}"


class SuiteError(DlconformError):
    """Vector files that cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(str(problems[0]) if problems else "invalid vector files")
        self.problems = problems

    def lines(self) -> list[str]:
        """One error line per problem, the first 20 of them, then how many more there are."""
        shown = [str(p) for p in self.problems[:20]] or [str(self)]
        more = len(self.problems) - 20
        return [*shown, f"... and {more} more problems"] if more > 0 else shown


@dataclass(frozen=True)
class Raises:
    """One acceptable outcome among a case's ``expected_any``: raising this exception class (or a subclass)."""

    name: str


@dataclass(frozen=True)
class Case:
    """One test vector: call ``function`` with ``args``; expect a value, one of several, or an exception."""

    function: str
    id: str
    description: str
    tags: tuple[str, ...]
    args: tuple[Any, ...]
    expected: Any = None
    expected_any: tuple[Any, ...] | None = None
    raises: str | None = None
    tolerance: Tolerance | None = None
    signed_zero: bool = False
    flush_subnormal: bool = False  # a zero of the right sign is accepted where the truth is subnormal
    hidden: bool = False
    source: str | None = None
    path: str = ""
    line: int | None = None
    accuracy: str = "pointwise"
    level: Level = Level.INSIDE
    layout: str | None = None  # a layout variant's memory layout (dlconform.format.variants); None: as stored
    file_tolerance: dict[str, Tolerance] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        """The stable, suite-wide id: ``function::case-id``."""
        return f"{self.function}::{self.id}"

    def tolerance_for(self, dtype: np.dtype) -> Tolerance:
        """The tolerance that applies to an expected value of ``dtype``: the case's, else the file's."""
        if self.tolerance is not None:
            return self.tolerance
        return self.file_tolerance.get(np.dtype(dtype).name, Tolerance())


CASE_FIELDS = frozenset(f.name for f in fields(Case))
_CASE_DEFAULTS = {f.name: f.default for f in fields(Case) if f.default is not MISSING}


def restore_case(values: dict[str, Any]) -> Case:
    """The Case with these field values (a field at its default may be left out), built as unpickling builds an
    object: its ``__dict__`` set at once, not field by field through the frozen ``__init__`` (a third of the
    cost; a warm run rebuilds every case of the suite from the load cache, and each layout variant from its
    case). TypeError for a field a Case does not have, or a required one missing."""
    state = {**_CASE_DEFAULTS, **values}
    if state.keys() != CASE_FIELDS:
        raise TypeError(f"not the fields of a Case: {sorted(state.keys() ^ CASE_FIELDS)}")
    case = object.__new__(Case)
    object.__setattr__(case, "__dict__", state)
    return case


@dataclass
class VectorFile:
    """One function's vector file: its header, its cases, and the raw data they came from."""

    path: str
    function: str
    params: tuple[str, ...]
    description: str
    accuracy: str
    tolerance: dict[str, Tolerance]
    cases: list[Case]
    data: dict[str, Any]
    case_lines: list[int]
    domain: dict[str, Any] | None = None


def fresh_inputs(args: tuple[Any, ...], layout: str | None = None) -> list[Any]:
    """Owned copies of a case's arguments: arrays copied (in ``layout``), generated inputs built, scalars as they are
    (immutable)."""
    return [
        lay_out(a, layout) if isinstance(a, np.ndarray) else a.copy() if isinstance(a, np.generic) else materialize(a)
        for a in args
    ]
