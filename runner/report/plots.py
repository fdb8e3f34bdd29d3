"""The HTML report's pictures, drawn with matplotlib (Agg, SVG text kept as text) and returned as inline SVG.

Imported only when an HTML page is asked for: matplotlib is the optional ``html`` extra and takes a while to
import. Every figure is an ``<svg>`` element whose ids are prefixed with the figure's own name, so several
figures in one page never share an id, and whose output does not depend on the clock. A figure is drawn once
per process for what it shows: the same mistake on many of grade's pages is drawn once (``_DRAWN``).
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec

import matplotlib
import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.results import FAILING, CaseResult, Outcome
from dlconform.run.sweep import ROW, Sweep
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter, NullLocator

matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text: smaller, and no font is embedded or fetched
        "svg.hashsalt": "dlconform",  # ids from content, not from random numbers
        "font.size": 9,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "path.simplify": True,
    }
)
WRONG_ULP = 16.0  # an error above this many ULP is marked as wrong (the conformance page's "more than 16 ULP off")
FLOOR = 1e-2  # errors of 0 ULP are drawn here on the log scale
CEILING = 1e18  # and errors beyond this (no correct digit since 2**53) here
P = ParamSpec("P")
SUBJECTS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")  # one colour each
TARGET, REFERENCE, BAD = "#1f5fbf", "#888888", "#d62728"
THIN = 4  # where the target is right (within WRONG_ULP), one point in THIN is drawn: the curve is smooth there
OFF_POINTS = 180  # and where it is off, at most about this many (a curve of wrong values is smooth too)
_DRAWN: dict[str, str] = {}  # figures already drawn in this process, by a digest of what they show (grade's pages)
KEPT = 200  # at most this many (the oldest forgotten first): a few megabytes, whatever the size of the batch


def _quiet(draw: Callable[P, str]) -> Callable[P, str]:
    """Draw without NumPy's and matplotlib's warnings: huge and non-finite values are expected, and drawn clipped."""

    @functools.wraps(draw)
    def quietly(*args: P.args, **kwargs: P.kwargs) -> str:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return draw(*args, **kwargs)

    return quietly


@_quiet
def sweep_figure(s: Sweep) -> str:
    """Target against reference across the sweep, NaN, +-inf and wrong values marked, and the error in ULP below."""
    key = _digest("sweep", s.function, s.rows, s.x, s.got, s.exact, s.ulp, s.reference_ulp)
    return _drawn(key, lambda: _rows_figure(s) if s.rows else _sweep_figure(s))


def _sweep_figure(s: Sweep) -> str:
    """The sweep of an elementwise or scalar function: values above, the error in ULP below."""
    fig = _figure(7, 4.8)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    finite = np.isfinite(s.exact)
    shown = _thinned(s.ulp)
    top.plot(s.x[finite], s.exact[finite], color="black", lw=1.2, label="reference")
    got = np.where(np.isfinite(s.got), s.got, np.nan)
    top.plot(s.x[shown], got[shown], ".", ms=2.5, color=TARGET, label="target")
    low, high = _limits(s.exact[finite])
    top.set_ylim(low, high)
    wrong = np.isfinite(s.got) & (np.nan_to_num(s.ulp) > WRONG_ULP)
    if wrong.any():
        top.plot(s.x[wrong], np.clip(s.got[wrong], low, high), "o", mfc="none", color="#ff7f0e", ms=5, label="wrong")
    _mark_specials(top, s.x, s.got, s.exact)
    top.set_ylabel(s.function)
    top.legend(loc="best", fontsize=7, ncol=2)
    _error_axis(bottom, s.x, s.ulp, s.reference_ulp, shown)
    _mark_specials(bottom, s.x, s.got, s.exact, legend=False)
    bottom.set_xscale("symlog", linthresh=10.0, linscale=1.5)
    bottom.set_xlabel("x (linear in [-10, 10], logarithmic beyond)")
    return _svg(fig, f"sweep-{s.function}")


def _rows_figure(s: Sweep) -> str:
    """The largest error in ULP of each row ``scale * ROW`` of a row-wise function, NaN and inf rows marked.

    Drawn against log10 of the scale on a linear axis: matplotlib's log axis fails over 600 decades."""
    fig = _figure(7, 3.2)
    ax = fig.subplots()
    x = np.log10(s.x)
    _error_axis(ax, x, _row_max(s.ulp), _row_max(s.reference_ulp))
    nan = np.isnan(s.got).any(axis=1) & ~np.isnan(s.exact).any(axis=1)
    inf = np.isinf(s.got).any(axis=1) & ~np.isinf(s.exact).any(axis=1)
    _edge(ax, x[nan], 0.96, "x", "NaN in the row")
    _edge(ax, x[inf], 0.90, "^", "inf in the row")
    row = ", ".join(f"{v:g}" for v in ROW)
    ax.set_xlabel(f"log10 of the row scale s (each row is s * [{row}])")
    ax.set_ylabel(f"{s.function}: worst ULP in the row")
    ax.legend(loc="best", fontsize=7)
    return _svg(fig, f"sweep-{s.function}")


