"""Report formats: one ``Report`` rendered as text, JSON, Markdown, HTML or JUnit XML.

``render(report, fmt)`` is the single entry point for text, json, markdown and html;
``render_junit`` writes the XML for CI systems. With ``redact_hidden=True``
(student-facing output) a hidden case shows only whether it passed.
"""

from __future__ import annotations

from dataclasses import replace

from dlconform.report.text import render_text
from dlconform.results import CaseResult, Outcome, Report

FORMATS: tuple[str, ...] = ("text", "json", "markdown", "html")
HIDDEN_MESSAGE = "hidden case: its inputs and expected values are not shown"


def render(report: Report, fmt: str, *, color: bool = False, redact_hidden: bool = False, verbosity: int = 0) -> str:
    """The report in format ``fmt`` (text, json, markdown or html); colour applies to text only, ``verbosity``
    (-1 the counts only, 0 the failures, 1 every case) to text and Markdown; JSON always holds every case."""
    shown = redacted(report) if redact_hidden else report
    if fmt == "text":
        return render_text(shown, color=color, verbosity=verbosity)
    if fmt == "json":  # each format's module imported when asked for: a text run's start-up time matters
        from dlconform.report.jsondoc import render_json

        return render_json(shown)
    if fmt == "markdown":
        from dlconform.report.markdown import render_markdown

        return render_markdown(shown, verbosity=verbosity)
    if fmt == "html":
        from dlconform.report.html import render_html  # the page and its figures only when one is asked for

        return render_html(shown)
    raise ValueError(f"unknown report format {fmt!r} (known: {', '.join(FORMATS)})")


def render_junit(report: Report, *, redact_hidden: bool = False) -> str:
    """The report as JUnit XML: a testsuite per function, a testcase per case."""
    from dlconform.report.junit import render_junit_xml  # xml.etree only when asked: start-up time matters

    return render_junit_xml(redacted(report) if redact_hidden else report)


def redacted(report: Report) -> Report:
    """A copy of ``report`` whose hidden cases keep only their outcome: no inputs, values, details, repro or duration."""
    return replace(report, results=[_redact(r) if r.hidden else r for r in report.results])


def _redact(result: CaseResult) -> CaseResult:
    """A hidden case's result with everything but its identity and outcome removed (its duration too: the time a
    submission takes can carry what it was given)."""
    message = "" if result.outcome == Outcome.PASSED else HIDDEN_MESSAGE
    return replace(result, message=message, description="", failure="", details={}, duration=0.0, expected_failure=None)
