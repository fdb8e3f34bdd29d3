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

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dlconform.errors import DlconformError
from dlconform.format import safeyaml
from dlconform.results import AssignmentScore, CaseResult, Level, Outcome, Report, Score
from dlconform.run.select import SelectionError, canonical_function

FORMAT = 1
KEYS = {"format", "name", "description", "functions", "beyond", "vectors", "timeout", "support_files"}
REQUIRED = {"format", "name", "description", "functions"}
BUILTIN_DIR = Path(__file__).resolve().parent / "assignments"


@dataclass(frozen=True)
class Weights:
    """Points per function (default 1) and relative weights of cases within a function (default 1)."""

    functions: dict[str, float] = field(default_factory=dict)
    cases: tuple[tuple[str, float], ...] = ()  # (glob over function::case-id, weight), first match wins

    def function(self, name: str, default: float = 1.0) -> float:
        """The points ``name`` is worth: the file's figure, else ``default`` (the assignment's points)."""
        return self.functions.get(name, default)

    def case(self, key: str) -> float:
        """The weight of case ``key`` within its function."""
        return next((w for pattern, w in self.cases if fnmatch.fnmatchcase(key, pattern)), 1.0)


NO_WEIGHTS = Weights()


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
        nothing (feedback), a bonus on top, or their share of the points. A weights file may change a function's
        points and weight its cases.
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
            worth = weights.function(function, points)
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


def full_marks(score: AssignmentScore) -> bool:
    """Whether a report's score is full marks over every function of the assignment (none left unrun)."""
    return score.full_marks()


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
        data = safeyaml.load(path.read_text(encoding="utf-8")).data
    except (OSError, UnicodeDecodeError, safeyaml.YamlError) as exc:
        raise AssignmentError(f"{path}: cannot read the assignment: {exc}") from None
    return _parse(data, path)


def _parse(data: Any, path: Path) -> Assignment:
    """Check an assignment file's data and build the Assignment."""

    def fail(message: str) -> AssignmentError:
        return AssignmentError(f"{path}: {message}")

    if not isinstance(data, dict):
        raise fail("an assignment is a mapping with format, name, description and functions")
    unknown = sorted(set(data) - KEYS, key=str)
    if unknown:
        raise fail(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(KEYS))})")
    missing = sorted(REQUIRED - set(data))
    if missing:
        raise fail(f"missing {', '.join(missing)}")
    if data["format"] != FORMAT:
        raise fail(f"format {data['format']!r} is not supported (this version reads format {FORMAT})")
    for key in ("name", "description"):
        if not (isinstance(data[key], str) and data[key].strip()):
            raise fail(f"{key} must be a non-empty string")
    functions = data["functions"]
    if not isinstance(functions, dict) or not functions:
        raise fail("functions must map function names to points, e.g. {sigmoid: 1}")
    points: dict[str, float] = {}
    for name, worth in functions.items():
        try:
            canonical = canonical_function(str(name))
        except SelectionError as exc:
            raise fail(f"functions: {exc}") from None
        if canonical in points:
            raise fail(f"functions: {name!r} names {canonical} a second time")
        if isinstance(worth, bool) or not isinstance(worth, int | float) or not worth > 0:
            raise fail(f"functions: {name}: points must be a number above 0, not {worth!r}")
        points[canonical] = float(worth)
    beyond, fraction = _beyond(data.get("beyond", "feedback"), fail)
    timeout = data.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0):
        raise fail(f"timeout must be a number of seconds above 0, not {timeout!r}")
    return Assignment(
        name=data["name"].strip(),
        description=data["description"].strip(),
        points=points,
        beyond=beyond,
        beyond_fraction=fraction,
        vectors=_paths(data.get("vectors", []), "vectors", path, fail),
        timeout=float(timeout) if timeout is not None else None,
        support_files=_paths(data.get("support_files", []), "support_files", path, fail),
        path=str(path),
    )


def _beyond(value: Any, fail: Any) -> tuple[str, float]:
    """``feedback``, ``{bonus: F}`` or ``{share: F}`` as (mode, fraction)."""
    if value == "feedback":
        return "feedback", 0.0
    if isinstance(value, dict) and len(value) == 1:
        ((mode, fraction),) = value.items()
        ok = isinstance(fraction, int | float) and not isinstance(fraction, bool)
        if mode == "bonus" and ok and fraction > 0:
            return "bonus", float(fraction)
        if mode == "share" and ok and 0 < fraction < 1:
            return "share", float(fraction)
    raise fail(f"beyond must be feedback, {{bonus: F}} with F > 0 or {{share: F}} with 0 < F < 1, not {value!r}")


def _paths(value: Any, key: str, path: Path, fail: Any) -> tuple[str, ...]:
    """A list of files relative to the assignment file, each of which must exist."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(f"{key} must be a list of paths relative to the assignment file")
    out = []
    for item in value:
        full = (path.parent / item).resolve()
        if not full.exists():
            raise fail(f"{key}: {item}: no such file or folder")
        out.append(str(full))
    return tuple(out)
