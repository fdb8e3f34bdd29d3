"""Which failures a report for people shows, and in what order: shared by every format and the pytest plugin.

A function whose cases could not run at all (the target lacks it, or failed to
load) is explained once, not once per case; a function's failing cases come in one
order (``ordered``): inside the contract first, the most telling first (article and
core before edge and stability), beyond the contract after them. Of them a few are
shown, one per distinct hint first, so that each typical mistake is named; under an
assignment where beyond cases carry no points (``beyond_free``), beyond failures are
one line per function, not cases. A layout variant (``id@layout``) that fails as its
case does is folded into that case's entry (``also fails @fortran, @strided``)
rather than shown as a case of its own; failures a baseline expects are counted,
not shown. The JSON report keeps every case, in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from dlconform.results import FAILING, CaseResult, Failure, Level, Report

MAX_SHOWN = 3  # failing cases shown per function unless every case is asked for
UNRUN_FAILURES = (
    Failure.MISSING,
    Failure.UNRESOLVED,
    Failure.IMPORT_ERROR,
    Failure.UNSUPPORTED,
)  # the case never reached the target's function
# Tags from the most telling failure to the least: a worked example or a core case names the mistake, an edge or
# stability case shows where a right idea breaks down. A case with none of them comes last among its level.
TELLING = ("article", "course", "core", "random", "dtype", "edge", "stability")
NO_POINTS = "no points"


def telling(level: str, tags: Iterable[str]) -> tuple[int, int]:
    """The sort key of a case by what it tells: inside the contract before beyond, then by its most telling tag."""
    ranks = [TELLING.index(t) for t in tags if t in TELLING]
    return (level != Level.INSIDE, min(ranks, default=len(TELLING)))


def ordered(results: Iterable[CaseResult]) -> list[CaseResult]:
    """``results`` in the order every report shows a function's failures (``telling``; suite order within a rank)."""
    return sorted(results, key=lambda r: telling(r.level, r.tags))


def beyond_free(report: Report) -> bool:
    """Whether the report's assignment gives beyond cases no points (feedback only): then a report names their
    failures in one line per function rather than showing them as cases."""
    return report.score is not None and report.score.beyond == "feedback"


def beyond_line(count: int) -> str:
    """The line that stands for a function's failing beyond cases under an assignment that gives them no points."""
    cases = f"{count} case{'s' if count != 1 else ''}"
    return f"{cases} beyond the assignment fail{'s' if count == 1 else ''}: {NO_POINTS}; -v lists them"


def level_note(result: CaseResult, free: bool) -> str:
    """How a case's level is labelled beside it: "" inside, ``beyond the contract`` (``; no points`` when free)."""
    if result.level != Level.BEYOND:
        return ""
    return f"beyond the contract; {NO_POINTS}" if free else "beyond the contract"


def grouped(results: Iterable[CaseResult]) -> dict[str, list[CaseResult]]:
    """Results by function, functions in the order they first appear."""
    out: dict[str, list[CaseResult]] = {}
    for r in results:
        out.setdefault(r.function, []).append(r)
    return out


def failing(results: list[CaseResult]) -> list[CaseResult]:
    """The results that failed or errored."""
    return [r for r in results if r.outcome in FAILING]


def unrun(results: list[CaseResult]) -> CaseResult | None:
    """The one result that explains a function none of whose cases ran (missing, failed to load), else None."""
    reasons = {(r.outcome, r.failure, r.message) for r in results}
    if len(reasons) != 1 or next(iter(reasons))[1] not in UNRUN_FAILURES:
        return None
    return results[0]


def news(results: list[CaseResult]) -> list[CaseResult]:
    """The results a person should look at: failures a baseline does not expect, and baseline cases now passing."""
    return [
        r for r in results if (r.outcome in FAILING and r.baseline_status != "known") or r.baseline_status == "fixed"
    ]


