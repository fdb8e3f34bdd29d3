"""The Markdown report, for CI job summaries: counts per function in a table, then the failures.

As the text report: a few failing cases per function (every one with ``-v``), a
function that could not run explained once. Text from the target or the vector
files is escaped so that it cannot break the table or inject HTML; code (repro
lines) goes in code spans.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from dlconform.judge.hints import function_hint
from dlconform.report.details import baseline_note, detail_lines, printable
from dlconform.report.shown import (
    Selection,
    also_line,
    beyond_free,
    beyond_line,
    failing,
    grouped,
    level_note,
    news,
    not_defined_lines,
    ordered,
    selection,
    unrun,
)
from dlconform.report.text import QUIET, VERBOSE, baseline_lines, header_lines, perf_lines, score_lines
from dlconform.results import OUTCOMES, CaseResult, Outcome, Report, contract_line, count_outcomes

MAX_FAILURES = 100  # a job summary has a size limit; the JSON report has them all
SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def render_markdown(report: Report, verbosity: int = 0) -> str:
    """Summary heading with the counts line, header, per-function table, failures list."""
    ok = report.score.full_marks() if report.score is not None else report.ok  # a grade: as run --assignment exits
    lines = [f"## dlconform: {'passed' if ok else 'failed'}", "", f"**{report.summary_line()}**", ""]
    lines.extend([escape(contract_line(report.results)), ""])
    if report.stopped:
        lines.extend([escape(f"stopped early: {report.stopped}"), ""])
    lines.extend(f"{escape(line)}\n" for line in score_lines(report))
    if verbosity <= QUIET:
        return "\n".join(lines) + "\n"
    lines.extend(f"- {escape(line)}" for line in header_lines(report))
    lines.extend(["", "| function | " + " | ".join(OUTCOMES) + " |", "|---|" + "---:|" * len(OUTCOMES)])
    missing = report.not_defined
    for function, results in grouped(report.results).items():
        if function in missing:
            continue
        c = count_outcomes(results)
        lines.append(f"| {escape(function)} | " + " | ".join(str(c[o]) for o in OUTCOMES) + " |")
    total = report.counts()
    lines.append("| **total** | " + " | ".join(f"**{total[o]}**" for o in OUTCOMES) + " |")
    lines.extend(["", *(escape(line) for line in not_defined_lines(report))] if missing else [])
    lines.extend(escape(line) for line in baseline_lines(report))
    lines.extend(f"- {escape(line)}" for line in perf_lines(report))
    if failing(report.results):
        lines.extend(["", "### Failures", ""])
        lines.extend(_failures(report, verbosity >= VERBOSE))
    return "\n".join(lines) + "\n"


def _failures(report: Report, verbose: bool) -> Iterator[str]:
    """Each function's failing cases in ``ordered`` order (a few, or all when ``verbose``; at most MAX_FAILURES in
    all), beyond ones as one line where they carry no points."""
    written = 0
    free = beyond_free(report) and not verbose
    missing = report.not_defined
    for function, results in grouped(report.results).items():
        bad = failing(results)
        if not bad or function in missing:
            continue
        reason = unrun(results)
        if reason is not None:
            yield f"- **{escape(function)}**: none of its {len(bad)} cases ran"
            yield from (f"  - {escape(line)}" for line in detail_lines(reason) if not line.startswith("repro: "))
            continue
        listed = bad if verbose else [r for r in news(results) if r.outcome != Outcome.PASSED]
        # -v: every failure, in order; else a few, a variant failing as its case does folded into one item
        pick = Selection(ordered(listed)) if verbose else selection(listed, free)
        shown = pick.shown[: max(0, MAX_FAILURES - written)]
        top = function_hint(bad)  # said once; a case's own only where it differs
        if top:
            yield f"- {escape(function)} hint: {escape(top)}"
        for r in shown:
            yield from _failure(r, free, top)
            if r.key in pick.also:
                yield f"  - {escape(also_line(pick.also[r.key]))}"
        written += len(shown)
        more = pick.more + len(pick.shown) - len(shown)
        if more:
            yield f"- ... and {more} more failing cases of {escape(function)} (-v, or the JSON report)"
        if pick.beyond:
            yield f"- {escape(function)}: {escape(beyond_line(pick.beyond))}"
        known = len(bad) - len(listed) if not verbose else 0
        if known:
            yield f"- {escape(function)}: {known} known failures, as the baseline expects (-v shows them)"


def _failure(r: CaseResult, free: bool, shown_hint: str | None = None) -> Iterator[str]:
    """A list item for one failing case, its explanation nested under it (without ``shown_hint``, said above)."""
    notes = [n for n in (r.outcome, baseline_note(r), level_note(r, free)) if n]
    yield f"- **{escape(r.key)}** ({escape(', '.join(notes))})"
    for line in detail_lines(r, shown_hint):
        if line.startswith("repro: "):
            yield f"  - repro: {code(line.removeprefix('repro: '))}"
        else:
            yield f"  - {escape(line)}"


def escape(text: str) -> str:
    """Prose for a Markdown line or table cell: one line, HTML and Markdown syntax neutralised."""
    return SPECIAL.sub(r"\\\1", html.escape(printable(" ".join(text.split())), quote=False))


def code(text: str) -> str:
    """A code span that holds ``text`` verbatim, whatever backticks it contains."""
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
