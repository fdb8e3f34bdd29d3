"""Gradescope's results.json: the spec's fields, strict JSON, under 100,000 characters, hidden cases redacted,
written even when nothing can be graded; and the example run_autograder end to end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dlconform.catalogue import FUNCTIONS
from dlconform.format.suite import bundled_dir, iter_cases, load_files
from dlconform.grading import gradescope
from dlconform.grading.assignment import load_assignment
from dlconform.grading.batch import GradeSettings, grade_one
from dlconform.targets.isolate.spawn import Limits
from dlconform.tools.generate import generate_file

ROOT = Path(__file__).resolve().parents[1]
CAREFUL = ROOT / "examples" / "careful.py"
TUTORIAL = ROOT / "examples" / "tutorial.py"
FAST = Limits(timeout=2.0, memory=1 << 30)
SMALL = [c for c in iter_cases(load_files()) if "large" not in c.tags]
HIDDEN = """format: 1
function: relu
params: [x]
description: "Hidden relu cases."
accuracy: exact
cases:
- id: hidden-secret
  description: "An input the students never see."
  tags: [x-private]
  hidden: true
  args: [{array: [-31.0, 47.0, -59.0], dtype: float64}]
"""


def strict_load(text: str) -> dict:
    """JSON that must not contain NaN or Infinity."""

    def refuse(name: str) -> None:
        raise ValueError(f"non-strict JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def check_spec(doc: dict) -> None:
    """The fields and types Gradescope reads."""
    assert isinstance(doc["score"], float | int) and isinstance(doc["execution_time"], float | int)
    assert isinstance(doc["output"], str)
    for test in doc["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed") and test["visibility"] == "visible"
        assert 0 <= test["score"] <= test["max_score"]
    text = gradescope.dump(doc)
    assert len(text) < 100_000
    assert strict_load(text) == doc


def dlconform(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "dlconform", *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )


def test_a_correct_submission_gets_full_marks() -> None:
    graded = grade_one(str(CAREFUL), SMALL, GradeSettings(limits=FAST))
    doc = gradescope.results(graded, 1.25)
    check_spec(doc)
    n = len(FUNCTIONS)
    assert doc["score"] == n and doc["execution_time"] == 1  # whole seconds
    assert [t["status"] for t in doc["tests"]] == ["passed"] * n
    assert doc["output"].startswith(f"Score: {n} / {n}\n")


def test_failing_cases_explain_themselves() -> None:
    graded = grade_one(str(TUTORIAL), SMALL, GradeSettings(limits=FAST))
    doc = gradescope.results(graded, 2.0)
    check_spec(doc)
    softmax = next(t for t in doc["tests"] if t["name"] == "softmax")
    # right inside the contract (full marks, passed); the cases it fails beyond it are feedback, explained
    assert softmax["status"] == "passed" and softmax["score"] == softmax["max_score"] == 1
    assert "FAILED" not in softmax["output"]  # full marks: no list of failures that cost nothing (issue 19)
    beyond = next(t for t in doc["tests"] if t["name"] == "softmax: beyond the assignment (no points)")
    assert beyond["max_score"] == beyond["score"] == 0 and beyond["status"] == "passed"
    assert "DIFFERS (no points) core-1d" in beyond["output"] and "repro: softmax(" in beyond["output"]
    assert "hint: " in beyond["output"] and "FAILED" not in beyond["output"]


def test_a_missing_function_is_explained_once(tmp_path: Path) -> None:
    only_relu = tmp_path / "only_relu.py"
    only_relu.write_text("import numpy as np\n\ndef relu(x):\n    return np.maximum(x, 0)\n")
    graded = grade_one(str(only_relu), SMALL, GradeSettings(limits=FAST))
    doc = gradescope.results(graded, 1.0)
    check_spec(doc)
    sigmoid = next(t for t in doc["tests"] if t["name"] == "sigmoid")
    count = sum(c.function == "sigmoid" and c.level == "inside" for c in SMALL)  # beyond: feedback, not graded
    assert sigmoid["output"].splitlines()[:2] == [f"0 of {count} cases passed.", "target has no sigmoid"]
    assert sigmoid["output"].count("target has no sigmoid") == 1 and "hint: " in sigmoid["output"]
    assert next(t for t in doc["tests"] if t["name"] == "relu")["status"] == "passed"


def test_hidden_cases_show_pass_or_fail_only(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir()
    (private / "relu_hidden.yaml").write_text(HIDDEN, encoding="utf-8")
    assert not generate_file(private / "relu_hidden.yaml").problems
    wrong = tmp_path / "wrong.py"
    tmp_path.chmod(0o755)
    wrong.write_text("import numpy as np\ndef relu(x):\n    return np.abs(x)\n", encoding="utf-8")
    cases = [
        c for c in iter_cases(load_files([bundled_dir(), private])) if c.function == "relu" and "large" not in c.tags
    ]
    graded = grade_one(str(wrong), cases, GradeSettings(limits=FAST))
    secret = next(r for r in graded.report.results if r.id == "hidden-secret")
    assert secret.outcome == "failed" and secret.details  # the instructor's report keeps everything
    relu = gradescope.results(graded, 1.0)["tests"][0]
    assert "FAILED hidden-secret (hidden case: its inputs and expected values are not shown)" in relu["output"]
    for leak in ("31.0", "47.0", "59.0", "An input the students never see"):
        assert leak not in relu["output"]


def test_warnings_of_hidden_cases_are_dropped(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir()
    (private / "relu_hidden.yaml").write_text(HIDDEN, encoding="utf-8")
    assert not generate_file(private / "relu_hidden.yaml").problems
    tmp_path.chmod(0o755)
    chatty = tmp_path / "chatty.py"
    chatty.write_text("import warnings\nimport numpy as np\n\ndef relu(x):\n"
                      "    warnings.warn('every call')\n"
                      "    if 47.0 in np.ravel(x):\n        warnings.warn(f'saw {np.ravel(x).tolist()}')\n"
                      "    return np.maximum(x, 0)\n")  # fmt: skip
    cases = [
        c for c in iter_cases(load_files([bundled_dir(), private])) if c.function == "relu" and "large" not in c.tags
    ]
    graded = grade_one(str(chatty), cases, GradeSettings(limits=FAST))
    warned = "".join(w for w in graded.report.warnings if w.startswith("target warned while running"))
    assert "UserWarning: every call" in warned and "first in relu::" in warned  # public cases: shown
    assert "saw" not in warned and "47.0" not in gradescope.dump(gradescope.results(graded, 1.0))


def test_huge_output_stays_under_the_limit(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    noisy = tmp_path / "noisy.py"
    noisy.write_text(
        "print('x' * 1_000_000)\n"
        + "".join(f"def {f}(*a):\n    raise ValueError('{f} ' + 'y' * 5000)\n" for f in ("sigmoid", "softmax", "relu")),
        encoding="utf-8",
    )
    graded = grade_one(str(noisy), SMALL, GradeSettings(limits=FAST))
    doc = gradescope.results(graded, 3.0)
    check_spec(doc)
    assert "Your code printed:" in doc["output"]


def test_failure_documents_follow_the_spec() -> None:
    doc = gradescope.failure("no .py or .ipynb submission", 0.5, {"sigmoid": 1.0, "relu": 2.0})
    check_spec(doc)
    assert doc["score"] == 0 and [t["max_score"] for t in doc["tests"]] == [1.0, 2.0]
    assert doc["output"] == "The submission could not be graded: no .py or .ipynb submission"


@pytest.mark.parametrize(
    ("make", "code", "fragment"),
    [
        (lambda d: (d / "student.py").write_text("def relu(x)\n", encoding="utf-8"), 0, "could not be imported"),
        (lambda d: (d / "student.py").write_text("import sys\nsys.exit(0)\n", encoding="utf-8"), 0, "sys.exit"),
        (lambda d: None, 2, "no .py or .ipynb submission"),
        (lambda d: [(d / n).write_text("", encoding="utf-8") for n in ("a.py", "b.py")], 2, "found 2"),
    ],
)
def test_results_json_is_always_written(tmp_path: Path, make, code: int, fragment: str) -> None:
    submission = tmp_path / "submission"
    submission.mkdir()
    tmp_path.chmod(0o755)
    make(submission)
    results = tmp_path / "results.json"
    args = ["-f", "relu", "--exclude-tag", "large", "--timeout", "2", "--gradescope", str(results)]
    done = dlconform("grade", str(submission), *args)
    assert done.returncode == code, done.stderr
    doc = strict_load(results.read_text(encoding="utf-8"))
    check_spec(doc)
    assert doc["score"] == 0
    assert fragment in doc["output"] + "".join(t["output"] for t in doc["tests"])


def test_a_bad_option_still_leaves_results(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    done = dlconform("grade", str(CAREFUL), "--memory", "lots", "--gradescope", str(results))
    assert done.returncode == 2 and "--memory" in strict_load(results.read_text(encoding="utf-8"))["output"]


def test_a_bad_vector_file_still_leaves_results(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("format: 1\nfunction: sigmod\n", encoding="utf-8")
    results = tmp_path / "results.json"
    done = dlconform("grade", str(CAREFUL), "--vectors", str(tmp_path / "bad.yaml"), "--gradescope", str(results))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "bad.yaml: missing top-level key" in strict_load(results.read_text(encoding="utf-8"))["output"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="run_autograder is a bash script")
def test_the_example_run_autograder(tmp_path: Path) -> None:
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    (root / "source" / "private").mkdir(parents=True)
    tmp_path.chmod(0o755)
    root.chmod(0o755)
    shutil.copy(TUTORIAL, root / "submission" / "hw1.py")
    (root / "source" / "private" / "relu_hidden.yaml").write_text(HIDDEN, encoding="utf-8")
    assert not generate_file(root / "source" / "private" / "relu_hidden.yaml").problems
    tutorial = {f: 2 if f == "softmax" else 1 for f in load_assignment("tutorial").functions}
    (root / "source" / "assignment.yaml").write_text(
        f"format: 1\nname: hw1\ndescription: d\nfunctions: {tutorial}\n", encoding="utf-8"
    )  # points: the assignment's
    (root / "source" / "weights.yaml").write_text('"relu::edge-*": 0.5\n', encoding="utf-8")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "DLCONFORM": f"{sys.executable} -m dlconform"}
    env |= {"TIMEOUT": "2", "RANDOM_CASES": "2", "ASSIGNMENT": "tutorial"}
    script = ROOT / "examples" / "gradescope" / "run_autograder"
    done = subprocess.run(["bash", str(script)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    doc = strict_load((root / "results" / "results.json").read_text(encoding="utf-8"))
    check_spec(doc)
    # source/assignment.yaml (over ASSIGNMENT): the tutorial's fourteen functions, softmax worth 2
    assert sum(t["max_score"] for t in doc["tests"]) == len(load_assignment("tutorial").functions) + 1
    assert "random cases per function drawn with --seed" in doc["output"]
    assert "FAILED hidden-secret" not in next(t for t in doc["tests"] if t["name"] == "relu")["output"]
    assert (root / "source").stat().st_mode & 0o077 == 0
