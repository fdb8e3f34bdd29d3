"""Assignments: what a grade covers, in a small YAML file.

An assignment names the functions graded (course names and aliases welcome) and the points each is worth, and
says how cases beyond a function's documented contract count: ``feedback`` (the default: shown, worth nothing),
``{bonus: F}`` (up to F times the function's points on top) or ``{share: F}`` (a fraction F of the function's
points comes from them). It may add instructor vector files (``vectors``, hidden cases among them), a time limit
per call (``timeout``, seconds) and ``support_files`` copied beside each submission (the course's
``public_tests.py``, say); paths are relative to the assignment file. Two ship with dlconform: ``course`` and
``tutorial``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dlconform.errors import DlconformError
from dlconform.format import safeyaml
from dlconform.format.schemacheck import at, first_problem
from dlconform.grading.weights import NO_WEIGHTS, Weights
from dlconform.results import AssignmentScore, CaseResult, Level, Outcome, Report, Score
from dlconform.run.select import SelectionError, canonical_function

SCHEMA = Path(__file__).with_name("assignment.schema.json")
BUILTIN_DIR = Path(__file__).resolve().parent / "assignments"


class AssignmentError(DlconformError, ValueError):
    """An assignment that cannot be used: one line naming the file and what is wrong."""


@dataclass(frozen=True)
class Assignment:
    """What a grade covers: functions and their points, how beyond cases count, and what grading needs."""

    name: str
    description: str
    points: dict[str, float]  # canonical function name -> points
    beyond: str = "feedback"  # feedback | bonus | share
    beyond_fraction: float = 0.0  # the bonus or share fraction
    vectors: tuple[str, ...] = ()
    timeout: float | None = None
    support_files: tuple[str, ...] = ()
    path: str = field(default="", compare=False)

    @classmethod
    def covering(cls, functions: Iterable[str]) -> Assignment:
        """The assignment a selection implies: every function in it, one point each, beyond cases as feedback."""
        chosen = dict.fromkeys(functions)
        return cls("selection", "the functions selected", dict.fromkeys(chosen, 1.0))

    @property
    def functions(self) -> tuple[str, ...]:
        """The graded functions, in the file's order."""
        return tuple(self.points)

    @property
    def max_points(self) -> float:
        """Full marks: every function's points (a bonus comes on top)."""
        return sum(self.points.values())

    def function_scores(
        self, results: Iterable[CaseResult], weights: Weights = NO_WEIGHTS
    ) -> dict[str, tuple[float, float]]:
        """Points earned and available per graded function: the (weighted) share of inside cases passed earns them.

        Skipped cases do not count; a function with no inside case earns nothing for it. Beyond cases add
        nothing (feedback), a bonus on top, or their share of the points. A weights file may weight cases.
        """
        passed: dict[tuple[str, str], float] = {}
        total: dict[tuple[str, str], float] = {}
        for r in results:
            if r.function not in self.points or r.outcome == Outcome.SKIPPED:
                continue
            key, w = (r.function, r.level), weights.case(r.key)
            total[key] = total.get(key, 0.0) + w
            passed[key] = passed.get(key, 0.0) + (w if r.outcome == Outcome.PASSED else 0.0)
        scores = {}
        for function, points in self.points.items():
            worth = points
            inside = _share(passed, total, (function, Level.INSIDE))
            beyond = _share(passed, total, (function, Level.BEYOND))
            if self.beyond == "bonus":
                earned = worth * (inside + self.beyond_fraction * beyond)
            elif self.beyond == "share":
                earned = worth * ((1 - self.beyond_fraction) * inside + self.beyond_fraction * beyond)
            else:
                earned = worth * inside
            scores[function] = (earned, worth)
        return scores

    def score(self, results: Iterable[CaseResult], weights: Weights = NO_WEIGHTS) -> Score:
        """``function_scores`` and their totals."""
        functions = self.function_scores(results, weights)
        return Score(sum(p for p, _ in functions.values()), sum(m for _, m in functions.values()), functions)


def check_coverage(assignment: Assignment, graded: Iterable[str], present: Iterable[str]) -> None:
    """Each function graded (the assignment's, or those --function kept) must have cases among the functions
    ``present`` in the loaded suite: an assignment that would grade a function on nothing is an error."""
    have = set(present)
    for function in graded:
        if function not in have:
            where = f"{assignment.path}: " if assignment.path else ""
            raise AssignmentError(
                f"{where}assignment {assignment.name} grades {function}, which has no case in the suite"
            )


def with_score(
    report: Report, assignment: Assignment, weights: Weights = NO_WEIGHTS, planned: Iterable[str] = ()
) -> Report:
    """A new report carrying its score by ``assignment`` (what ``run --assignment`` shows a student).

    A run stopped early (Ctrl-C, --maxfail) scores only the functions all of whose ``planned`` case keys ran: the
    others are named as not run, with no points either way."""
    ran = {r.key for r in report.results}
    not_run = list(dict.fromkeys(k.split("::", 1)[0] for k in planned if k not in ran))
    kept = [r for r in report.results if r.function not in not_run]
    scored = replace(assignment, points={f: p for f, p in assignment.points.items() if f not in not_run})
    doc = score_doc(scored.score(kept, weights), assignment.name, assignment.beyond)
    return replace(report, score=replace(doc, not_run=tuple(f for f in assignment.functions if f in not_run)))


