"""The HTML report's pictures, written as inline SVG by ``report/svg.py`` (no plotting library to import).

Every figure is an ``<svg>`` element whose ids are prefixed with the figure's own name, so several figures in one
page never share an id, and whose output does not depend on the clock. A figure is drawn once per process for
what it shows: the same mistake on many of grade's pages is drawn once (``_DRAWN``).
"""

from __future__ import annotations

import functools
import hashlib
import warnings
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec

import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.report.svg import Chart, Panel, Scale
from dlconform.results import FAILING, CaseResult, Outcome
from dlconform.run.curves import ROW, Curve

WRONG_ULP = 16.0  # an error above this many ULP is marked as wrong (the conformance page's "more than 16 ULP off")
FLOOR = 1e-2  # errors of 0 ULP are drawn here on the log scale
CEILING = 1e18  # and errors beyond this (no correct digit since 2**53) here
P = ParamSpec("P")
SUBJECTS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")  # one colour each
TARGET, REFERENCE, BAD, WRONG = "#1f5fbf", "#888888", "#d62728", "#ff7f0e"
THIN = 4  # where the target is right (within WRONG_ULP), one point in THIN is drawn: the curve is smooth there
OFF_POINTS = 180  # and where it is off, at most about this many (a curve of wrong values is smooth too)
_DRAWN: dict[str, str] = {}  # figures already drawn in this process, by a digest of what they show (grade's pages)
KEPT = 200  # at most this many (the oldest forgotten first): a few megabytes, whatever the size of the batch
SYMLOG = "x (linear in [-10, 10], logarithmic beyond)"


def _quiet(draw: Callable[P, str]) -> Callable[P, str]:
    """Draw without NumPy's warnings: huge and non-finite values are expected, and drawn clipped."""

    @functools.wraps(draw)
    def quietly(*args: P.args, **kwargs: P.kwargs) -> str:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return draw(*args, **kwargs)

    return quietly


@_quiet
def curve_figure(s: Curve) -> str:
    """Target against reference across the curve's inputs, NaN, +-inf and wrong values marked, and the error in ULP below."""
    key = _digest("curve", s.function, s.rows, s.x, s.got, s.exact, s.ulp, s.reference_ulp)
    return _drawn(key, lambda: _rows_figure(s) if s.rows else _curve_figure(s))


def _curve_figure(s: Curve) -> str:
    """The curve of an elementwise or scalar function: values above, the error in ULP below."""
    chart = Chart(f"curve-{s.function}", 7, 4.8)
    finite = np.isfinite(s.exact)
    low, high = _limits(s.exact[finite])
    x = _symlog(s.x)
    top, bottom = Panel(x, Scale("linear", low, high), ylabel=s.function), _error_panel(x, s.ulp)
    chart.stack(top, bottom, ratios=[3, 2])
    shown = _thinned(s.ulp)
    top.line(s.x[finite], s.exact[finite], "black", 1.2, "reference")
    got = np.where(np.isfinite(s.got), s.got, np.nan)
    top.markers(s.x[shown], got[shown], TARGET, ".", 2.5, "target")
    wrong = np.isfinite(s.got) & (np.nan_to_num(s.ulp) > WRONG_ULP)
    if wrong.any():
        top.markers(s.x[wrong], np.clip(s.got[wrong], low, high), WRONG, "o", 5, "wrong")
    _mark_specials(top, s.x, s.got, s.exact)
    _error_series(bottom, s.x, s.ulp, s.reference_ulp, shown)
    _mark_specials(bottom, s.x, s.got, s.exact, legend=False)
    bottom.xlabel = SYMLOG
    return chart.svg()


