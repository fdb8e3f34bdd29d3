"""Small line, marker and bar charts written as SVG text: the report's plots without a plotting library.

A chart is a few panels stacked vertically, each with an x and a y ``Scale`` (linear, log10, or symmetric log
as matplotlib's ``symlog``), ticks, grid, labels and a legend; series are polylines (broken at NaN), markers,
horizontal lines, markers at a fixed height of the panel (values that are not on the chart) and bars. Text
stays text; the only ids are the panels' clip paths, prefixed with the chart's name, so that several charts
in one page never share one. Nothing depends on the clock: the same data writes the same text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
DPI = 72  # a chart's size is given in inches, as matplotlib's was; 1 inch = 72 SVG units


@dataclass(frozen=True)
class Scale:
    """How one axis maps data to the panel: ``kind`` linear, log (base 10) or symlog (linear within +-10)."""

    kind: str
    low: float
    high: float
    integer: bool = False  # ticks at whole numbers only (counts, case numbers)
    linthresh: float = 10.0
    linscale: float = 1.5

    def _raw(self, v: np.ndarray) -> np.ndarray:
        if self.kind == "log":
            return np.log10(np.maximum(v, 1e-300))
        if self.kind == "symlog":
            a, linear = np.abs(v), self.linscale / (1 - 1 / 10)  # the linear part's width in decades, as matplotlib's
            inside = a / self.linthresh * linear
            outside = linear + np.log10(np.maximum(a, self.linthresh) / self.linthresh)
            return np.sign(v) * np.where(a <= self.linthresh, inside, outside)
        return v

    def fraction(self, values: np.ndarray | Sequence[float]) -> np.ndarray:
        """Where each value falls: 0 at ``low``, 1 at ``high``."""
        with np.errstate(all="ignore"):
            v = np.asarray(values, dtype=float)
            lo, hi = self._raw(np.array([self.low, self.high]))
            return (self._raw(v) - lo) / ((hi - lo) or 1.0)

    def ticks(self) -> list[float]:
        """Tick values: a few round numbers (linear), decades (log, at most about 7), 0 and +-decades (symlog)."""
        if self.kind == "log":
            first, last = math.ceil(math.log10(self.low) - 1e-9), math.floor(math.log10(self.high) + 1e-9)
            step = max(1, math.ceil((last - first + 1) / 7))
            return [10.0**e for e in range(first, last + 1, step)]
        if self.kind == "symlog":
            span = max(abs(self.low), abs(self.high))
            decades = [10.0**e for e in range(1, int(math.log10(max(span, 10))) + 1)]
            step = max(1, math.ceil(len(decades) / 3))
            kept = decades[::step]
            return [v for v in [*(-d for d in reversed(kept)), 0.0, *kept] if self.low <= v <= self.high]
        return _nice(self.low, self.high, self.integer)


def _nice(low: float, high: float, integer: bool) -> list[float]:
    """Round ticks from ``low`` to ``high``: a step of 1, 2, 2.5 or 5 times a power of ten, at most 7 ticks."""
    span = (high - low) or 1.0
    base = 10.0 ** math.floor(math.log10(span / 6))
    step = next(m * base for m in (1, 2, 2.5, 5, 10) if span / (m * base) <= 6)
    if integer:
        step = max(1.0, round(step))
    start = math.ceil(low / step - 1e-9) * step
    count = math.floor((high - start) / step + 1e-9) + 1
    return [round(start + i * step, 12) for i in range(count)]


def label(value: float) -> str:
    """A tick as Python writes the number: 0.01, 1, 100, 1e+06."""
    return f"{value:g}"


def _n(v: float) -> str:
    """A coordinate, to a tenth of a unit."""
    return f"{v:.1f}".rstrip("0").rstrip(".")


@dataclass
class Panel:
    """One plotting area: its scales, what is drawn in it (SVG parts in data order) and its legend entries."""

    x: Scale
    y: Scale
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # left, top, width, height in SVG units
    parts: list[tuple[str, np.ndarray, np.ndarray, dict[str, object]]] = field(default_factory=list)
    legend: list[tuple[str, str, str]] = field(default_factory=list)  # label, colour, "line" | "dash" | marker
    xlabel: str = ""
    ylabel: str = ""
    title: str = ""
    xticks: list[tuple[float, str]] | None = None  # named ticks (rotated), instead of the scale's

    def line(self, x: np.ndarray, y: np.ndarray, colour: str, width: float = 1.0, label: str | None = None) -> None:
        """A polyline through the finite points, broken where a value is not a number."""
        self.parts.append(("line", np.asarray(x, float), np.asarray(y, float), {"colour": colour, "width": width}))
        self._key(label, colour, "line")

    def markers(
        self,
        x: np.ndarray,
        y: np.ndarray,
        colour: str,
        marker: str = ".",
        size: float = 2.5,
        label: str | None = None,
        axes_y: bool = False,
    ) -> None:
        """A marker per point: ``.`` dot, ``o`` ring, ``x``, ``^``/``v`` triangles; ``axes_y``: y is a height in
        the panel (0 bottom, 1 top), for values that are not on the chart."""
        style = {"colour": colour, "marker": marker, "size": size, "axes_y": axes_y}
        self.parts.append(("markers", np.asarray(x, float), np.asarray(y, float), style))
        self._key(label, colour, marker)

    def hline(self, y: float, colour: str, label: str | None = None) -> None:
        """A dashed horizontal line across the panel."""
        self.parts.append(("hline", np.array([]), np.array([y], float), {"colour": colour}))
        self._key(label, colour, "dash")

    def bars(self, edges: np.ndarray, counts: np.ndarray, colour: str) -> None:
        """A histogram's bars: ``counts[i]`` from ``edges[i]`` to ``edges[i + 1]``."""
        self.parts.append(("bars", np.asarray(edges, float), np.asarray(counts, float), {"colour": colour}))

    def _key(self, label: str | None, colour: str, kind: str) -> None:
        if label:
            self.legend.append((label, colour, kind))

    def _px(self, x: np.ndarray, y: np.ndarray, axes_y: bool = False) -> tuple[np.ndarray, np.ndarray]:
        left, top, width, height = self.box
        fy = y if axes_y else self.y.fraction(y)
        return left + self.x.fraction(x) * width, top + (1 - fy) * height


