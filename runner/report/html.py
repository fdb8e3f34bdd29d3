"""The HTML report of one run: summary per function, hints, a plot per failing function, cases folded away.

A failing function that has a curve (``Report.curves``) gets its plot: the target against the
reference across its domain with NaN, +-inf and wrong values marked, and the error in ULP below; the others
(sums, shaping, linear algebra, or a curve that could not be measured) get the error of each of their cases. Hidden
cases are shown as the caller passes them: ``render(..., redact_hidden=True)`` redacts them first, as for JSON.
"""

from __future__ import annotations

from collections.abc import Sequence

from dlconform.judge.hints import function_hint
from dlconform.report.details import baseline_note, detail_lines
from dlconform.report.page import esc, figure, page, table
from dlconform.report.shown import also_line, beyond_free, folded, level_note, not_defined_lines, ordered, unrun
from dlconform.results import FAILING, CaseResult, Level, Outcome, Report, contract_line, count_outcomes
from dlconform.run.curves import Curve, failing_functions

SHOWN_HINTS = 3  # distinct hints shown above a function's plot; each failing case below keeps its own


def render_html(report: Report) -> str:
    """The whole page for ``report``, with its score where an assignment gave one (grade, ``run --assignment``)."""
    by_function: dict[str, list[CaseResult]] = {}
    for r in report.results:
        by_function.setdefault(r.function, []).append(r)
    curves = {s.function: s for s in report.curves or ()}
    plotted = set(failing_functions(report.results))
    name = str(report.target.get("spec") or report.target.get("profile") or "target")
    missing = report.not_defined
    body = [
        "<header>",
        "<h1>dlconform report</h1>",
        f'<p class="muted">{esc(name)} · suite {esc(report.suite_version)}</p>',
        f'<p><strong class="{"ok" if report.ok else "bad"}">{esc(report.summary_line())}</strong>; '
        f"{esc(contract_line(report.results))}</p>",
        *_score(report),
        "</header>",
        "<h2>Summary</h2>",
        table(
            ["function", "passed", "failed", "errors", "skipped", "inside the contract", "beyond it"],
            [_summary_row(f, rs) for f, rs in by_function.items() if f not in missing],
        ),
        *(f"<p>{esc(line.strip())}</p>" for line in not_defined_lines(report)),
        *_warnings(report.warnings),
    ]
    free = beyond_free(report)
    for function, results in by_function.items():
        bad = ordered(r for r in results if r.outcome in FAILING)
        if bad and function not in missing:
            plot = _plot(function, results, curves.get(function)) if function in plotted else []
            body.extend(_section(function, results, bad, plot, free))
    return page(f"dlconform: {name}", body)


def _score(report: Report) -> list[str]:
    """The score line, when the report carries one."""
    if report.score is None:
        return []
    s = report.score
    return [f"<p>Score ({esc(s.assignment)}): <strong>{s.points:.4g} / {s.max_points:.4g}</strong></p>"]


def _summary_row(function: str, results: Sequence[CaseResult]) -> list[str]:
    """One function's counts, its name linking to its section when something failed."""
    c = count_outcomes(results)
    failing = c["failed"] or c["error"]
    label = f'<a href="#f-{esc(function)}">{esc(function)}</a>' if failing else esc(function)
    return [
        label,
        str(c["passed"]),
        f'<span class="bad">{c["failed"]}</span>' if c["failed"] else "0",
        f'<span class="bad">{c["error"]}</span>' if c["error"] else "0",
        str(c["skipped"]),
        _level(results, Level.INSIDE),
        _level(results, Level.BEYOND),
    ]


def _level(results: Sequence[CaseResult], level: str) -> str:
    """``passed of run`` for the cases at one contract level; blank when there are none."""
    ran = [r for r in results if r.level == level and r.outcome != Outcome.SKIPPED]
    return f"{sum(r.outcome == Outcome.PASSED for r in ran)} of {len(ran)}" if ran else ""


def _warnings(warnings: Sequence[str]) -> list[str]:
    """The report's warnings as a list, when there are any."""
    if not warnings:
        return []
    return ["<h2>Notes</h2>", "<ul>", *(f"<li>{esc(w)}</li>" for w in warnings), "</ul>"]


def _section(function: str, results: list[CaseResult], bad: list[CaseResult], plot: list[str], free: bool) -> list[str]:
    """A failing function: counts, hints, its ``plot`` (none when it only is missing), its failing cases folded."""
    counts = count_outcomes(results)
    top = function_hint(bad)  # the function's own hint first, then the cases' other ones
    hints = list(
        dict.fromkeys([*([top] if top else []), *(str(r.details["hint"]) for r in bad if r.details.get("hint"))])
    )
    out = [
        f'<section id="f-{esc(function)}">',
        f"<h2>{esc(function)}</h2>",
        f'<p class="muted">{counts["passed"]} passed, {counts["failed"]} failed, {counts["error"]} errors '
        f"of {len(results)} cases; {esc(contract_line(results))}</p>",
    ]
    if hints:
        more = [f'<li class="muted">and {len(hints) - SHOWN_HINTS} more in the cases below</li>'] * (
            len(hints) > SHOWN_HINTS
        )
        out += ['<ul class="hints">', *(f"<li>{esc(h)}</li>" for h in hints[:SHOWN_HINTS]), *more, "</ul>"]
    out.extend(plot)
    once = unrun(results)
    if once is not None:  # the target lacks it or failed to load: said once, as in the text report
        return [
            *out,
            f'<p><strong class="bad">{esc(once.message)}</strong> (all {len(results)} cases)</p>',
            "</section>",
        ]
    kept, also = folded(bad)
    cases = [_case(r, also.get(r.key, []), free) for r in kept]
    return [*out, f"<details><summary>{len(bad)} failing cases</summary>", *cases, "</details>", "</section>"]


def _plot(function: str, results: list[CaseResult], curve: Curve | None) -> list[str]:
    """The curve's figure when it has points; else the per-case errors (with why the curve has none)."""
    from dlconform.report import plots  # the figures, imported only for an HTML page

    if curve is not None and curve.x.size:
        caption = (
            f"{function} across its domain (swept in {curve.seconds * 1e3:.1f} ms): the target against the reference, "
            f"NaN, ±inf and values more than {plots.WRONG_ULP:g} ULP off marked; the error in ULP (log scale)."
        )
        return [figure(plots.curve_figure(curve), caption)]
    why = [f'<p class="muted">{esc(curve.message)}</p>'] if curve is not None else []
    caption = f"{function}: the relative error of each case (largest over its elements); x at the top: no figure."
    return [*why, figure(plots.cases_figure(function, results), caption)]


def _case(result: CaseResult, variants: list[str], free: bool = False) -> str:
    """One failing case: outcome, id and level (``no points`` beyond an assignment that gives them none), then its
    detail lines (repro included) and the layout ``variants`` that fail as it does."""
    head = f'<p><strong class="bad">{result.outcome.upper()}</strong> <code>{esc(result.id)}</code>'
    level = level_note(result, free) or "inside the contract"
    notes = [level, *(["hidden"] if result.hidden else []), baseline_note(result)]
    head += f' <span class="muted">({esc("; ".join(n for n in notes if n))})</span></p>'
    lines = detail_lines(result)
    if result.description:
        lines.insert(0, f"case: {result.description}")
    if variants:
        lines.append(also_line(variants))
    return head + (f"<pre>{esc(chr(10).join(lines))}</pre>" if lines else "")
