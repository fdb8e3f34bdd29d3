"""Verdicts on fake implementations, each with one classic bug, through the one comparison engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from dlconform import reference
from dlconform.api import check
from dlconform.format.suite import iter_cases, load_files
from dlconform.judge.compare import Options

from tests.fakes import broken, lying

FAKE_VECTORS = Path(__file__).parent / "fakes" / "vectors"
SIGMOID_CASES = [c for c in iter_cases(load_files([FAKE_VECTORS])) if c.function == "sigmoid"]
FLOAT_INPUT = {c.id for c in SIGMOID_CASES if isinstance(c.args[0], np.ndarray) and c.args[0].dtype.kind == "f"}


def run_sigmoid(fn: Callable[..., object], **options: object):
    """Results of the fake vectors' sigmoid cases with ``fn`` as the target's sigmoid, by case id."""
    report = check({"sigmoid": fn}, cases=SIGMOID_CASES, options=Options(**options))
    return {r.id: r for r in report.results}


def test_the_reference_passes():
    assert {r.outcome for r in run_sigmoid(reference.sigmoid).values()} == {"passed"}


def test_wrong_shape():
    results = run_sigmoid(broken.wrong_shape)
    for column in [k for k in results if k.startswith("core-column")]:  # and its layout variants
        assert results.pop(column).outcome == "passed"  # a column is already (n, 1)
    assert {r.failure for r in results.values()} == {"shape"}
    assert results["article-vector"].message == "shape (3, 1) where (3,) is expected"


def test_wrong_dtype_kind():
    results = run_sigmoid(broken.wrong_dtype)
    assert {r.failure for r in results.values()} == {"dtype-kind"}
    assert "int64 (integer) where a float dtype (float64) is expected" in results["article-vector"].message


def test_nan_only_where_nan_is_expected():
    results = run_sigmoid(broken.nan)
    assert {r.failure for r in results.values()} == {"nan"}
    assert "at index [1]" in results["edge-nan"].message  # index 0 is NaN in the expected value too
    assert "1 of 2 values off" in results["edge-nan"].message


def test_raising_is_an_error_with_the_exception():
    results = run_sigmoid(broken.raising)
    assert {(r.outcome, r.failure) for r in results.values()} == {("error", "raised:ValueError")}
    assert results["article-scalar"].message == "raised ValueError at broken.py:22: shapes do not align"  # its line


def test_sys_exit_is_an_error_not_the_end_of_the_run():
    results = run_sigmoid(broken.exits)
    assert len(results) == len(SIGMOID_CASES)
    assert {(r.outcome, r.failure) for r in results.values()} == {("error", "raised:SystemExit")}


def test_keyboard_interrupt_still_stops_the_run():
    with pytest.raises(KeyboardInterrupt):
        run_sigmoid(broken.keyboard)


def test_returning_none():
    results = run_sigmoid(broken.returns_none)
    assert {(r.failure, r.message) for r in results.values()} == {("returned-none", "returned None")}


def test_a_list_of_the_right_values_fails_as_the_course_checks_do():
    results = run_sigmoid(broken.returns_list)
    arrays = {k: r for k, r in results.items() if k != "article-scalar"}  # a scalar input gives a float
    assert {(r.failure, r.message) for r in arrays.values()} == {
        ("not-array", "not array-like: returned list where a NumPy array is expected")
    }
    assert results["article-scalar"].outcome == "passed"


def test_the_contracts_dtype_is_part_of_the_verdict():
    results = run_sigmoid(lambda x: reference.sigmoid(np.asarray(x, dtype=np.float64)))  # float32 comes back float64
    assert results["core-float32"].failure == "dtype"
    assert results["core-float32"].message == "dtype float64 where float32 is expected (the contract of sigmoid)"
    assert results["core-column"].outcome == "passed"


@pytest.mark.parametrize("fn", [broken.returns_ragged, broken.returns_text])
def test_not_array_like(fn):
    assert {r.failure for r in run_sigmoid(fn).values()} == {"not-array"}


def test_mutating_the_input_fails_and_says_so():
    results = run_sigmoid(broken.mutating)
    for case_id, r in results.items():
        if case_id in FLOAT_INPUT:
            assert (r.outcome, r.failure, r.message) == ("failed", "mutated-input", "modified its input x in place")
        else:
            assert r.outcome == "passed"


def test_slightly_off_values_report_their_errors():
    results = run_sigmoid(lambda x: np.asarray(reference.sigmoid(x)) * (1 + 1e-6))
    r = results["core-column"]
    assert (r.outcome, r.failure) == ("failed", "value")
    case = next(c for c in SIGMOID_CASES if c.id == "core-column")
    worst = int(np.argmax(case.expected[:, 0]))  # the relative error is the same everywhere: largest abs error
    assert r.details["index"] == [worst, 0]
    assert r.details["input"] == case.args[0][worst, 0]
    assert r.details["expected"] == case.expected[worst, 0]
    assert r.details["max_abs_error"] == pytest.approx(case.expected[worst, 0] * 1e-6, rel=1e-6)
    assert r.details["max_rel_error"] == pytest.approx(1e-6, rel=1e-6)
    assert r.details["max_ulp_error"] is None  # some 4.5e9 ULPs: the relative error alone says it (issue 19)
    assert "sigmoid(" in r.details["repro"]


def test_tolerance_override_from_options():
    off = lambda x: np.asarray(reference.sigmoid(x)) * (1 + 1e-6)  # noqa: E731
    assert {r.outcome for r in run_sigmoid(off, rtol=1e-5).values()} == {"passed"}


@pytest.mark.parametrize("fn", [lying.lying_subclass, lying.lying_array_like, lying.lying_object])
def test_lying_results_cannot_pass_and_their_hooks_are_never_called(fn):
    lying.CALLS.clear()
    results = run_sigmoid(fn)
    assert {r.outcome for r in results.values()} == {"failed"}
    assert {r.failure for r in results.values()} <= {"value", "not-nan", "not-array", "dtype"}
    assert lying.CALLS == []


def test_a_missing_function_errors_on_each_of_its_cases():
    report = check({}, cases=SIGMOID_CASES)
    assert len(report.results) == len(SIGMOID_CASES)
    assert {(r.outcome, r.failure, r.message) for r in report.results} == {
        ("error", "missing", "target has no sigmoid")
    }


def test_a_target_that_failed_to_import_errors_on_every_case(tmp_path: Path):
    path = tmp_path / "unparsable.py"
    path.write_text("def sigmoid(x)\n    return x\n")
    report = check(str(path), vectors=FAKE_VECTORS)
    assert {(r.outcome, r.failure) for r in report.results} == {("error", "import-error")}
    assert report.results[0].message.startswith("target failed to import: SyntaxError: ")
    assert report.warnings[0] == report.results[0].message
    assert not report.ok
