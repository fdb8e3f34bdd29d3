"""The shell of every HTML page dlconform writes: one self-contained file, readable on a phone and printable.

Inline CSS only; no script, font, image or link that leaves the file; the figures are inline SVG (report/svg.py).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from dlconform.version import __version__

CSS = """
:root { --fg: #1b1b1b; --muted: #5f5f5f; --bad: #b3261e; --ok: #1e7b34; --line: #d9d9d9; --soft: #f4f5f7; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 62rem; padding: 1rem; color: var(--fg); background: #fff;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 1.5rem; margin: .2rem 0 .4rem; } h2 { font-size: 1.2rem; margin: 1.6rem 0 .4rem; }
.muted { color: var(--muted); } .bad { color: var(--bad); } .ok { color: var(--ok); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .45rem; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
td.text, th.text { text-align: left; white-space: normal; }
section { border-top: 2px solid var(--line); margin-top: 1.2rem; }
figure { margin: .6rem 0; } figure svg { width: 100%; height: auto; max-width: 44rem; display: block; }
figcaption { color: var(--muted); font-size: .85rem; }
.hints { background: var(--soft); border-left: 4px solid #e0a800; padding: .5rem .8rem .5rem 1.6rem; }
details { margin: .5rem 0; } summary { cursor: pointer; font-weight: 600; }
pre { white-space: pre-wrap; word-break: break-word; background: var(--soft); padding: .5rem; font-size: .8rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: .6rem; }
@media (max-width: 40rem) { body { font-size: 14px; padding: .6rem; } th, td { padding: .25rem .3rem; } }
@media print {
  body { max-width: none; font-size: 11px; } a { color: inherit; text-decoration: none; }
  figure { break-inside: avoid; } details::details-content { content-visibility: visible; display: block; }
}
"""


def esc(value: object) -> str:
    """Text made safe inside HTML, quotes included."""
    return html.escape(str(value), quote=True)


def page(title: str, body: Iterable[str]) -> str:
    """A whole HTML document: ``title``, the inline CSS, the ``body`` parts and a footer naming dlconform."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(title)}</title>",
            f"<style>{CSS}</style>",
            "</head>",
            "<body>",
            *body,
            f'<footer class="muted"><p>Written by dlconform {esc(__version__)}.</p></footer>',
            "</body>",
            "</html>",
            "",
        ]
    )


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], text_columns: int = 1) -> str:
    """A table of already escaped cells, in a box that scrolls sideways on a narrow screen; the first
    ``text_columns`` columns are left-aligned."""

    def row(cells: Sequence[str], tag: str) -> str:
        return (
            "<tr>"
            + "".join(
                f'<{tag} class="text">{c}</{tag}>' if i < text_columns else f"<{tag}>{c}</{tag}>"
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )

    body = [row(r, "td") for r in rows]
    return f'<div class="scroll"><table><thead>{row(headers, "th")}</thead><tbody>{"".join(body)}</tbody></table></div>'


def figure(svg: str, caption: str) -> str:
    """An inline SVG figure with its caption (escaped here)."""
    return f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>"
