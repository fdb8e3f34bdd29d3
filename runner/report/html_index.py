"""The instructor's index of a graded batch: the score distribution per function, and a link to each page.

Written by ``grade --out DIR --html`` beside the submissions' pages (which only it links to, by relative
file name, so the folder can be moved or zipped whole).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dlconform.report.page import esc, figure, page, table
from dlconform.results import Graded


def render_index(
    graded: Sequence[Graded], functions: Sequence[str], pages: Mapping[str, str], statuses: Mapping[str, str]
) -> str:
    """The index page: totals, one histogram per graded function, one row per submission linking to its page."""
    from dlconform.report import plots  # matplotlib, imported only for an HTML page

    totals = [g.score.points for g in graded]
    top = max((g.score.max_points for g in graded), default=0.0)
    mean = sum(totals) / len(totals) if totals else 0.0
    hists = []
    for function in functions:
        scores = [g.score.functions[function][0] for g in graded if function in g.score.functions]
        most = max((g.score.functions[function][1] for g in graded if function in g.score.functions), default=0.0)
        caption = f"{function}: submissions by points (of {most:g})"
        hists.append(figure(plots.histogram_figure(function, scores, most), caption))
    rows = [
        [
            f'<a href="{esc(pages[g.submission])}">{esc(g.submission)}</a>',
            esc(statuses[g.submission]),
            f"{g.score.points:.4g} / {g.score.max_points:.4g}",
            *(f"{g.score.functions[f][0]:.3g}" if f in g.score.functions else "" for f in functions),
        ]
        for g in graded
    ]
    body = [
        "<h1>Grades</h1>",
        f"<p>{len(graded)} submissions; mean score <strong>{mean:.3g} / {top:.4g}</strong>. Each page shows what "
        "its student may see (hidden cases pass/fail only, unless graded with --reveal-hidden).</p>",
        "<h2>Score distribution per function</h2>",
        f'<div class="grid">{"".join(hists)}</div>',
        "<h2>Submissions</h2>",
        table(["submission", "status", "score", *map(esc, functions)], rows, text_columns=2),
    ]
    return page("dlconform: grades", body)
