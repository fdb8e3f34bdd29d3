"""The text report: a header saying what was checked, the failures by function, the counts last.

As pytest does: by default the failing cases only, at most ``MAX_SHOWN`` per
function with ``... and N more (-v)``, a function the target lacks (or a target
that failed to load) explained once, and the functions without failures in one line;
``verbosity=1`` (``-v``) lists every case, ``verbosity=-1`` (``-q``) only the
closing lines. Colour (ANSI) only when the caller asks for it; the closing
``N passed, N failed`` line is always plain and always the last line.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

import click
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
    selection,
    unrun,
)
from dlconform.results import CaseResult, Outcome, Report, contract_line, count_outcomes, summarize

LABELS = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL", Outcome.ERROR: "ERROR", Outcome.SKIPPED: "SKIP"}
COLORS = {
    Outcome.PASSED: "green",
    Outcome.FAILED: "red",
    Outcome.ERROR: "red",
    Outcome.SKIPPED: "yellow",
    "known": "yellow",  # a baseline's known failure
}
QUIET, NORMAL, VERBOSE = -1, 0, 1
WIDTH = 100  # the line of functions that passed wraps here


def render_text(report: Report, *, color: bool = False, verbosity: int = NORMAL) -> str:
    """The whole text report, ending with ``Report.summary_line()`` alone on the last line."""
    everything = unrun(report.results) if verbosity < VERBOSE else None  # no case ran, for one reason
    if verbosity <= QUIET:
        lines = []
    elif everything is not None:
        lines = list(header_lines(report, omit=everything.message))
        lines += ["", f"none of the {len(report.results)} cases ran:"]
        lines += [f"  {line}" for line in detail_lines(everything) if not line.startswith("repro: ")]
    else:
        lines = [*header_lines(report), *_body(report, color, verbose=verbosity >= VERBOSE)]
    lines.append("")
    if report.stopped:
        lines.append(printable(f"stopped early: {report.stopped}"))
    lines.extend(baseline_lines(report))
    lines.extend(perf_lines(report))
    lines.extend(score_lines(report))
    lines.append(contract_line(report.results))
    lines.append(report.summary_line())
    return "\n".join(lines if lines[0] else lines[1:]) + "\n"


def _body(report: Report, color: bool, verbose: bool) -> Iterator[str]:
    """Each function's results: every case when ``verbose``; else what needs attention (a few failing cases, in
    ``ordered`` order, the known failures counted) and one line for the functions without failures; the functions
    the target does not define, once."""
    passed: list[str] = []
    free = beyond_free(report)
    missing = set(report.not_defined)
    for function, results in grouped(report.results).items():
        if function in missing and not verbose:
            continue
        bad = failing(results)
        if not verbose and not bad and not news(results):
            skipped = sum(r.outcome == Outcome.SKIPPED for r in results)
            passed.append(f"{function} ({len(results) - skipped}{f', {skipped} skipped' if skipped else ''})")
            continue
        yield ""
        yield f"{function}: {summarize(count_outcomes(results))} ({contract_line(results)})"
        reason = unrun(results)
        pick = Selection([])
        top = function_hint(bad) if reason is None else None  # said once here; a case's own only where it differs
        if top:
            yield printable(f"  hint: {top}")
        if reason is not None:  # none of its cases ran, for one reason: say it once
            yield from (f"  {line}" for line in detail_lines(reason) if not line.startswith("repro: "))
            shown = results if verbose else []
        elif verbose:
            shown = results
        else:  # a variant failing as its case does is a line under that case, not a case of its own
            pick = selection(news(results), free)
            shown = pick.shown
        for r in shown:
            yield from _case_lines(r, color, explain=reason is None, free=free, shown_hint=top)
            if r.key in pick.also:
                yield f"        {also_line(pick.also[r.key])}"
        if verbose or reason is not None:
            continue
        if pick.more:
            more = pick.more
            yield f"  ... and {more} more failing case{'s' if more != 1 else ''} (-v shows every case)"
        if pick.beyond:
            yield f"  {beyond_line(pick.beyond)}"
        known = sum(r.baseline_status == "known" for r in bad)
        if known:
            yield f"  {known} known failure{'s' if known != 1 else ''}, as the baseline expects (-v shows them)"
    if missing and not verbose:
        yield ""
        yield from not_defined_lines(report)
    if passed:
        yield ""
        yield from textwrap.wrap("no failures: " + ", ".join(passed), WIDTH, subsequent_indent="  ")


def header_lines(report: Report, omit: str = "") -> Iterator[str]:
    """What was loaded: the target, the environment, the suite version, and any warnings (but ``omit``, said
    elsewhere)."""
    yield printable(f"target: {target_line(report.target)}")
    yield printable(f"environment: {_pairs(report.environment)}")
    yield f"suite: {report.suite_version}"
    for warning in report.warnings:
        if warning != omit:
            yield printable(f"warning: {warning}")


def baseline_lines(report: Report) -> Iterator[str]:
    """One line of baseline counts, a line per stale entry, and one for the entries not selected, when a baseline
    was applied."""
    b = report.baseline
    if b is None:
        return
    yield (
        f"baseline {b.path}: {b.known} known failures, {b.new} new, {b.changed} changed, "
        f"{b.fixed} fixed, {len(b.stale)} stale"
    )
    for key in b.stale:
        yield f"stale baseline entry (no such case in the suite): {key}"
    if b.not_selected:
        yield f"{b.not_selected} baseline entries not selected (not run)"


def perf_lines(report: Report) -> Iterator[str]:
    """A line per function timed by --perf."""
    for row in report.perf or ():
        yield printable(f"perf: {row.line()}")


def score_lines(report: Report) -> Iterator[str]:
    """The score by an assignment, when one was given, with each graded function's points."""
    if report.score is None:
        return
    s = report.score
    parts = ", ".join(f"{f} {p:.4g}/{m:.4g}" for f, (p, m) in s.functions.items())
    if s.not_run:  # a run stopped early: a function that did not run has no score, high or low
        yield (
            f"score: {s.points:.4g} / {s.max_points:.4g} over the functions that ran (assignment "
            f"{s.assignment}: {parts}); no score for {', '.join(s.not_run)}: not run"
        )
        return
    yield f"score: {s.points:.4g} / {s.max_points:.4g} (assignment {s.assignment}: {parts})"


