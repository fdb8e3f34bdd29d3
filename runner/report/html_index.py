"""The instructor's index of a graded batch: the score distribution per function, and a link to each page.

Written by ``grade --out DIR --html`` beside the submissions' pages (which only it links to, by relative
file name, so the folder can be moved or zipped whole), and again by ``merge`` over the shards' pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dlconform.report.page import esc, figure, page, table
from dlconform.results import Score


@dataclass(frozen=True)
class Entry:
    """One submission on the index: its name, its page's file name, how grading went, and its score."""

    submission: str
    page: str
    status: str
    score: Score


def render_index(entries: Sequence[Entry], functions: Sequence[str]) -> str:
    """The index page: totals, one histogram per graded function, one row per submission (sorted by name, as
    the gradebook of ``merge``) linking to its page."""
    from dlconform.report import plots  # the figures, imported only for an HTML page

    entries = sorted(entries, key=lambda e: e.submission)

    totals = [e.score.points for e in entries]
    top = max((e.score.max_points for e in entries), default=0.0)
    mean = sum(totals) / len(totals) if totals else 0.0
    hists = []
    for function in functions:
        scores = [e.score.functions[function][0] for e in entries if function in e.score.functions]
        most = max((e.score.functions[function][1] for e in entries if function in e.score.functions), default=0.0)
        caption = f"{function}: submissions by points (of {most:g})"
        hists.append(figure(plots.histogram_figure(function, scores, most), caption))
    rows = [
        [
            f'<a href="{esc(e.page)}">{esc(e.submission)}</a>',
            esc(e.status),
            f"{e.score.points:.4g} / {e.score.max_points:.4g}",
            *(f"{e.score.functions[f][0]:.3g}" if f in e.score.functions else "" for f in functions),
        ]
        for e in entries
    ]
    body = [
        "<h1>Grades</h1>",
        f"<p>{len(entries)} submissions; mean score <strong>{mean:.3g} / {top:.4g}</strong>. Each page shows what "
        "its student may see (hidden cases pass/fail only, unless graded with --reveal-hidden).</p>",
        "<h2>Score distribution per function</h2>",
        f'<div class="grid">{"".join(hists)}</div>',
        "<h2>Submissions</h2>",
        table(["submission", "status", "score", *map(esc, functions)], rows, text_columns=2),
    ]
    return page("dlconform: grades", body)
