"""Issue 21's judging rules: a result must be a plain ndarray (np.matrix and other subclasses fail, in process and in
an isolated worker alike), and a zero where the exact result is subnormal fails unless the case allows flushing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from dlconform.format.suite import iter_cases, load_files
from dlconform.judge.compare import judge
from dlconform.run.engine import run_cases
from dlconform.run.pipeline import Plan, execute
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.open import open_target

from tests.test_isolate import write

MATRIX = (
    "import numpy as np\ndef normalizeRows(x):\n    return np.asmatrix(x / np.linalg.norm(x, axis=-1, keepdims=True))\n"
)


def case(key: str):
    """One bundled case by its ``function::id``."""
    return next(c for c in iter_cases(load_files()) if c.key == key)


def test_an_ndarray_subclass_is_refused_with_a_clear_message() -> None:
    c = case("normalizeRows::core-square")
    right = c.expected
    for wrapped in (np.asmatrix(right), np.ma.masked_array(right)):
        verdict = judge(c, wrapped)
        assert (verdict.outcome, verdict.failure) == ("failed", "not-array")
        assert "an ndarray subclass, where a plain numpy.ndarray is expected" in verdict.message
    assert judge(c, np.array(right)).outcome == "passed"


def test_a_numpy_scalar_is_still_a_result() -> None:
    c = case("sigmoid::core-numpy-scalar")
    assert judge(c, np.float64(c.expected)).outcome == "passed"


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "isolated"])
def test_np_matrix_fails_in_process_and_in_a_worker_alike(tmp_path: Path, isolated: bool) -> None:
    selected = tuple(c for c in iter_cases(load_files()) if c.function == "normalizeRows" and c.level == "inside")
    path = write(tmp_path, "matrix.py", MATRIX)
    with open_target(path, isolation=Limits(timeout=5.0, memory=1 << 30) if isolated else None) as target:
        results = execute(Plan(target, selected)).results if isolated else run_cases(list(selected), target.resolve)
    failing = [r for r in results if r.failure == "not-array"]
    assert failing, "np.matrix passed inside cases"
    assert all("matrix, an ndarray subclass" in r.message for r in failing)


def test_flushing_a_subnormal_result_fails_unless_the_case_allows_it() -> None:
    c = case("sigmoid::stability-subnormal-range")
    flushed = np.where(np.abs(c.expected) < np.finfo(np.float64).smallest_normal, 0.0, c.expected)
    assert judge(c, flushed).outcome == "passed"  # flush_subnormal: true
    strict = replace(c, flush_subnormal=False)
    verdict = judge(strict, flushed)
    assert (verdict.outcome, verdict.failure) == ("failed", "flushed")
    assert "0 where the exact result is the subnormal" in verdict.message
    assert judge(strict, c.expected).outcome == "passed"


def test_a_one_step_subnormal_within_the_ulp_tolerance_is_not_a_flush_when_nonzero() -> None:
    c = replace(case("sigmoid::stability-subnormal-range"), flush_subnormal=False)
    nudged = np.array(c.expected, copy=True)
    nudged[7] = 2 * nudged[7]  # 5e-324 -> 1e-323: one subnormal step, within ulp: 8
    assert judge(c, nudged).outcome == "passed"
