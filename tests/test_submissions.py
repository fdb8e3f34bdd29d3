"""Real course work, re-created (tests/data/submissions): under the course assignment every right function gets
full marks and every wrong one loses points, graded in confined workers and in process alike.

``pytest -s tests/test_submissions.py`` prints the false-positive and false-negative counts and the spread
between the scores of right and wrong functions.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from dlconform.api import check
from dlconform.format.suite import iter_cases, load_files
from dlconform.grading.assignment import load_assignment
from dlconform.grading.batch import GradeSettings, grade_all
from dlconform.grading.scoring import score
from dlconform.grading.submissions import find_submissions
from dlconform.results import Graded
from dlconform.run.select import select
from dlconform.targets.isolate.spawn import Limits

SUBMISSIONS = Path(__file__).resolve().parent / "data" / "submissions"
COURSE = load_assignment("course")
NUMPY_FUNCTIONS = {"sigmoid", "sigmoid_derivative", "normalizeRows", "softmax", "L1", "L2"}
WRONG: dict[str, set[str]] = {  # the functions each file gets wrong; the rest of its functions are right
    "textbook.py": set(),
    "textbook_export.py": set(),
    "textbook.ipynb": set(),
    "alternatives.py": set(),
    "bug_L1_shape_one.py": {"L1"},
    "bug_L2_abs_squared.py": {"L2"},
    "bug_image2vector_hardcoded_depth.py": {"image2vector"},
    "bug_image2vector_two_dims.py": {"image2vector"},
    "bug_missing_numpy_import.py": NUMPY_FUNCTIONS,  # math.exp and a reshape need no numpy
    "bug_normalize_rows_placeholder.py": {"normalizeRows"},
    "bug_sigmoid_derivative_placeholder.py": {"sigmoid_derivative"},
    "bug_softmax_sum_of_x.py": {"softmax"},
}


@cache
def graded() -> dict[str, Graded]:
    """Every re-created submission graded as `grade --assignment course` grades it: confined, two at a time."""
    cases = select(iter_cases(load_files()), COURSE.functions)
    found = find_submissions([str(SUBMISSIONS)])
    done = grade_all(found, cases, GradeSettings(limits=Limits(timeout=5.0, memory=1 << 30), assignment=COURSE), jobs=2)
    return {Path(g.submission).name: g for g in done}


def test_every_submission_is_there() -> None:
    assert sorted(graded()) == sorted(WRONG)


@pytest.mark.parametrize("name", sorted(WRONG))
def test_right_functions_get_full_marks_and_wrong_ones_lose_points(name: str) -> None:
    g = graded()[name]
    assert g.report.target.get("load_error") is None
    for function, (points, worth) in g.score.functions.items():
        if function in WRONG[name]:
            assert points < worth, f"{name}: {function} is wrong but got {points} of {worth}"
        else:
            assert points == worth, f"{name}: {function} is right but got {points} of {worth}"


def test_the_export_and_the_notebook_keep_every_definition_and_say_what_they_skipped() -> None:
    export = graded()["textbook_export.py"].report.warnings
    for skipped in ("public_tests", "cv2", "get_ipython", "basic_sigmoid(x)", "pdb", "input(", "L1_test"):
        assert any(skipped in w for w in export), skipped
    notebook = graded()["textbook.ipynb"].report.warnings
    assert any("notebook cell" in w and "public_tests" in w for w in notebook)


@pytest.mark.parametrize("name", ["textbook_export.py", "textbook.ipynb", "bug_missing_numpy_import.py"])
def test_in_process_loading_scores_exactly_as_the_confined_worker(name: str) -> None:
    report = check(str(SUBMISSIONS / name), functions=COURSE.functions)
    assert score(report.results, COURSE).functions == graded()[name].score.functions


def test_verdict_counts_and_spread() -> None:
    """No false positive (a right function short of full marks) or negative (a wrong one at full marks)."""
    right, wrong = [], []
    for name, g in graded().items():
        for function, (points, worth) in g.score.functions.items():
            (wrong if function in WRONG[name] else right).append(points / worth)
    false_positives = sum(s < 1 for s in right)
    false_negatives = sum(s >= 1 for s in wrong)
    print(
        f"\n{len(right)} right and {len(wrong)} wrong function verdicts: {false_positives} false positives, "
        f"{false_negatives} false negatives; right scores min {min(right):.2f}, wrong scores max {max(wrong):.2f}, "
        f"mean {sum(wrong) / len(wrong):.2f}"
    )
    assert false_positives == false_negatives == 0
    assert min(right) - max(wrong) > 0.2


def test_grading_two_at_a_time_leaves_this_process_output_alone() -> None:
    """Threads grading confined workers never swap sys.stdout (nothing of a worker prints in this process)."""
    import sys

    before = (sys.stdout, sys.stderr)
    cases = select(iter_cases(load_files()), COURSE.functions)
    grade_all(
        find_submissions([str(SUBMISSIONS)]), cases, GradeSettings(limits=Limits(timeout=5.0, memory=1 << 30)), jobs=2
    )
    assert (sys.stdout, sys.stderr) == before