def _rows_figure(s: Curve) -> str:
    """The largest error in ULP of each row ``scale * ROW`` of a row-wise function, NaN and inf rows marked.

    Drawn against log10 of the scale on a linear axis (the scales span over 600 decades)."""
    chart = Chart(f"curve-{s.function}", 7, 3.2)
    x = np.log10(s.x)
    ulp = _row_max(s.ulp)
    panel = _error_panel(_linear(x), ulp)
    chart.stack(panel)
    _error_series(panel, x, ulp, _row_max(s.reference_ulp))
    nan = np.isnan(s.got).any(axis=1) & ~np.isnan(s.exact).any(axis=1)
    inf = np.isinf(s.got).any(axis=1) & ~np.isinf(s.exact).any(axis=1)
    _edge(panel, x[nan], 0.96, "x", "NaN in the row")
    _edge(panel, x[inf], 0.90, "^", "inf in the row")
    row = ", ".join(f"{v:g}" for v in ROW)
    panel.xlabel = f"log10 of the row scale s (each row is s * [{row}])"
    panel.ylabel = f"{s.function}: worst ULP in the row"
    return chart.svg()


@_quiet
def cases_figure(function: str, results: Sequence[CaseResult]) -> str:
    """The relative error of each case (failing ones in red); a case without a figure is marked with its failure."""
    key = _digest("cases", function, [(r.id, r.outcome, _rel(r)) for r in results])
    return _drawn(key, lambda: _cases_figure(function, results))


def _cases_figure(function: str, results: Sequence[CaseResult]) -> str:
    chart = Chart(f"cases-{function}", 7, 3.2, margins=(0.11, 0.98, 0.3, 0.97))
    index = np.arange(len(results), dtype=float)
    errors = np.array([_rel(r) for r in results], dtype=float)
    failed = np.array([r.outcome in FAILING for r in results])
    shown = np.isfinite(errors)
    top = min(max(10.0, float(np.nanmax(errors, initial=1.0)) * 10), CEILING)
    panel = Panel(_linear(index, integer=True), Scale("log", 1e-17, top), ylabel=f"{function}: relative error")
    chart.stack(panel)
    for mask, colour, label in ((~failed, REFERENCE, "passed"), (failed, BAD, "failed")):
        pick = mask & shown
        panel.markers(index[pick], np.maximum(errors[pick], 1e-17), colour, "o", 4, label)
    _edge(panel, index[failed & ~shown], 0.96, "x", "failed: no error figure (NaN, shape, dtype, raised)")
    panel.xlabel = "case (in suite order)"
    if len(results) <= 16:  # each case named; more would not be readable
        panel.xticks = [(float(i), r.id) for i, r in enumerate(results)]
    return chart.svg()


@_quiet
def histogram_figure(function: str, scores: Sequence[float], max_points: float) -> str:
    """How many submissions scored how much on one function (ten bins from 0 to its points)."""
    chart = Chart(f"hist-{function}", 3.4, 2.2, margins=(0.18, 0.98, 0.22, 0.88))
    top = max_points or 1.0
    edges = np.array([top * i / 10 for i in range(11)])
    counts, _ = np.histogram(np.clip(np.asarray(scores, dtype=float), 0, top), bins=edges)
    highest = float(counts.max(initial=0)) or 1.0
    panel = Panel(Scale("linear", -0.02 * top, 1.02 * top), Scale("linear", 0, highest * 1.05, True))
    panel.title, panel.xlabel, panel.ylabel = function, f"points (of {max_points:g})", "submissions"
    chart.stack(panel)
    panel.bars(edges, counts.astype(float), TARGET)
    return chart.svg()


