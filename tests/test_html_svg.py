"""The hand-written SVG charts (report/svg.py) behind the HTML pages: scales, ticks, paths, ids and legend."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from dlconform.report import plots
from dlconform.report.svg import DPI, Chart, Panel, Scale
from dlconform.run.curves import curve

NS = "{http://www.w3.org/2000/svg}"


def chart(*panels: Panel, name: str = "c") -> Chart:
    c = Chart(name, 7, 3)
    c.stack(*panels)
    return c


def test_symlog_matches_matplotlibs_transform() -> None:
    scale_mod = pytest.importorskip("matplotlib.scale")
    transform = scale_mod.SymmetricalLogTransform(10, 10.0, 1.5)
    x = np.array([-1000.0, -50.0, -10.0, -3.0, 0.0, 0.5, 10.0, 11.0, 700.0, 1000.0])
    ours = Scale("symlog", -1000.0, 1000.0).fraction(x)
    theirs = transform.transform(x)
    lo, hi = transform.transform(np.array([-1000.0, 1000.0]))
    np.testing.assert_allclose(ours, (theirs - lo) / (hi - lo), rtol=0, atol=1e-12)


def test_scales_map_their_limits_to_the_edges() -> None:
    for scale in (Scale("linear", -3, 5), Scale("log", 1e-2, 1e18), Scale("symlog", -1000, 1000)):
        np.testing.assert_allclose(scale.fraction([scale.low, scale.high]), [0.0, 1.0])
    assert Scale("log", 1, 100).fraction([10.0])[0] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        (Scale("linear", 0, 1000), [0, 200, 400, 600, 800, 1000]),
        (Scale("linear", -0.5, 3.5, integer=True), [0, 1, 2, 3]),
        (Scale("log", 1e-2, 1e3), [0.01, 0.1, 1, 10, 100, 1000]),
        (Scale("symlog", -1000, 1000), [-1000, -100, -10, 0, 10, 100, 1000]),
    ],
)
def test_ticks_are_round_numbers_within_the_axis(scale: Scale, expected: list[float]) -> None:
    assert scale.ticks() == pytest.approx(expected)


def test_log_ticks_stay_few_over_many_decades() -> None:
    ticks = Scale("log", 5e-3, 1e19).ticks()
    assert 3 <= len(ticks) <= 8 and all(5e-3 <= t <= 1e19 for t in ticks)


def test_a_line_breaks_where_a_value_is_not_a_number() -> None:
    panel = Panel(Scale("linear", 0, 4), Scale("linear", 0, 4))
    panel.line(np.arange(5.0), np.array([0.0, 1.0, np.nan, 3.0, 4.0]), "#000")
    svg = chart(panel).svg()
    (d,) = re.findall(r'<path d="(M[^"]*)" fill="none" stroke="#000"', svg)
    assert d.count("M") == 2 and d.count("L") == 2


def test_a_point_lands_where_its_scales_put_it() -> None:
    panel = Panel(Scale("linear", 0, 10), Scale("log", 1, 100))
    panel.markers(np.array([0.0, 10.0]), np.array([1.0, 100.0]), "#123456", "x")
    svg = chart(panel).svg()
    left, top, width, height = panel.box
    d = re.search(r'<path d="([^"]*)" fill="none" stroke="#123456"', svg)
    assert d is not None
    starts = [float(v) for m in re.findall(r"M([-\d.]+) ([-\d.]+)", d.group(1)) for v in m]
    r = 2.5 / 2  # an x starts at its top-left corner
    assert starts == pytest.approx([left - r, top + height - r, left + width - r, top - r], abs=0.06)


def test_a_chart_is_one_well_formed_svg_with_ids_of_its_own() -> None:
    panels = [Panel(Scale("linear", 0, 1), Scale("linear", 0, 1)) for _ in range(2)]
    for p in panels:
        p.markers(np.array([0.5]), np.array([0.5]), "#000", "^", label="a <tag> & more")
    c = Chart("curve-tanh", 7, 4.8)
    c.stack(*panels, ratios=[3, 2])
    root = ET.fromstring(c.svg())
    assert root.tag == f"{NS}svg" and root.get("viewBox") == f"0 0 {7 * DPI} {4.8 * DPI:.1f}".replace(".0", "")
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert ids == ["curve-tanh-clip0", "curve-tanh-clip1"]
    assert "a <tag> & more" in [t.text for t in root.iter(f"{NS}text")]
    assert panels[0].box[3] == pytest.approx(1.5 * panels[1].box[3])  # heights in the ratio asked for


def test_the_legend_keeps_out_of_the_data() -> None:
    panel = Panel(Scale("linear", 0, 1), Scale("linear", 0, 1))
    x = np.linspace(0.5, 1, 50)
    panel.markers(x, x, "#000", ".", label="target")  # the upper right is full
    svg = chart(panel).svg()
    box = re.search(r'<g font-size="7"><rect x="([\d.]+)" y="([\d.]+)"', svg)
    assert box is not None
    left, top, width, height = panel.box
    assert float(box.group(1)) < left + width / 2 or float(box.group(2)) > top + height / 2


def test_the_same_curve_writes_the_same_figure_and_needs_no_matplotlib() -> None:
    from dlconform.reference import tanh

    s = curve("tanh", lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)))
    plots._DRAWN.clear()
    first = plots.curve_figure(s)
    plots._DRAWN.clear()
    assert plots.curve_figure(s) == first
    assert first.count("<svg") == 1 and "curve-tanh-clip1" in first
    assert "NaN" in first  # the textbook formula's NaN beyond 709 is marked and named in the legend
    clean = plots.curve_figure(curve("tanh", tanh))
    assert "NaN" not in clean and "wrong" not in clean