@dataclass
class Chart:
    """A figure of ``width`` x ``height`` inches with its panels stacked top to bottom."""

    name: str
    width: float
    height: float
    panels: list[Panel] = field(default_factory=list)
    margins: tuple[float, float, float, float] = (0.11, 0.98, 0.12, 0.97)  # left, right, bottom, top (fractions)
    gap: float = 0.08  # between stacked panels, as a fraction of a panel's height

    def stack(self, *panels: Panel, ratios: Sequence[float] | None = None) -> None:
        """Lay ``panels`` out top to bottom within the margins, their heights in ``ratios``."""
        ratios = list(ratios or [1.0] * len(panels))
        left, right, bottom, top = self.margins
        w, h = self.width * DPI, self.height * DPI
        total = (top - bottom) * h
        unit = total / (sum(ratios) + self.gap * (len(panels) - 1) * sum(ratios) / len(panels))
        y = (1 - top) * h
        for panel, ratio in zip(panels, ratios, strict=True):
            panel.box = (left * w, y, (right - left) * w, ratio * unit)
            y += ratio * unit + self.gap * unit * sum(ratios) / len(panels)
        self.panels = list(panels)

    def svg(self) -> str:
        """The chart as one ``<svg>`` element."""
        w, h = _n(self.width * DPI), _n(self.height * DPI)
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" {FONT} '
            f'font-size="9">',
            f'<rect width="{w}" height="{h}" fill="#fff"/>',
        ]
        for i, panel in enumerate(self.panels):
            out.extend(_panel(panel, f"{self.name}-clip{i}", last=i == len(self.panels) - 1))
        out.append("</svg>")
        return "".join(out)