def score_doc(score: Score, assignment: str, beyond: str = "feedback") -> AssignmentScore:
    """A score as a report carries it (``Report.score``, the JSON report's ``"score"``): the points, and how the
    assignment counts beyond cases (``feedback``: no points)."""
    return AssignmentScore(assignment, score.points, score.max_points, dict(score.functions), beyond)


def score_from_doc(doc: Any) -> Score:
    """The Score of a report's ``"score"`` (``score_doc``'s output read back); ValueError if it is not one."""

    def number(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{value!r} is not a number")
        return float(value)

    if not isinstance(doc, dict) or not isinstance(doc.get("functions"), dict):
        raise ValueError("no score (graded without an assignment, or by an older dlconform)")
    functions: dict[str, tuple[float, float]] = {}
    for name, pair in doc["functions"].items():
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError(f"the score of {name!r} is not [points, max points]")
        functions[str(name)] = (number(pair[0]), number(pair[1]))
    return Score(number(doc.get("points")), number(doc.get("max_points")), functions)


def _share(passed: dict[Any, float], total: dict[Any, float], key: Any) -> float:
    """The fraction of a group's cases passed; 0 for an empty group."""
    return passed.get(key, 0) / total[key] if total.get(key) else 0.0


def builtin_names() -> list[str]:
    """The assignments that ship with dlconform."""
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


def load_assignment(name_or_path: str) -> Assignment:
    """A built-in assignment by name, or an assignment file by path; AssignmentError on anything wrong."""
    path = BUILTIN_DIR / f"{name_or_path}.yaml" if name_or_path in builtin_names() else Path(name_or_path)
    if not path.is_file():
        known = ", ".join(builtin_names())
        raise AssignmentError(f"--assignment {name_or_path!r}: not a built-in assignment ({known}) or a file")
    try:
        doc = safeyaml.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, safeyaml.YamlError) as exc:
        raise AssignmentError(f"{path}: cannot read the assignment: {exc}") from None
    problem = first_problem(_schema(), doc.data, doc.key_lines)
    if problem is not None:
        raise AssignmentError(at(str(path), *problem))
    return _build(doc.data, path, doc.key_lines)


@functools.cache
def _schema() -> dict[str, Any]:
    """assignment.schema.json, beside this module."""
    schema: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return schema


def _build(data: dict[str, Any], path: Path, lines: dict[str, int]) -> Assignment:
    """The Assignment of a file the schema accepted, after what a schema cannot check: each function a known name
    (an alias welcome) named once, each path an existing file or folder."""

    def fail(key: str, message: str) -> AssignmentError:
        return AssignmentError(at(str(path), lines.get(key), message))

    points: dict[str, float] = {}
    for name, worth in data["functions"].items():
        try:
            canonical = canonical_function(str(name))
        except SelectionError as exc:
            raise fail("functions", f"functions: {exc}") from None
        if canonical in points:
            raise fail("functions", f"functions: {name!r} names {canonical} a second time")
        points[canonical] = float(worth)
    paths = {}
    for key in ("vectors", "support_files"):
        paths[key] = tuple(str((path.parent / item).resolve()) for item in data.get(key, []))
        missing = next((i for i, p in zip(data.get(key, []), paths[key], strict=True) if not Path(p).exists()), None)
        if missing is not None:
            raise fail(key, f"{key}: {missing}: no such file or folder")
    beyond = data.get("beyond", "feedback")
    mode, fraction = next(iter(beyond.items())) if isinstance(beyond, dict) else (beyond, 0.0)
    timeout = data.get("timeout")
    return Assignment(
        name=data["name"].strip(),
        description=data["description"].strip(),
        points=points,
        beyond=mode,
        beyond_fraction=float(fraction),
        vectors=paths["vectors"],
        timeout=float(timeout) if timeout is not None else None,
        support_files=paths["support_files"],
        path=str(path),
    )


def default_assignment(name: str | None, functions: tuple[str, ...]) -> Assignment:
    """`grade`'s assignment: the one named; else the functions given with --function; else the course's eight."""
    if name:
        return load_assignment(name)
    if functions:
        return Assignment.covering(canonical_function(f) for f in functions)
    return load_assignment("course")


def graded_functions(assignment: Assignment, functions: tuple[str, ...]) -> tuple[str, ...]:
    """The assignment's functions, narrowed by --function (each of which it must grade)."""
    wanted = [canonical_function(f) for f in functions]
    outside = [f for f, w in zip(functions, wanted, strict=True) if w not in assignment.functions]
    if outside:
        known = ", ".join(assignment.functions)
        raise DlconformError(f"--function {outside[0]}: assignment {assignment.name} grades only {known}")
    return tuple(wanted) or assignment.functions