@_quiet
def cases_figure(function: str, results: Sequence[CaseResult]) -> str:
    """The relative error of each case (failing ones in red); a case without a figure is marked with its failure."""
    key = _digest("cases", function, [(r.id, r.outcome, _rel(r)) for r in results])
    return _drawn(key, lambda: _cases_figure(function, results))


def _cases_figure(function: str, results: Sequence[CaseResult]) -> str:
    fig = _figure(7, 3.2, bottom=0.3)
    ax = fig.subplots()
    index = np.arange(len(results))
    errors = np.array([_rel(r) for r in results], dtype=float)
    failed = np.array([r.outcome in FAILING for r in results])
    shown = np.isfinite(errors)
    for mask, colour, label in ((~failed, REFERENCE, "passed"), (failed, BAD, "failed")):
        pick = mask & shown
        ax.plot(index[pick], np.maximum(errors[pick], 1e-17), "o", color=colour, ms=4, label=label, ls="none")
    other = failed & ~shown
    _edge(ax, index[other], 0.96, "x", "failed: no error figure (NaN, shape, dtype, raised)")
    ax.set_yscale("log")
    ax.set_ylim(1e-17, min(max(10.0, float(np.nanmax(errors, initial=1.0)) * 10), CEILING))
    ax.set_xlabel("case (in suite order)")
    ax.set_ylabel(f"{function}: relative error")
    if len(results) <= 16:  # each case named; more would not be readable, and a tick each costs a third of the page
        ax.set_xticks(index)
        ax.set_xticklabels([r.id for r in results], rotation=60, ha="right", fontsize=6)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="best", fontsize=7)
    return _svg(fig, f"cases-{function}")


@_quiet
def histogram_figure(function: str, scores: Sequence[float], max_points: float) -> str:
    """How many submissions scored how much on one function (ten bins from 0 to its points)."""
    fig = _figure(3.4, 2.2, left=0.18, bottom=0.22, top=0.88)
    ax = fig.subplots()
    top = max_points or 1.0
    ax.hist(scores, bins=[top * i / 10 for i in range(11)], color=TARGET, edgecolor="white")
    ax.set_title(function, fontsize=9)
    ax.set_xlabel(f"points (of {max_points:g})")
    ax.set_ylabel("submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _svg(fig, f"hist-{function}")


@_quiet
def ulp_comparison_figure(function: str, sweeps: Sequence[tuple[str, Sweep | None]]) -> str:
    """The error in ULP of each subject across one function's sweep, NaN marked per subject; a subject keeps its
    colour in every figure (None: it lacks the function)."""
    fig = _figure(7, 3.4)
    ax = fig.subplots()
    colours = SUBJECTS
    for i, (label, s) in enumerate(sweeps):
        if s is None or not s.x.size:
            continue
        x, err = (np.log10(s.x), _row_max(s.ulp)) if s.rows else (s.x, s.ulp)
        ax.plot(x, np.clip(err, FLOOR, CEILING), lw=1, color=colours[i % len(colours)], label=label)
        nan = np.isnan(s.got).any(axis=1) if s.rows else np.isnan(s.got) & ~np.isnan(s.exact)
        _edge(ax, x[nan], 0.97 - 0.04 * i, "x", None, colours[i % len(colours)])
    ax.set_yscale("log")
    ax.axhline(WRONG_ULP, color=BAD, lw=0.8, ls="--")
    if FUNCTIONS[function].kind == "rowwise":
        ax.set_xlabel("log10 of the row scale s (each row is s * [...], as in the HTML report)")
    else:
        ax.set_xscale("symlog", linthresh=10.0, linscale=1.5)
        ax.set_xlabel("x (float64; linear in [-10, 10], logarithmic beyond; x at the top: NaN)")
    ax.set_ylabel(f"{function}: error in ULP")
    ax.legend(loc="best", fontsize=7)
    return _svg(fig, f"ulp-{function}")


def _error_axis(
    ax: Any, x: np.ndarray, ulp: np.ndarray, reference: np.ndarray, shown: np.ndarray | slice = slice(None)
) -> None:
    """The error in ULP on a log scale: the target's (its ``shown`` points), the reference's, and the WRONG_ULP
    line."""
    ax.plot(x, np.clip(reference, FLOOR, CEILING), color=REFERENCE, lw=1, label="reference (float64)")
    ax.plot(x[shown], np.clip(ulp[shown], FLOOR, CEILING), ".", ms=2.5, color=TARGET, label="target")
    ax.axhline(WRONG_ULP, color=BAD, lw=0.8, ls="--", label=f"{WRONG_ULP:g} ULP")
    ax.set_yscale("log")
    ax.set_ylim(FLOOR / 2, min(max(1e3, float(np.nanmax(ulp, initial=1.0)) * 10), CEILING * 10))
    ax.set_ylabel("error in ULP")


def _mark_specials(ax: Any, x: np.ndarray, got: np.ndarray, exact: np.ndarray, legend: bool = True) -> None:
    """NaN (x at the top), +inf and -inf (triangles at the top and bottom) where the exact value differs."""
    nan = np.isnan(got) & ~np.isnan(exact)
    pos = np.isposinf(got) & ~np.isposinf(exact)
    neg = np.isneginf(got) & ~np.isneginf(exact)
    for mask, y, marker, label in ((nan, 0.95, "x", "NaN"), (pos, 0.95, "^", "+inf"), (neg, 0.05, "v", "-inf")):
        _edge(ax, x[mask], y, marker, label if legend else None)


def _edge(ax: Any, x: np.ndarray, y: float, marker: str, label: str | None, colour: str = BAD) -> None:
    """Markers at data ``x`` and axes height ``y`` (a value that is not on the chart: NaN, inf)."""
    if x.size:
        ax.plot(x, np.full(x.shape, y), marker, color=colour, ms=5, transform=ax.get_xaxis_transform(), label=label)


def _limits(values: np.ndarray) -> tuple[float, float]:
    """The value axis: the reference's range with a margin."""
    if not values.size:
        return -1.0, 1.0
    low, high = float(values.min()), float(values.max())
    pad = (high - low) * 0.1 or 1.0
    return low - pad, high + 2.5 * pad  # room at the top for the NaN and inf marks


def _row_max(values: np.ndarray) -> np.ndarray:
    """The largest finite value of each row; NaN for a row with none."""
    finite = np.isfinite(values)
    best = np.where(finite, values, -np.inf).max(axis=1, initial=-np.inf)
    return np.where(finite.any(axis=1), best, np.nan)


def _rel(result: CaseResult) -> float:
    """The case's relative error from its details (0 for a passed case without one), NaN when there is none."""
    value = result.details.get("max_rel_error")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return 0.0 if result.outcome == Outcome.PASSED else np.nan


def _tick(value: float, position: int) -> str:
    """A log-axis tick as Python writes the number: 0.01, 1, 100, 1e+06."""
    return f"{value:g}"


def _figure(width: float, height: float, left: float = 0.11, bottom: float = 0.12, top: float = 0.97) -> Figure:
    """A figure with fixed margins (a layout engine draws the figure twice), outside pyplot (nothing to close)."""
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=left, right=0.98, bottom=bottom, top=top, hspace=0.08)
    return fig