def _case_lines(
    r: CaseResult, color: bool, explain: bool = True, free: bool = False, shown_hint: str | None = None
) -> Iterator[str]:
    """One status line for the case; for a case that did not pass (when ``explain``), its indented explanation
    (without ``shown_hint``, the function's hint said above it)."""
    label = f"{LABELS[r.outcome]:<5}"
    style = COLORS["known"] if r.baseline_status == "known" else COLORS[r.outcome]
    if color:
        label = click.style(label, fg=style, bold=r.outcome != Outcome.PASSED)
    notes = [n for n in (baseline_note(r), level_note(r, free)) if n]
    status = f"  [{'; '.join(notes)}]" if notes else ""
    yield f"  {label} {r.id}{status}"
    if r.outcome == Outcome.PASSED or not explain:
        return
    if r.description:
        yield printable(f"        case: {r.description}")
    for line in detail_lines(r, shown_hint):
        yield f"        {line}"


def target_line(info: dict) -> str:
    """``spec (kind path-or-module), version V`` and any other facts the loader recorded."""
    where = info.get("path") or info.get("module")
    kind = " ".join(str(v) for v in (info.get("kind"), where) if v)
    line = f"{info.get('spec') or '-'}" + (f" ({kind})" if kind else "")
    if info.get("version"):
        line += f", version {info['version']}"
    rest = {k: v for k, v in info.items() if k not in ("spec", "kind", "path", "module", "version", "load_error")}
    return f"{line}, {_pairs(rest)}" if _pairs(rest) != "-" else line


def _pairs(data: dict) -> str:
    """``key value, key value`` for a header mapping, empty values left out."""
    return ", ".join(f"{k} {v}" for k, v in data.items() if v not in (None, "", [], {})) or "-"
