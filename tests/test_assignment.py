"""Assignments: what a grade covers, and that the course's and the tutorial's own answers get full marks."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from dlconform.api import check
from dlconform.grading.assignment import AssignmentError, builtin_names, load_assignment
from dlconform.results import CaseResult

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_builtin_assignments() -> None:
    assert builtin_names() == ["course", "tutorial"]
    course = load_assignment("course")
    assert course.functions == (
        "basic_sigmoid", "sigmoid", "sigmoid_derivative", "image2vector", "normalizeRows", "softmax", "L1", "L2",
    )  # fmt: skip
    assert course.max_points == 8 and course.beyond == "feedback"
    assert len(load_assignment("tutorial").functions) == 14


@pytest.mark.parametrize(("example", "assignment"), [("course", "course"), ("tutorial", "tutorial")])
def test_textbook_answers_get_full_marks(example: str, assignment: str) -> None:
    """Every graded function earns all its points, though some beyond cases fail (feedback, worth nothing)."""
    chosen = load_assignment(assignment)
    report = check(str(EXAMPLES / f"{example}.py"), functions=chosen.functions)
    scores = chosen.function_scores(report.results)
    assert scores == {f: (1.0, 1.0) for f in chosen.functions}
    assert any(r.outcome != "passed" and r.level == "beyond" for r in report.results)


def _result(function: str, level: str, outcome: str) -> CaseResult:
    return CaseResult(function=function, id=f"{level}-{outcome}", tags=("core",), outcome=outcome, level=level)


RESULTS = [
    _result("sigmoid", "inside", "passed"),
    _result("sigmoid", "inside", "failed"),
    _result("sigmoid", "beyond", "passed"),
    _result("sigmoid", "beyond", "error"),
    _result("sigmoid", "beyond", "skipped"),
    _result("relu", "inside", "passed"),  # not graded by this assignment
]


@pytest.mark.parametrize(
    ("beyond", "earned"),
    [("feedback", 1.0), ("{bonus: 0.5}", 1.5), ("{share: 0.25}", 1.0)],
)
def test_beyond_cases_count_as_the_assignment_says(tmp_path: Path, beyond: str, earned: float) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(f"format: 1\nname: a\ndescription: d\nfunctions: {{sigmoid: 2}}\nbeyond: {beyond}\n")
    scores = load_assignment(str(path)).function_scores(RESULTS)
    # inside 1 of 2 passed, beyond 1 of 2 (the skipped case does not count): 2 points * ...
    assert scores == {"sigmoid": (earned, 2.0)}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("format: 1\nname: a\ndescription: d\n", "missing functions"),
        ("format: 2\nname: a\ndescription: d\nfunctions: {sigmoid: 1}\n", "format 2 is not supported"),
        ("format: 1\nname: a\ndescription: d\nfunctions: {sigmod: 1}\n", "unknown function 'sigmod'"),
        ("format: 1\nname: a\ndescription: d\nfunctions: {sigmoid: 0}\n", "points must be a number above 0"),
        (
            "format: 1\nname: a\ndescription: d\nfunctions: {normalizeRows: 1, normalize_rows: 1}\n",
            "names normalizeRows a second time",
        ),
        ("format: 1\nname: a\ndescription: d\nfunctions: {sigmoid: 1}\nbeyond: {share: 1}\n", "beyond must be"),
        ("format: 1\nname: a\ndescription: d\nfunctions: {sigmoid: 1}\ntimeout: -1\n", "timeout must be"),
        ("format: 1\nname: a\ndescription: d\nfunctions: {sigmoid: 1}\nsupport_files: [nope.py]\n", "nope.py"),
        ("format: 1\nname: a\ndescription: d\nfunctions: {sigmoid: 1}\npoints: 3\n", "unknown key 'points'"),
    ],
)
def test_bad_assignment_files_are_one_line_naming_the_file(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    with pytest.raises(AssignmentError) as info:
        load_assignment(str(path))
    assert re.match(rf"{re.escape(str(path))}(:\d+)?: ", str(info.value)), str(info.value)  # file:line
    assert message in str(info.value) and "\n" not in str(info.value)


def test_unknown_assignment_names_the_builtins() -> None:
    with pytest.raises(AssignmentError, match=r"not a built-in assignment \(course, tutorial\) or a file"):
        load_assignment("homework3")


def _dlconform(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dlconform", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_grade_defaults_to_the_course_assignment_and_says_so(tmp_path: Path) -> None:
    """Without --assignment, grade marks the course's eight functions, not all fourteen; the gradebook has a
    status and a column per graded function."""
    out = tmp_path / "out"
    proc = _dlconform("grade", str(EXAMPLES / "course.py"), "--out", str(out), "--timeout", "5", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    course = load_assignment("course")
    assert f"dlconform: grading course: {', '.join(course.functions)}" in proc.stderr
    (row,) = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8"))))
    assert list(row) == ["submission", "status", "score", "max_score", *course.functions]
    assert (row["status"], row["score"], row["max_score"]) == ("graded", "8", "8")


def test_run_with_an_assignment_shows_the_students_score(tmp_path: Path) -> None:
    proc = _dlconform(
        "run", str(EXAMPLES / "tutorial.py"), "--assignment", "tutorial", "--format", "json", cwd=tmp_path
    )
    assert proc.returncode == 0  # full marks: beyond cases fail, but as feedback worth nothing (issue 19)
    score = json.loads(proc.stdout)["score"]
    assert (score["assignment"], score["points"], score["max_points"]) == ("tutorial", 14, 14)


def test_support_files_sit_beside_each_submission_in_its_worker(tmp_path: Path) -> None:
    """The course's notebooks import public_tests: an assignment ships it, and the worker's copy imports it."""
    (tmp_path / "public_tests.py").write_text("def sigmoid_test(f):\n    assert abs(f(0) - 0.5) < 1e-12\n")
    (tmp_path / "hw.yaml").write_text(
        "format: 1\nname: hw\ndescription: d\nfunctions: {sigmoid: 1}\nsupport_files: [public_tests.py]\n"
    )
    submission = tmp_path / "student.py"
    submission.write_text(
        "import numpy as np\nfrom public_tests import *\n\n\ndef sigmoid(x):\n"
        "    return 1 / (1 + np.exp(-x))\n\n\nsigmoid_test(sigmoid)\n"
    )
    tmp_path.chmod(0o755)
    out = tmp_path / "out"
    proc = _dlconform(
        "grade",
        str(submission),
        "--assignment",
        str(tmp_path / "hw.yaml"),
        "--out",
        str(out),
        "--timeout",
        "5",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    (report,) = [json.loads(p.read_text()) for p in out.glob("*.json")]
    assert not any("skipped" in w for w in report["warnings"])  # the import and the test call both ran
    assert {c["level"] for c in report["cases"] if c["outcome"] != "passed"} <= {"beyond"}  # -x raises on bool
    without = _dlconform("run", str(submission), "--isolate", "--format", "json", "-f", "sigmoid", cwd=tmp_path)
    assert any("No module named 'public_tests'" in w for w in json.loads(without.stdout)["warnings"])