def _panel(p: Panel, clip: str, last: bool) -> list[str]:
    """A panel's frame, grid, ticks, labels, data (clipped to the frame) and legend."""
    left, top, width, height = p.box
    out = [
        f'<clipPath id="{clip}"><rect x="{_n(left)}" y="{_n(top)}" width="{_n(width)}" height="{_n(height)}"/>'
        "</clipPath>"
    ]
    out += _grid(p, last)
    out.append(f'<g clip-path="url(#{clip})">')
    for kind, x, y, style in p.parts:
        out.append(_draw(p, kind, x, y, style))
    out.append("</g>")
    out.append(
        f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(width)}" height="{_n(height)}" fill="none" stroke="#333" '
        'stroke-width="0.8"/>'
    )
    if p.title:
        out.append(f'<text x="{_n(left + width / 2)}" y="{_n(top - 5)}" text-anchor="middle">{_esc(p.title)}</text>')
    if p.ylabel:
        tx, ty = _n(left - 38), _n(top + height / 2)
        out.append(
            f'<text x="{tx}" y="{ty}" text-anchor="middle" transform="rotate(-90 {tx} {ty})">{_esc(p.ylabel)}</text>'
        )
    if p.xlabel and last:
        out.append(
            f'<text x="{_n(left + width / 2)}" y="{_n(top + height + 26)}" text-anchor="middle">{_esc(p.xlabel)}</text>'
        )
    return out + _legend(p)


def _grid(p: Panel, last: bool) -> list[str]:
    """Grid lines at the ticks, and the tick labels (x only on the bottom panel)."""
    left, top, width, height = p.box
    bottom = top + height
    out = []
    xticks = p.xticks if p.xticks is not None else [(v, label(v)) for v in p.x.ticks()]
    xs = p.x.fraction([v for v, _ in xticks]) * width + left
    for (_, text), x in zip(xticks, xs, strict=True):
        out.append(f'<path d="M{_n(x)} {_n(top)}V{_n(bottom)}" stroke="#b0b0b0" stroke-opacity="0.3"/>')
        if last and p.xticks is not None:
            out.append(
                f'<text x="{_n(x)}" y="{_n(bottom + 8)}" text-anchor="end" font-size="6" '
                f'transform="rotate(-60 {_n(x)} {_n(bottom + 8)})">{_esc(text)}</text>'
            )
        elif last:
            out.append(f'<text x="{_n(x)}" y="{_n(bottom + 12)}" text-anchor="middle">{_esc(text)}</text>')
    yticks = p.y.ticks()
    for v, y in zip(yticks, bottom - p.y.fraction(yticks) * height, strict=True):
        out.append(f'<path d="M{_n(left)} {_n(y)}H{_n(left + width)}" stroke="#b0b0b0" stroke-opacity="0.3"/>')
        out.append(f'<text x="{_n(left - 4)}" y="{_n(y + 3)}" text-anchor="end">{_esc(label(v))}</text>')
    return out


def _draw(p: Panel, kind: str, x: np.ndarray, y: np.ndarray, style: dict[str, object]) -> str:
    """One series as an SVG path (or rects for bars)."""
    colour = style["colour"]
    left, top, width, height = p.box
    if kind == "hline":
        (py,) = p._px(np.array([p.x.low]), y)[1]
        return (
            f'<path d="M{_n(left)} {_n(py)}H{_n(left + width)}" stroke="{colour}" stroke-width="0.8" '
            'stroke-dasharray="3 2"/>'
        )
    if kind == "bars":
        x0, base = p._px(x[:-1], np.zeros(len(y)))
        x1, ys = p._px(x[1:], y)
        rects = (
            f'<rect x="{_n(a)}" y="{_n(t)}" width="{_n(b - a)}" height="{_n(f - t)}"/>'
            for a, b, t, f in zip(x0, x1, ys, base, strict=True)
            if f - t > 0
        )
        return f'<g fill="{colour}" stroke="#fff" stroke-width="0.8">{"".join(rects)}</g>'
    px, py = p._px(x, y, bool(style.get("axes_y")))
    py = np.clip(py, top - 50, top + height + 50)  # far outside the frame is as good as just outside: short paths
    if kind == "line":
        return (
            f'<path d="{_polyline(px, py)}" fill="none" stroke="{colour}" stroke-width="{style["width"]}" '
            'stroke-linejoin="round"/>'
        )
    return _markers(px, py, str(colour), str(style["marker"]), float(style["size"]))  # type: ignore[arg-type]


