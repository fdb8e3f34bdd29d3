"""The tolerance rules for tiny results: exact zeros, subnormals in their own ULPs, relative float32/16, flushing."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from dlconform.format.model import Case
from dlconform.format.tolerance import Tolerance, allowed_error
from dlconform.judge.compare import Options, judge

F64, F32, F16 = (np.dtype(d) for d in ("float64", "float32", "float16"))
POINTWISE = Tolerance(rtol=8 * np.finfo(np.float64).eps, atol=8 * np.finfo(np.float64).eps)
ULP8 = Tolerance(ulp=8, reason="tiny results")


def case(expected, tol: Tolerance | None = None, flush: bool = False, dtype=F64, function: str = "sigmoid") -> Case:
    exp = np.asarray(expected, dtype=dtype)
    return Case(function, "c", "d", ("t",), (exp.copy(),), expected=exp, tolerance=tol, flush_subnormal=flush)


def outcome(c: Case, got) -> str:
    return judge(c, np.asarray(got, dtype=np.asarray(c.expected).dtype)).outcome


@pytest.mark.parametrize("tol", [POINTWISE, ULP8], ids=["pointwise", "ulp"])
def test_an_expected_zero_accepts_only_zero(tol):
    assert outcome(case([0.0], tol), [0.0]) == "passed"
    assert outcome(case([0.0], tol), [-0.0]) == "passed"  # the sign counts only with signed_zero
    for wrong in (1e-20, 5e-324, 1.2e-308):  # sigmoid(-inf) = 1e-20, one subnormal ULP, a clipped exponent
        assert outcome(case([0.0], tol), [wrong]) == "failed"


@pytest.mark.parametrize("tol", [POINTWISE, ULP8], ids=["pointwise", "ulp"])
def test_a_subnormal_is_judged_in_its_own_ulps(tol):
    tiny = 5e-324
    exact = 85 * tiny  # sigmoid(-740)
    assert outcome(case([exact], tol), [exact + 8 * tiny]) == "passed"
    assert outcome(case([exact], tol), [exact + 9 * tiny]) == "failed"
    assert outcome(case([exact], tol), [np.finfo(np.float64).smallest_normal / 2]) == "failed"
    assert outcome(case([exact], tol), [-exact]) == "failed"  # the wrong sign
    assert outcome(case([exact], tol), [0.0]) == "failed"  # flushing only where the case says so


def test_flush_subnormal_accepts_a_zero_of_the_right_sign_only():
    exact = [85 * 5e-324, -85 * 5e-324]
    assert outcome(case(exact, ULP8, flush=True), [0.0, -0.0]) == "passed"
    assert outcome(case(exact, ULP8, flush=True), [-0.0, -0.0]) == "failed"
    assert outcome(case(exact, ULP8, flush=True), [1e-310, -0.0]) == "failed"  # a subnormal, but far off
    assert outcome(case([1e-300], ULP8, flush=True), [0.0]) == "failed"  # a normal result never flushes


def test_float32_and_float16_small_results_are_judged_relatively():
    rtol32 = Tolerance(rtol=8 * float(np.finfo(np.float32).eps))
    exact = np.float32(1.2337934e-4)  # sigmoid_derivative(9)
    assert outcome(case([exact], rtol32, dtype=F32), [exact * np.float32(1.000001)]) == "passed"
    assert outcome(case([exact], rtol32, dtype=F32), [exact * np.float32(1.0077)]) == "failed"
    rtol16 = Tolerance(rtol=4 * float(np.finfo(np.float16).eps))
    assert outcome(case([0.002473], rtol16, dtype=F16), [0.0]) == "failed"  # float16 sigmoid(-6) = 0


def test_the_relative_floor_is_the_smallest_normal():
    tiny = float(np.finfo(np.float32).smallest_normal)
    allow = allowed_error(np.array([tiny, tiny / 4, 0.0]), Tolerance(rtol=1e-3, atol=1.0), "pointwise", (), F32)
    np.testing.assert_array_equal(allow, [1e-3 * tiny + 1.0, 1e-3 * tiny, 0.0])  # no atol below tiny, none at 0
    ulps = allowed_error(np.array([tiny / 4, 3 * tiny]), Tolerance(ulp=2), "pointwise", (), F32)
    np.testing.assert_array_equal(
        ulps, [2 * float(np.finfo(np.float32).smallest_subnormal), 2 * float(np.spacing(np.float32(3 * tiny)))]
    )


def test_a_wider_result_is_judged_rounded_to_the_expected_dtype():
    """Where a wider dtype is acceptable (a Python-float function without --strict-dtype), it is judged rounded."""
    c = case([0.0], ULP8, dtype=F16, function="basic_sigmoid")  # float16 sigmoid(-20): the exact 2e-9 rounds to 0
    assert judge(c, np.array([2.06e-9], dtype=np.float32)).outcome == "passed"
    assert judge(c, np.array([1e-4], dtype=np.float32)).outcome == "failed"
    assert judge(replace(c, expected=np.array([0.5], dtype=F16)), np.array([0.5004], dtype=np.float64)).outcome == (
        "passed"
    )
    strict = judge(c, np.array([2.06e-9], dtype=np.float32), Options(strict_dtype=True))
    assert (strict.outcome, strict.failure) == ("failed", "dtype")


def test_a_wider_result_fails_where_the_contract_states_the_dtype():
    """sigmoid keeps a float16 input's dtype: a float32 result fails on its dtype, however well it rounds."""
    verdict = judge(case([0.0], ULP8, dtype=F16), np.array([2.06e-9], dtype=np.float32))
    assert (verdict.outcome, verdict.failure) == ("failed", "dtype")
    assert "the contract of sigmoid" in verdict.message


def test_softmax_allows_the_rounding_of_x_minus_max_and_no_more():
    """The careful log-domain softmax rounds x - max (and subtracts log(sum)): 'shifted' accepts it, 'pointwise' not."""
    from dlconform.format.suite import iter_cases, load_files

    from tests.mutants.alternatives import softmax_log_domain

    case = next(c for c in iter_cases(load_files()) if c.key == "softmax::stability-wide-spread")
    got = softmax_log_domain(*case.args)
    assert case.accuracy == "shifted" and judge(case, got).outcome == "passed"
    assert judge(replace(case, accuracy="pointwise"), got).outcome == "failed"
    worse = np.asarray(got) * (1 + 64 * np.finfo(np.float64).eps)  # 64 ULP: more than the rounding explains
    assert judge(case, worse).outcome == "failed"
