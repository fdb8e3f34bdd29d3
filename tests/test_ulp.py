"""One ULP rule (dlconform.format.ulp) for judging, the accuracy sweep and the report's curves: the grid of the dtype,
subnormals included. Every expected figure is counted with np.nextafter, not typed in."""

from __future__ import annotations

import numpy as np
import pytest
from dlconform.format.tolerance import Tolerance, allowed_error
from dlconform.format.ulp import ulp_distance, ulp_size
from dlconform.judge.compare import ulp_figure
from dlconform.run.curves import curve
from dlconform.tools.accuracy import ulp_errors

DTYPES = [np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)]


def steps(start: float, k: int, towards: float, dtype: np.dtype) -> np.floating:
    """The value ``k`` representable steps from ``start`` towards ``towards`` in ``dtype``."""
    value, target = dtype.type(start), dtype.type(towards)
    for _ in range(k):
        value = np.nextafter(value, target)
    return value


def ulps(got: float, exact: float, dtype: np.dtype) -> float:
    return float(ulp_distance(np.array([got], dtype=dtype), np.array([exact], dtype=dtype), dtype)[0])


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_one_step_is_one_ulp_in_each_binade(dtype: np.dtype) -> None:
    info = np.finfo(dtype)
    for start in (1.0, 3.0, -0.75, float(info.max) / 3, float(info.smallest_normal)):
        one = steps(start, 1, np.inf, dtype)
        two = steps(start, 2, np.inf, dtype)
        assert ulps(one, start, dtype) == 1.0, start
        assert ulps(two, start, dtype) == 2.0, start
        assert ulps(start, start, dtype) == 0.0, start
    # the unit is the exact value's ULP, the gap above it: just below a power of two, a step is half of it
    below_two = steps(2.0, 1, 0.0, dtype)
    assert ulps(below_two, 2.0, dtype) == 0.5
    assert ulps(2.0, below_two, dtype) == 1.0


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_subnormals_and_zeros_count_in_the_subnormal_grid(dtype: np.dtype) -> None:
    smallest = steps(0.0, 1, 1.0, dtype)  # the smallest subnormal
    normal = dtype.type(np.finfo(dtype).smallest_normal)
    below_normal = steps(normal, 1, 0.0, dtype)  # the largest subnormal
    assert (
        ulp_size(np.array([0.0, -0.0, float(smallest), float(below_normal), float(normal)]), dtype).tolist()
        == [float(smallest)] * 5
    )
    # a zero returned for k smallest subnormals is k ULPs off: the grid is not floored at the smallest normal
    for k in (1, 3, 85):
        sub = steps(0.0, k, 1.0, dtype)
        assert ulps(0.0, sub, dtype) == k and ulps(-0.0, sub, dtype) == k
        assert ulps(steps(sub, 2, 1.0, dtype), sub, dtype) == 2.0
    # across the edge of the normal range: counted in the exact value's ULP, the smallest subnormal on both sides
    assert ulps(below_normal, normal, dtype) == 1.0
    assert ulps(normal, below_normal, dtype) == 1.0
    # zeros of either sign are zero ULPs apart; an exact zero measures a result in the smallest subnormal
    assert ulps(-0.0, 0.0, dtype) == 0.0
    assert ulps(steps(0.0, 4, -1.0, dtype), 0.0, dtype) == 4.0


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_mixed_signs_count_the_whole_distance(dtype: np.dtype) -> None:
    sub = steps(0.0, 3, 1.0, dtype)
    assert ulps(-sub, sub, dtype) == 6.0  # through zero, in the subnormal grid
    one, minus_one = dtype.type(1.0), dtype.type(-1.0)
    spacing = float(np.spacing(one))
    assert ulps(minus_one, one, dtype) == 2.0 / spacing


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_not_finite_is_not_measured(dtype: np.dtype) -> None:
    big = dtype.type(np.finfo(dtype).max)
    got = np.array([np.nan, 1.0, np.inf, 1.0, np.inf, -np.inf, big], dtype=dtype)
    exact = np.array([1.0, np.nan, 1.0, np.inf, np.inf, -np.inf, big], dtype=dtype)
    assert np.isnan(ulp_distance(got, exact, dtype)[:6]).all()
    assert ulp_distance(got, exact, dtype)[6] == 0.0  # the largest finite value is still on the grid


def test_an_exact_value_wider_than_the_dtype_is_not_rounded_first() -> None:
    f64 = np.dtype(np.float64)
    one = np.float64(1.0)
    half_step = np.spacing(one) / 2
    assert ulp_distance(np.array([1.0]), np.array([1.0]), f64, exact_lo=np.array([half_step]))[0] == 0.5
    wide = np.longdouble(1.0) + np.longdouble(half_step)
    if wide != 1.0:  # a longdouble wider than float64
        assert ulp_distance(np.array([1.0]), np.array([wide]), f64)[0] == 0.5
    # a float32 result measured against a float64 exact value: in float32's grid
    f32 = np.dtype(np.float32)
    got = np.nextafter(np.float32(1.0), np.float32(2.0))
    assert ulp_distance(np.array([got], dtype=f32), np.array([1.0]), f32)[0] == 1.0


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_judging_and_accuracy_share_the_rule(dtype: np.dtype) -> None:
    sub = steps(0.0, 85, 1.0, dtype)
    off = steps(sub, 2, 1.0, dtype)
    exact = np.array([1.0, float(sub), float(sub)])
    got = np.array([float(steps(1.0, 3, 2.0, dtype)), float(off), 0.0])
    expected = ulp_distance(got.astype(dtype), exact, dtype)
    assert expected.tolist() == [3.0, 2.0, 85.0]
    # judging: a tolerance of k ULPs allows k of the same units; the figure in a failing verdict is the same measure
    allow = allowed_error(exact, Tolerance(ulp=3), "pointwise", (), dtype)
    assert np.array_equal(allow / ulp_size(exact, dtype), [3.0, 3.0, 3.0])
    bad = np.array([True, True, False])
    assert ulp_figure(got, exact, bad, dtype) == 3.0
    # accuracy: the same figures, the flushed zero counted apart
    measured = ulp_errors(got, exact, np.zeros_like(exact), dtype)
    assert measured[:2].tolist() == [3.0, 2.0] and np.isnan(measured[2])


def test_a_curve_counts_a_flushed_tail_in_the_subnormal_grid() -> None:
    def textbook(x: np.ndarray) -> np.ndarray:  # 1 / inf = 0 once exp(-x) overflows, where sigmoid is subnormal
        with np.errstate(over="ignore"):
            return 1 / (1 + np.exp(-x))

    c = curve("sigmoid", textbook)
    smallest = float(np.nextafter(0.0, 1.0))
    flushed = (c.got == 0) & (c.exact != 0) & (np.abs(c.exact) < np.finfo(np.float64).smallest_normal)
    assert flushed.any()  # the plot shows them as the judge counts them, not as 0 ULP
    np.testing.assert_allclose(c.ulp[flushed], np.abs(c.exact[flushed]) / smallest, atol=0.5)
    assert (c.ulp[flushed] >= 1).all()
