"""The conformance page is reproducible across machines: it names what it was measured on, and two measurements
whose worst-ULP figures differ by less than half an ULP (another libm, another SIMD level) write the same page."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from dlconform.tools import conformance

ROOT = Path(__file__).parent.parent
# worst-ULP figures seen on two machines for the same function and dtype: each pair under half an ULP apart
ACROSS_MACHINES = [
    (0.5, 0.51),
    (0.5, 0.97),
    (1.1, 1.4),
    (1.5, 1.9),
    (2.2, 2.6),
    (6.5, 6.9),
    (64.3, 64.4),
    (511.0, 511.3),
]
ACROSS_MACHINES += [(2048.0, 2048.4), (16777216.0, 16777216.3), (9.007199254740992e15, 9.007199254740993e15)]


@pytest.fixture(scope="module")
def reference() -> conformance.Subject:
    """The reference, run and swept on this machine (few points: the rows are what matters)."""
    label, load = conformance.subjects(ROOT / "examples" / "tutorial.py")[1]
    subject = conformance.evaluate(label, load, points=300)
    assert subject.rows
    return subject


def with_ulps(subject: conformance.Subject, ulps: list[float]) -> conformance.Subject:
    """The subject with its measured rows' worst ULP replaced, in order."""
    measured = iter(ulps)
    rows = [replace(r, max_ulp=next(measured)) if r.status == "measured" else r for r in subject.rows]
    return replace(subject, rows=rows)


def measured_count(subject: conformance.Subject) -> int:
    return sum(r.status == "measured" for r in subject.rows)


def test_figures_under_half_an_ulp_apart_write_the_same_page(reference: conformance.Subject) -> None:
    n = measured_count(reference)
    first = [ACROSS_MACHINES[i % len(ACROSS_MACHINES)][0] for i in range(n)]
    second = [ACROSS_MACHINES[i % len(ACROSS_MACHINES)][1] for i in range(n)]
    one, other = with_ulps(reference, first), with_ulps(reference, second)
    assert conformance.render([one], 300) == conformance.render([other], 300)
    assert conformance.render_html([one], 300) == conformance.render_html([other], 300)


def test_the_measured_rows_shifted_by_under_half_an_ulp_write_the_same_page(reference: conformance.Subject) -> None:
    """This machine's own figures, each moved by 0.45 ULP up or down (away from the nearest grid edge)."""
    base = [r.max_ulp for r in reference.rows if r.status == "measured"]
    edges = [1, 2, 4, 8, 16]
    moved = []
    for v in base:
        assert v is not None
        up = v > 0 and not any(v <= e < v + 0.45 for e in edges)  # "≤e" holds up to e itself
        moved.append(v + 0.45 if up else v - 0.45 if v > 0.45 else v)
    assert moved != base
    page = conformance.render([reference], 300)
    assert conformance.render([with_ulps(reference, moved)], 300) == page


def test_a_difference_of_a_grid_step_shows(reference: conformance.Subject) -> None:
    n = measured_count(reference)
    assert conformance.render([with_ulps(reference, [1.0] * n)], 300) != conformance.render(
        [with_ulps(reference, [3.0] * n)], 300
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        *[(None, "-"), (0.0, "0"), (0.5, "≤1"), (1.0, "≤1"), (1.4, "≤2"), (3.1, "≤4"), (8.7, "≤16"), (64.3, "64")],
        *[(511.0, "510"), (2048.0, "2.0e+03"), (9.007199254740992e15, "9.0e+15")],
    ],
)
def test_rounded_ulp(value: float | None, text: str) -> None:
    assert conformance.rounded_ulp(value) == text


def test_the_page_names_the_machine_it_was_measured_on(reference: conformance.Subject) -> None:
    line = conformance.measured_on()
    assert line.startswith("Measured on ") and "libm" in line and "NumPy's SIMD kernels at " in line
    assert line in conformance.render([reference], 300)
