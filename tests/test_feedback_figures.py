"""Issue 19, part 5: the error figures of a failing case are over the values that fail (NumPy assert_allclose's
convention), and an error in ULP is given only where it means something."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from dlconform.format.suite import iter_cases, load_files
from dlconform.judge.compare import judge
from dlconform.judge.expected import reference_value
from dlconform.report.details import detail_lines
from dlconform.run.engine import result


def sigmoid_case(x: list[float]):
    base = next(c for c in iter_cases(load_files()) if c.key == "sigmoid::core-mixed-signs")
    case = replace(base, args=(np.array(x, dtype=np.float64),), expected=None, layout=None)
    return replace(case, expected=reference_value(case))


def test_figures_are_over_the_failing_values_only() -> None:
    case = sigmoid_case([6.0, 2.0, -3.5])  # float64: allowed 1.78e-15 * (1 + |exact|)
    exact = np.asarray(case.expected)
    got = exact + np.array([3e-15, 0.0, 2e-15])  # the first passes (allowed ~3.55e-15), the last fails (~1.83e-15)
    verdict = judge(case, got)
    assert verdict.outcome == "failed"
    d = verdict.details
    assert (d["failing_values"], d["values"]) == (1, 3)
    assert d["max_abs_error"] == abs(got[2] - exact[2])  # not the passing value's larger 3e-15
    assert d["max_rel_error"] == abs(got[2] - exact[2]) / exact[2]
    assert 500 < d["max_ulp_error"] < 700  # 2e-15 at 0.029: a few hundred ULPs, a figure that means something


def test_a_value_off_by_a_lot_has_no_ulp_figure() -> None:
    case = sigmoid_case([0.0, 1.0])
    got = np.asarray(case.expected) + np.array([0.6, 0.0])
    d = judge(case, got).details
    assert d["max_ulp_error"] is None and abs(d["max_abs_error"] - 0.6) < 1e-12
    text = "\n".join(detail_lines(result(case, "failed", "m", judge(case, got))))
    assert "ULP" not in text and "largest among the 1 of 2 values that fail, 50%" in text


def test_a_few_ulps_off_keeps_its_ulp_figure() -> None:
    case = sigmoid_case([0.25, 1.0])
    exact = np.asarray(case.expected)
    got = exact + 1000 * np.spacing(exact)
    d = judge(case, got).details
    assert 999 <= d["max_ulp_error"] <= 1001 and d["failing_values"] == 2


def test_nan_where_a_number_belongs_shows_no_zero_figures() -> None:
    case = sigmoid_case([0.0, 1.0])
    got = np.asarray(case.expected).copy()
    got[1] = np.nan
    verdict = judge(case, got)
    assert verdict.failure == "nan" and "max_abs_error" not in verdict.details
    text = "\n".join(detail_lines(result(case, "failed", verdict.message, verdict)))
    assert "max abs error 0" not in text


def test_other_sign_has_no_ulp_figure() -> None:
    case = sigmoid_case([0.0])
    d = judge(case, -np.asarray(case.expected)).details
    assert d["max_ulp_error"] is None and d["max_rel_error"] == 2.0