def shown_failures(bad: list[CaseResult], limit: int | None = MAX_SHOWN) -> list[CaseResult]:
    """Up to ``limit`` of the results ``bad`` (all with None), in ``ordered`` order: inside the contract first, and
    within each level one per distinct failure and hint first, then the rest."""
    ranked = ordered(bad)
    if limit is None or len(bad) <= limit:
        return ranked
    picked: list[CaseResult] = []
    for level in Level:
        group = [r for r in ranked if r.level == level]
        seen: set[tuple[str, str]] = set()
        for r in group:
            kind = (r.failure, str(r.details.get("hint", "")))
            if kind not in seen and len(picked) < limit:
                seen.add(kind)
                picked.append(r)
        taken = {id(r) for r in picked}
        picked += [r for r in group if id(r) not in taken][: limit - len(picked)]
    position = {id(r): i for i, r in enumerate(ranked)}
    return sorted(picked, key=lambda r: position[id(r)])


@dataclass
class Selection:
    """What a report shows of one function's failures: ``shown`` (in order), ``also`` (variants folded under a
    shown case), ``more`` (the count neither shown nor folded) and ``beyond`` (the count of failing beyond cases
    left to one line because they carry no points)."""

    shown: list[CaseResult]
    also: dict[str, list[str]] = field(default_factory=dict)
    more: int = 0
    beyond: int = 0


def selection(listed: list[CaseResult], free: bool, limit: int | None = MAX_SHOWN) -> Selection:
    """The ``Selection`` of one function's ``listed`` failures; beyond ones only counted when ``free`` (no points)."""
    beyond = [r for r in listed if free and r.level == Level.BEYOND]
    counted = [r for r in listed if not (free and r.level == Level.BEYOND)]
    kept, also = folded(counted)
    shown = shown_failures(kept, limit)
    return Selection(shown, also, len(unshown(counted, shown, also)), len(beyond))


def folded(bad: list[CaseResult]) -> tuple[list[CaseResult], dict[str, list[str]]]:
    """``bad`` less each variant ``id@layout`` that fails as its case ``id`` in ``bad`` does (same outcome, failure,
    hint, level and baseline status), and the folded variants' ``@layout`` suffixes by their case's key."""
    by_key = {r.key: r for r in bad}
    kept: list[CaseResult] = []
    also: dict[str, list[str]] = {}
    for r in bad:
        base_id, at, layout = r.id.partition("@")
        base = by_key.get(f"{r.function}::{base_id}") if at else None
        if base is not None and _same_failure(base, r):
            also.setdefault(base.key, []).append(f"@{layout}")
        else:
            kept.append(r)
    return kept, also


def unshown(listed: list[CaseResult], shown: list[CaseResult], also: dict[str, list[str]]) -> list[CaseResult]:
    """The results of ``listed`` that a report neither shows nor names under a shown case (``folded``'s ``also``):
    what its "... and N more" counts."""
    said = {r.key for r in shown} | {f"{r.key}{suffix}" for r in shown for suffix in also.get(r.key, ())}
    return [r for r in listed if r.key not in said]


def also_line(suffixes: list[str]) -> str:
    """The line under a case's explanation naming the variants folded into it."""
    return "also fails " + ", ".join(suffixes)


def _same_failure(base: CaseResult, variant: CaseResult) -> bool:
    """Whether ``variant`` fails as ``base`` does: what a person would read about it is the same."""

    def kind(r: CaseResult) -> tuple[object, ...]:
        return (r.outcome, r.failure, r.details.get("hint"), r.level, r.baseline_status, r.hidden)

    return kind(base) == kind(variant)


STUDENT_KINDS = ("file", "notebook")  # targets a student wrote: the words of a report address them


def not_defined_lines(report: Report) -> list[str]:
    """The lines that say, once, which functions the target does not define: the names and the cases not run,
    then how to define them in words for the target at hand (a student's file, or a module or library)."""
    missing = report.not_defined
    if not missing:
        return []
    cases = sum(r.function in missing for r in report.results)
    lines = [f"not defined: {', '.join(missing)} ({cases} case{'s' if cases != 1 else ''} not run)"]
    if report.target.get("kind") in STUDENT_KINDS:
        lines.append(
            "  hint: define each as a function at the top level of your file, named as above (names are "
            "case-sensitive; the tutorial's aliases, such as normalize_rows, work too)."
        )
    else:
        lines.append("  the target has no callable by these names (nor their aliases)")
    return lines