def _thinned(ulp: np.ndarray) -> np.ndarray:
    """Which points of a sweep to mark: where the target is off (or not a number), every one up to OFF_POINTS and
    evenly spread beyond; one in THIN elsewhere."""
    off = np.flatnonzero(~(np.nan_to_num(ulp, nan=np.inf) <= WRONG_ULP))
    keep = np.zeros(ulp.shape, dtype=bool)
    keep[::THIN] = True
    keep[off] = False
    keep[off[:: -(-off.size // OFF_POINTS) or 1]] = True
    return keep


def _drawn(key: str, draw: Callable[[], str]) -> str:
    """The figure drawn for ``key`` earlier in this process, else ``draw()``'s, kept for the next page."""
    if key not in _DRAWN:
        while len(_DRAWN) >= KEPT:
            del _DRAWN[next(iter(_DRAWN))]
        _DRAWN[key] = draw()
    return _DRAWN[key]


def _digest(*parts: Any) -> str:
    """A digest of what a figure shows (its arrays' bytes, shapes and dtypes, and plain values)."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(f"{part.dtype.str}{part.shape}".encode() + np.ascontiguousarray(part).tobytes())
        else:
            digest.update(repr(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _svg(fig: Any, name: str) -> str:
    """The figure as an inline ``<svg>`` element (no XML prologue), its ids made unique in the page."""
    for axis in (a for ax in fig.axes for a in (ax.xaxis, ax.yaxis)):
        if axis.get_scale() == "log":  # a labelled tick every few decades, not every one of up to 20
            axis.set_major_locator(LogLocator(numticks=7))
        if axis.get_scale() in ("log", "symlog"):
            axis.set_major_formatter(FuncFormatter(_tick))  # plain text: TeX-style labels cost half the drawing
            axis.set_minor_formatter(NullFormatter())
            axis.set_minor_locator(NullLocator())  # minor ticks were a third of the drawing
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    prefix = f"{re.sub(r'[^A-Za-z0-9]', '-', name)}-"
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    return re.sub(
        r"(href=\"#|url\(#)([^\")]+)", lambda m: m.group(1) + (prefix if m.group(2) in ids else "") + m.group(2), text
    )