def _polyline(px: np.ndarray, py: np.ndarray) -> str:
    """``M x y L ...`` through the finite points, a new ``M`` after each gap."""
    ok = np.isfinite(px) & np.isfinite(py)
    out, pen = [], False
    for x, y, good in zip(px.tolist(), py.tolist(), ok.tolist(), strict=True):
        if good:
            out.append(f"{'L' if pen else 'M'}{_n(x)} {_n(y)}")
        pen = good
    return "".join(out) or "M0 0"


MARKS = {  # a marker of size s at (x, y), as a path; dots are round-capped zero-length lines
    ".": "M{x} {y}h0",
    "o": "M{l} {y}a{r} {r} 0 1 0 {d} 0a{r} {r} 0 1 0 -{d} 0",
    "x": "M{l} {t}l{d} {d}m0 -{d}l-{d} {d}",
    "^": "M{x} {t}l{r} {d}h-{d}z",
    "v": "M{x} {b}l{r} -{d}h-{d}z",
}


def _markers(px: np.ndarray, py: np.ndarray, colour: str, marker: str, size: float) -> str:
    """Every finite point's marker in one path."""
    ok = np.isfinite(px) & np.isfinite(py)
    r = size / 2 if marker != "." else 0.0
    shape = MARKS[marker]
    d = "".join(
        shape.format(x=_n(x), y=_n(y), l=_n(x - r), t=_n(y - r), b=_n(y + r), r=_n(r), d=_n(2 * r))
        for x, y in zip(px[ok].tolist(), py[ok].tolist(), strict=True)
    )
    if marker == ".":
        return f'<path d="{d or "M0 0"}" stroke="{colour}" stroke-width="{size}" stroke-linecap="round"/>'
    if marker in "^v":
        return f'<path d="{d or "M0 0"}" fill="{colour}"/>'
    return f'<path d="{d or "M0 0"}" fill="none" stroke="{colour}" stroke-width="1"/>'


def _legend(p: Panel) -> list[str]:
    """The legend in the panel's emptiest corner: a sample of each entry and its label."""
    if not p.legend:
        return []
    rows = 11.0
    box_w = 26 + 3.8 * max(len(text) for text, _, _ in p.legend)  # about the width of a 7-unit character
    box_h = rows * len(p.legend) + 4
    x0, y0 = _corner(p, box_w, box_h)
    out = [
        f'<g font-size="7"><rect x="{_n(x0)}" y="{_n(y0)}" width="{_n(box_w)}" height="{_n(box_h)}" '
        'fill="#fff" fill-opacity="0.85" stroke="#ccc" stroke-width="0.6"/>'
    ]
    for i, (text, colour, kind) in enumerate(p.legend):
        cy = y0 + 7.5 + i * rows
        if kind in ("line", "dash"):
            dash = ' stroke-dasharray="3 2"' if kind == "dash" else ""
            out.append(f'<path d="M{_n(x0 + 4)} {_n(cy)}h14" stroke="{colour}" stroke-width="1.2"{dash}/>')
        else:
            out.append(_markers(np.array([x0 + 11]), np.array([cy]), colour, kind, 4.0 if kind != "." else 3.0))
        out.append(f'<text x="{_n(x0 + 22)}" y="{_n(cy + 2.5)}">{_esc(text)}</text>')
    return [*out, "</g>"]


def _corner(p: Panel, box_w: float, box_h: float) -> tuple[float, float]:
    """The top-left of the legend: of the four corners of the panel, the one over the fewest data points."""
    left, top, width, height = p.box
    xs, ys = [], []
    for kind, x, y, style in p.parts:
        if kind in ("line", "markers"):
            px, py = p._px(x, y, bool(style.get("axes_y")))
            xs.append(px)
            ys.append(py)
    px = np.concatenate(xs) if xs else np.array([])
    py = np.concatenate(ys) if ys else np.array([])
    corners = [(left + width - box_w - 4, top + 4), (left + 4, top + 4)]
    corners += [(left + width - box_w - 4, top + height - box_h - 4), (left + 4, top + height - box_h - 4)]

    def crowd(corner: tuple[float, float]) -> int:
        x0, y0 = corner
        return int(np.count_nonzero((px >= x0) & (px <= x0 + box_w) & (py >= y0) & (py <= y0 + box_h)))

    return min(corners, key=crowd)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)
