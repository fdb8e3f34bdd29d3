"""The Markdown report, for CI job summaries: counts per function in a table, then the failures.

Text from the target or the vector files is escaped so that it cannot break the
table or inject HTML; code (repro lines) goes in code spans.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from dlconform.report.details import baseline_note, detail_lines, printable
from dlconform.report.text import baseline_lines, grouped, header_lines, perf_lines, score_lines
from dlconform.results import OUTCOMES, CaseResult, Report, contract_line, count_outcomes

MAX_FAILURES = 100  # a job summary has a size limit; the JSON report has them all
SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def render_markdown(report: Report) -> str:
    """Summary heading with the counts line, header, per-function table, failures list."""
    lines = [f"## dlconform: {'passed' if report.ok else 'failed'}", "", f"**{report.summary_line()}**", ""]
    lines.extend([escape(contract_line(report.results)), ""])
    lines.extend(f"{escape(line)}\n" for line in score_lines(report))
    lines.extend(f"- {escape(line)}" for line in header_lines(report))
    lines.extend(["", "| function | " + " | ".join(OUTCOMES) + " |", "|---|" + "---:|" * len(OUTCOMES)])
    for function, results in grouped(report.results).items():
        c = count_outcomes(results)
        lines.append(f"| {escape(function)} | " + " | ".join(str(c[o]) for o in OUTCOMES) + " |")
    total = report.counts()
    lines.append("| **total** | " + " | ".join(f"**{total[o]}**" for o in OUTCOMES) + " |")
    lines.extend(escape(line) for line in baseline_lines(report))
    lines.extend(f"- {escape(line)}" for line in perf_lines(report))
    failing = [r for r in report.results if r.outcome in ("failed", "error")]
    if failing:
        lines.extend(["", "### Failures", ""])
        for r in failing[:MAX_FAILURES]:
            lines.extend(_failure(r))
        if len(failing) > MAX_FAILURES:
            lines.append(f"- ... and {len(failing) - MAX_FAILURES} more (see the JSON report)")
    return "\n".join(lines) + "\n"


def _failure(r: CaseResult) -> Iterator[str]:
    """A list item for one failing case, its explanation nested under it."""
    notes = [n for n in (r.outcome, baseline_note(r), "beyond the contract" if r.level == "beyond" else "") if n]
    yield f"- **{escape(r.key)}** ({escape(', '.join(notes))})"
    for line in detail_lines(r):
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
