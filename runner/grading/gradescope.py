"""Gradescope's ``results.json`` for one graded submission (https://gradescope-autograders.readthedocs.io).

One test per function: its points, ``passed`` only when every case passed, and
an output a student can act on: for a few failing visible cases (one per
mistake first) why, the hint, the worst element and a repro line, then the ids
of the other failing cases; for a hidden case only that it failed. The
document is strict JSON, its text stays under Gradescope's 100,000 characters,
and the CLI writes it atomically, also when grading itself failed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from dlconform.judge.hints import function_hint
from dlconform.report import HIDDEN_MESSAGE, redacted
from dlconform.report.details import detail_lines
from dlconform.report.shown import (
    NO_POINTS,
    also_line,
    beyond_free,
    failing,
    folded,
    ordered,
    shown_failures,
    unrun,
    unshown,
)
from dlconform.results import FAILING, CaseResult, Graded, Level, Outcome

MAX_CHARS = 100_000  # Gradescope's limit on the output text of one submission
SUBMISSION_OUTPUT = 2_000  # characters of the submission's own printed output shown


def results(graded: Graded, execution_time: float, notes: Sequence[str] = ()) -> dict[str, Any]:
    """The results.json document for one graded submission (hidden cases redacted)."""
    report = redacted(graded.report)
    by_function: dict[str, list[CaseResult]] = {}
    for r in report.results:
        by_function.setdefault(r.function, []).append(r)
    tests = []
    free = beyond_free(report)
    for function, found in by_function.items():
        points, worth = graded.score.functions.get(function, (0.0, 0.0))
        ok = all(
            r.outcome in (Outcome.PASSED, Outcome.SKIPPED) for r in found if r.level == Level.INSIDE
        )  # beyond: feedback
        graded_cases = [r for r in found if not (free and r.level == Level.BEYOND)]
        tests.append(
            {
                "name": function,
                "score": round(points, 4),
                "max_score": round(worth, 4),
                "status": "passed" if ok else "failed",
                "output": _test_output(graded_cases, free),
                "visibility": "visible",
            }
        )
        beyond = [r for r in found if free and r.level == Level.BEYOND]
        if failing(beyond) and unrun(found) is None:  # feedback worth nothing: a test of 0 points, never "failed"
            tests.append(
                {
                    "name": f"{function}: beyond the assignment ({NO_POINTS})",
                    "score": 0.0,
                    "max_score": 0.0,
                    "status": "passed",  # Gradescope's own reading of 0 of 0 points: no failure to show
                    "output": _test_output(beyond, free),
                    "visibility": "visible",
                }
            )
    lines = [f"Score: {graded.score.points:.4g} / {graded.score.max_points:.4g}", report.summary_line()]
    lines += [*notes, *report.warnings]
    printed = str(report.target.get("output") or "").strip()
    if printed:
        lines += ["", "Your code printed:", _cut(printed, SUBMISSION_OUTPUT)]
    doc = {
        "score": round(graded.score.points, 4),
        "execution_time": round(execution_time),  # whole seconds: the time of hidden cases is in it (docs/grading.md)
        "output": "\n".join(lines),
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return _within_limit(doc)


def failure(message: str, execution_time: float, functions: dict[str, float] | None = None) -> dict[str, Any]:
    """The document when no grade could be computed (no submission, a grader error): zero, with the reason."""
    tests = [
        {"name": f, "score": 0.0, "max_score": worth, "status": "failed", "output": message, "visibility": "visible"}
        for f, worth in (functions or {}).items()
    ]
    doc = {
        "score": 0.0,
        "execution_time": round(execution_time, 3),
        "output": f"The submission could not be graded: {message}",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return _within_limit(doc)


def dump(doc: dict[str, Any]) -> str:
    """The document's file text: strict JSON (write it with dlconform.atomic.write_atomic)."""
    return json.dumps(doc, indent=1, allow_nan=False, ensure_ascii=False) + "\n"


def _test_output(found: list[CaseResult], free: bool = False) -> str:
    """A function's feedback: the count of passed cases, then a few failing cases explained in ``ordered`` order
    (one per mistake first), the ids of the others; a function that could not run at all explained once. Cases
    beyond the assignment that carry no points (``free``) are said to differ, not to fail."""
    passed = sum(r.outcome == Outcome.PASSED for r in found)
    lines = [f"{passed} of {len(found)} cases passed."]
    reason = unrun(found)
    if reason is not None:  # the function is missing or the file failed to load: one explanation, not one per case
        lines.extend(line for line in detail_lines(reason) if not line.startswith("repro:"))
        return "\n".join(lines)
    visible = [r for r in found if not r.hidden]
    kept, also = folded(failing(visible))  # a variant failing as its case does is named under that case
    shown = shown_failures(kept)
    top = function_hint(failing(visible))  # said once; a case's own only where it differs
    if top:
        lines.append(f"hint: {top}")
    for r in ordered(found):  # a hidden case has nothing to explain: each one that failed is a line
        label = f"DIFFERS ({NO_POINTS})" if free and r.level == Level.BEYOND else "FAILED"
        note = " [beyond the contract]" if r.level == Level.BEYOND and not free else ""
        if r in shown:
            lines.append(f"{label} {r.id}{note}: {r.description}")
            lines.extend(f"    {line}" for line in detail_lines(r, top))
            if r.key in also:
                lines.append(f"    {also_line(also[r.key])}")
        elif r.hidden and r.outcome in FAILING:
            lines.append(f"{label} {r.id} ({HIDDEN_MESSAGE})")
    others = [r.id for r in ordered(unshown(failing(visible), shown, also))]
    if others:
        word = "differing" if free and all(r.level == Level.BEYOND for r in found) else "failing"
        lines.append(f"Also {word} ({len(others)}): {', '.join(others)}")
    return "\n".join(lines)


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying so."""
    return text if len(text) <= limit else text[: limit - 40] + f"\n[... {len(text) - limit + 40} characters cut]"


def _within_limit(doc: dict[str, Any]) -> dict[str, Any]:
    """Shorten the output fields until the whole document is under MAX_CHARS characters."""
    budget = MAX_CHARS // 2
    while len(dump(doc)) >= MAX_CHARS and budget > 200:
        per_test = budget // max(1, len(doc["tests"]) + 1)
        doc["output"] = _cut(doc["output"], per_test)
        for test in doc["tests"]:
            test["output"] = _cut(test["output"], per_test)
        budget //= 2
    return doc
