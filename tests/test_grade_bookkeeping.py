"""Grading bookkeeping: a line per submission as it finishes, --vectors the same everywhere, no silent no-ops."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from dlconform.cli import main
from dlconform.format.suite import bundled_dir, iter_cases, load_files

ROOT = Path(__file__).parent.parent
CAREFUL = str(ROOT / "examples" / "careful.py")
RELU = bundled_dir() / "relu.yaml"

PRIVATE = """format: 1
function: relu
params: [x]
description: "Instructor cases."
accuracy: exact
cases:
- id: {id}
  description: "A private case."
  tags: [core]
  hidden: true
  args: [{{array: [-2.0, 3.0], dtype: float64}}]
  expected: {{array: [0.0, 3.0], dtype: float64}}
"""


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def one_error_line(result, *texts: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert lines and lines[-1].startswith("dlconform: error: "), lines
    assert all(t in lines[-1] for t in texts), lines
    assert "Traceback" not in result.output


def private(tmp_path: Path, case_id: str) -> Path:
    path = tmp_path / "private_relu.yaml"
    path.write_text(PRIVATE.format(id=case_id), encoding="utf-8")
    return path


def test_a_line_per_submission_as_it_finishes_through_a_pipe(tmp_path: Path) -> None:
    fast, slow = tmp_path / "a_fast.py", tmp_path / "b_slow.py"
    fast.write_text(Path(CAREFUL).read_text(encoding="utf-8"), encoding="utf-8")
    slow.write_text("import time\ntime.sleep(6)\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "dlconform", "grade", str(fast), str(slow), "-f", "relu", "--timeout", "20"]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env) as proc:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        still_running = proc.poll() is None
        rest = proc.stdout.read()
    assert first.startswith(f"{fast}: 1 / 1 (")
    assert still_running  # the fast submission's line came while the slow one was still being graded
    assert rest.startswith(f"{slow}: 0 / 1 (")
    assert proc.returncode == 0


def test_the_progress_callback_gets_each_graded_submission() -> None:
    from dlconform.grading.batch import GradeSettings, grade_all, grade_line
    from dlconform.targets.isolate.spawn import Limits

    cases = [c for c in iter_cases(load_files([RELU])) if "large" not in c.tags][:3]
    seen: list[str] = []
    graded = grade_all(
        [CAREFUL], cases, GradeSettings(limits=Limits(timeout=10.0)), progress=lambda g: seen.append(grade_line(g))
    )
    assert seen == [f"{CAREFUL}: 1 / 1 (3 passed, 0 failed)"] == [grade_line(g) for g in graded]


@pytest.mark.parametrize("command", ["run", "grade", "list"])
def test_a_private_case_reusing_a_bundled_id_names_both_files(tmp_path: Path, command: str) -> None:
    path = private(tmp_path, "article-scalar")
    args = {"run": ["run", CAREFUL], "grade": ["grade", CAREFUL], "list": ["list"]}[command]
    one_error_line(invoke(*args, "--vectors", str(path), "-f", "relu"), str(path), "relu::article-scalar", str(RELU))


def test_lint_given_both_files_names_both(tmp_path: Path) -> None:
    path = private(tmp_path, "article-scalar")
    result = invoke("lint", str(RELU), str(path))
    assert result.exit_code == 1
    assert f"{path}:" in result.stdout and f"id relu::article-scalar is also used in {RELU}" in result.stdout


def test_vectors_add_to_the_bundled_suite_in_run_and_list(tmp_path: Path) -> None:
    path = private(tmp_path, "private-mixed")
    bundled = sum(1 for c in iter_cases(load_files([RELU])))
    added = [c.key for c in iter_cases(load_files([path]))]  # the private case and its layout variants
    assert added[0] == "relu::private-mixed" and all(k.startswith("relu::private-mixed@") for k in added[1:])
    listed = invoke("list", "-f", "relu", "--vectors", str(path))
    assert listed.stdout.splitlines()[-1].split()[:2] == ["total", str(bundled + len(added))]
    only = invoke("list", "-f", "relu", "--vectors", str(path), "--no-bundled")
    assert only.stdout.splitlines()[-1].split() == ["total", str(len(added))]
    ran = invoke("run", CAREFUL, "-f", "relu", "--vectors", str(path), "--format", "json")
    keys = [f"relu::{i}" for i in json.loads(ran.stdout)["passed"]["relu"]]
    run_by_default = [c.key for c in iter_cases(load_files([RELU])) if "large" not in c.tags]  # large: -t large
    assert keys == [*run_by_default, *added]


@pytest.mark.parametrize("command", ["run", "grade", "list"])
def test_no_bundled_needs_vectors(command: str) -> None:
    args = {"run": ["run", CAREFUL], "grade": ["grade", CAREFUL], "list": ["list"]}[command]
    one_error_line(invoke(*args, "--no-bundled"), "--no-bundled needs --vectors PATH")


def test_the_same_folder_named_twice_is_read_once() -> None:
    assert len(load_files([bundled_dir(), RELU])) == len(load_files())


@pytest.mark.parametrize(
    ("weights", "text"),
    [
        ('"relu::no-such-case-*": 2\n', "'relu::no-such-case-*' matches no case of the suite"),
        ("tanh: 2\n", "'tanh': points per function go in the assignment (functions: {tanh: N})"),
    ],
)
def test_a_weights_entry_that_matches_nothing_is_an_error(tmp_path: Path, weights: str, text: str) -> None:
    path = tmp_path / "weights.yaml"
    path.write_text(weights, encoding="utf-8")
    one_error_line(invoke("grade", CAREFUL, "--weights", str(path)), str(path), text)


@pytest.mark.parametrize("command", ["run", "grade"])
def test_an_assignment_function_without_cases_is_an_error(tmp_path: Path, command: str) -> None:
    path = private(tmp_path, "private-mixed")
    result = invoke(command, CAREFUL, "--assignment", "course", "--no-bundled", "--vectors", str(path))
    one_error_line(result, "assignment course grades basic_sigmoid, which has no case in the suite")


def test_a_weights_file_that_matches_still_grades(tmp_path: Path) -> None:
    path = tmp_path / "weights.yaml"
    path.write_text('"relu::edge-*": 0.5\n', encoding="utf-8")
    start = time.monotonic()
    result = invoke("grade", CAREFUL, "-f", "relu", "--weights", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{CAREFUL}: 1 / 1 (")
    assert time.monotonic() - start < 120
