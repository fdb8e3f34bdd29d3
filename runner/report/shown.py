"""Which failures a report for people shows: shared by the text, Markdown and Gradescope reports.

A function whose cases could not run at all (the target lacks it, or failed to
load) is explained once, not once per case; of a function's failing cases a
few are shown, inside the contract first and one per distinct hint, so that
each typical mistake is named; a layout variant (``id@layout``) that fails as its
case does is folded into that case's entry (``also fails @fortran, @strided``)
rather than shown as a case of its own; failures a baseline expects are counted,
not shown. The JSON report keeps every case.
"""

from __future__ import annotations

from dlconform.results import CaseResult

MAX_SHOWN = 3  # failing cases shown per function unless every case is asked for
UNRUN_FAILURES = ("missing", "import-error", "unsupported")  # the case never reached the target's function


def failing(results: list[CaseResult]) -> list[CaseResult]:
    """The results that failed or errored."""
    return [r for r in results if r.outcome in ("failed", "error")]


def unrun(results: list[CaseResult]) -> CaseResult | None:
    """The one result that explains a function none of whose cases ran (missing, failed to load), else None."""
    reasons = {(r.outcome, r.failure, r.message) for r in results}
    if len(reasons) != 1 or next(iter(reasons))[1] not in UNRUN_FAILURES:
        return None
    return results[0]


def news(results: list[CaseResult]) -> list[CaseResult]:
    """The results a person should look at: failures a baseline does not expect, and baseline cases now passing."""
    return [
        r
        for r in results
        if (r.outcome in ("failed", "error") and r.baseline_status != "known") or r.baseline_status == "fixed"
    ]


def shown_failures(bad: list[CaseResult], limit: int | None = MAX_SHOWN) -> list[CaseResult]:
    """Up to ``limit`` of the results ``bad`` (all with None), in their order: one per distinct failure and hint
    first, inside the contract before beyond, then the rest in the same order."""
    if limit is None or len(bad) <= limit:
        return bad
    ranked = sorted(bad, key=lambda r: (r.level != "inside", "hint" not in r.details))
    picked: list[CaseResult] = []
    seen: set[tuple[str, str]] = set()
    for r in ranked:
        kind = (r.failure, str(r.details.get("hint", "")))
        if kind not in seen and len(picked) < limit:
            seen.add(kind)
            picked.append(r)
    taken = {id(r) for r in picked}
    picked += [r for r in ranked if id(r) not in taken][: limit - len(picked)]
    order = {id(r): i for i, r in enumerate(bad)}
    return sorted(picked, key=lambda r: order[id(r)])


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
