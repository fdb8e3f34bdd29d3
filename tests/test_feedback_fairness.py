"""Issue 19, part 7: correct code the suite used to reject (float32 softmax, Python's sum, SciPy's empty-row
ValueError, random draws beyond the contract, expected_any alternatives off the correctly rounded value)."""

from __future__ import annotations

import numpy as np
import pytest
from dlconform import check
from dlconform.format.suite import iter_cases, load_files
from dlconform.grading.assignment import load_assignment
from dlconform.judge.expected import alternative_value
from dlconform.run.random_cases import add_random
from dlconform.run.select import select


def standard_softmax(x):
    """SciPy's and PyTorch's softmax: shift, exp and divide, all in the input's dtype."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def python_sum_l1(yhat, y):
    return sum(abs(y - yhat))


def python_sum_l2(yhat, y):
    return sum((y - yhat) ** 2)


def scipy_like_softmax(x):
    """SciPy's scipy.special.softmax refuses an empty row with ValueError (as np.max does)."""
    if x.shape[-1:] == (0,):
        raise ValueError("zero-size array to reduction operation maximum which has no identity")
    return standard_softmax(x)


def with_random(functions: list[str], n: int, seed: int):
    files = load_files()
    return add_random(select(iter_cases(files), functions), files, n, seed)[0]


def inside_failures(report) -> list[str]:
    return [r.key for r in report.results if r.level == "inside" and r.outcome != "passed"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_float32_softmax_passes_every_case_of_its_dtype_random_ones_included(seed: int) -> None:
    report = check({"softmax": standard_softmax}, cases=with_random(["softmax"], 60, seed))
    assert inside_failures(report) == []
    float32 = [r for r in report.results if r.id.startswith("random") and r.outcome != "passed"]
    assert float32 == [], [r.message for r in float32]  # float32 draws judged with float32's shift allowance


def test_random_cases_carry_the_level_of_their_draw() -> None:
    cases = [c for c in with_random(["softmax", "L2"], 40, 7) if "random" in c.tags]
    levels = {(np.asarray(c.args[0]).dtype.name, np.ndim(c.args[0])): c.level for c in cases}
    assert levels[("float32", 2)] == "beyond" and levels[("float64", 1)] == "beyond"  # softmax: 2-D float64
    assert ("float64", 2) in levels and levels[("float64", 2)] == "inside"
    assert {c.level for c in cases if c.function == "L2"} >= {"beyond"}


def test_the_course_keeps_full_marks_under_random_cases() -> None:
    from dlconform.targets.open import open_target

    course = load_assignment("course")
    cases = with_random(list(course.functions), 40, 20)
    with open_target("examples/course.py") as target:
        report = check(target, cases=cases)
    score = course.score(report.results)
    assert score.points == score.max_points, score.functions


def test_python_sum_losses_pass_every_inside_case() -> None:
    report = check({"L1": python_sum_l1, "L2": python_sum_l2}, functions=["L1", "L2"])
    assert inside_failures(report) == []
    assert {r.key for r in report.results if r.id == "edge-empty"} <= {
        r.key for r in report.results if r.outcome == "passed"
    }


def test_scipy_softmax_refusing_an_empty_row_passes() -> None:
    report = check({"softmax": scipy_like_softmax}, functions=["softmax"])
    assert inside_failures(report) == []
    (empty,) = [r for r in report.results if r.id == "edge-empty-vector"]
    assert empty.outcome == "passed", empty.message


@pytest.mark.parametrize(
    "key", ["basic_sigmoid::course-list-raises", "basic_sigmoid::edge-matrix-raises", "L1::raises-shape-mismatch"]
)
def test_value_alternatives_are_stored_correctly_rounded(key: str) -> None:
    (case,) = [c for c in iter_cases(load_files()) if c.key == key]
    (stored,) = [a for a in case.expected_any if not hasattr(a, "name")]
    assert np.asarray(stored).tobytes() == np.asarray(alternative_value(case), dtype=np.float64).tobytes()