@_quiet
def ulp_comparison_figure(function: str, curves: Sequence[tuple[str, Curve | None]]) -> str:
    """The error in ULP of each subject across one function's curve inputs, NaN marked per subject; a subject keeps its
    colour in every figure (None: it lacks the function)."""
    chart = Chart(f"ulp-{function}", 7, 3.4)
    series = []
    for i, (label, s) in enumerate(curves):
        if s is None or not s.x.size:
            continue
        x, err = (np.log10(s.x), _row_max(s.ulp)) if s.rows else (s.x, s.ulp)
        nan = np.isnan(s.got).any(axis=1) if s.rows else np.isnan(s.got) & ~np.isnan(s.exact)
        series.append((i, label, x, np.clip(err, FLOOR, CEILING), nan))
    xs = np.concatenate([x for _, _, x, _, _ in series]) if series else np.array([-1.0, 1.0])
    rowwise = FUNCTIONS[function].kind == "rowwise"
    highest = max((float(np.nanmax(e, initial=1.0)) for _, _, _, e, _ in series), default=1.0)
    y = Scale("log", FLOOR, min(max(1e3, highest * 10), CEILING * 10))
    panel = Panel(_linear(xs) if rowwise else _symlog(xs), y, ylabel=f"{function}: error in ULP")
    chart.stack(panel)
    for i, label, x, err, nan in series:
        colour = SUBJECTS[i % len(SUBJECTS)]
        panel.line(x, err, colour, 1, label)
        _edge(panel, x[nan], 0.97 - 0.04 * i, "x", None, colour)
    panel.hline(WRONG_ULP, BAD)
    if rowwise:
        panel.xlabel = "log10 of the row scale s (each row is s * [...], as in the HTML report)"
    else:
        panel.xlabel = "x (float64; linear in [-10, 10], logarithmic beyond; x at the top: NaN)"
    return chart.svg()


def _error_panel(x: Scale, ulp: np.ndarray) -> Panel:
    """A panel for the error in ULP on a log scale, tall enough for the target's worst."""
    top = min(max(1e3, float(np.nanmax(ulp, initial=1.0)) * 10), CEILING * 10)
    return Panel(x, Scale("log", FLOOR / 2, top), ylabel="error in ULP")


def _error_series(
    panel: Panel, x: np.ndarray, ulp: np.ndarray, reference: np.ndarray, shown: np.ndarray | slice = slice(None)
) -> None:
    """The error in ULP: the reference's curve, the target's (its ``shown`` points), and the WRONG_ULP line."""
    panel.line(x, np.clip(reference, FLOOR, CEILING), REFERENCE, 1, "reference (float64)")
    panel.markers(x[shown], np.clip(ulp[shown], FLOOR, CEILING), TARGET, ".", 2.5, "target")
    panel.hline(WRONG_ULP, BAD, f"{WRONG_ULP:g} ULP")


def _mark_specials(panel: Panel, x: np.ndarray, got: np.ndarray, exact: np.ndarray, legend: bool = True) -> None:
    """NaN (x at the top), +inf and -inf (triangles at the top and bottom) where the exact value differs."""
    nan = np.isnan(got) & ~np.isnan(exact)
    pos = np.isposinf(got) & ~np.isposinf(exact)
    neg = np.isneginf(got) & ~np.isneginf(exact)
    for mask, y, marker, label in ((nan, 0.95, "x", "NaN"), (pos, 0.95, "^", "+inf"), (neg, 0.05, "v", "-inf")):
        _edge(panel, x[mask], y, marker, label if legend else None)


def _edge(panel: Panel, x: np.ndarray, y: float, marker: str, label: str | None, colour: str = BAD) -> None:
    """Markers at data ``x`` and panel height ``y`` (a value that is not on the chart: NaN, inf)."""
    if x.size:
        panel.markers(x, np.full(x.shape, y), colour, marker, 5, label, axes_y=True)


def _linear(x: np.ndarray, integer: bool = False) -> Scale:
    """A linear x axis over the data with a margin of 5% each side."""
    finite = x[np.isfinite(x)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = (high - low) * 0.05 or 0.5
    return Scale("linear", low - pad, high + pad, integer)


def _symlog(x: np.ndarray) -> Scale:
    """A symmetric-log x axis over the data: linear in [-10, 10], logarithmic beyond."""
    finite = x[np.isfinite(x)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    return Scale("symlog", low, high)


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


def _thinned(ulp: np.ndarray) -> np.ndarray:
    """Which points of a curve to mark: where the target is off (or not a number), every one up to OFF_POINTS and
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
