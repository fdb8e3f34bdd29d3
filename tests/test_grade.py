"""Batch grading: submissions found and sharded, weights and scores, hints, reports and gradebooks, merge."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from dlconform.catalogue import FUNCTIONS
from dlconform.format.suite import bundled_dir, iter_cases, load_files
from dlconform.grading.assignment import Assignment
from dlconform.grading.batch import GradeSettings, grade_all
from dlconform.grading.errors import GradeError
from dlconform.grading.gradebook import merge, report_name, write_outputs
from dlconform.grading.outdir import RECORD
from dlconform.grading.scoring import score
from dlconform.grading.submissions import exposed_files, find_submissions, parse_shard, take_shard
from dlconform.grading.weights import Weights, load_weights
from dlconform.judge.hints import hint
from dlconform.results import CaseResult
from dlconform.run.engine import run_cases
from dlconform.targets.isolate.spawn import Limits

ROOT = Path(__file__).resolve().parents[1]
CAREFUL = str(ROOT / "examples" / "careful.py")
TUTORIAL = str(ROOT / "examples" / "tutorial.py")
FAST = Limits(timeout=2.0, memory=1 << 30)


def cases(*functions: str):
    """The bundled cases of ``functions`` (all when none are named), without the slow ``large`` ones."""
    return [c for c in iter_cases(load_files()) if (not functions or c.function in functions) and "large" not in c.tags]


def dlconform(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dlconform", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_find_submissions_expands_folders_and_sorts(tmp_path: Path) -> None:
    for name in ("b.py", "a.ipynb", "notes.txt"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.py").write_text("", encoding="utf-8")
    found = find_submissions([str(tmp_path), str(tmp_path / "sub" / "c.py"), str(tmp_path / "b.py")])
    assert found == sorted([str(tmp_path / "a.ipynb"), str(tmp_path / "b.py"), str(tmp_path / "sub" / "c.py")])
    with pytest.raises(GradeError, match="no such file or folder"):
        find_submissions([str(tmp_path / "missing.py")])
    with pytest.raises(GradeError, match=r"not a \.py file"):
        find_submissions([str(tmp_path / "notes.txt")])


def test_shards_partition_the_sorted_submissions() -> None:
    names = [f"s{i:02d}.py" for i in range(11)]
    slices = [take_shard(names, (i, 3)) for i in (1, 2, 3)]
    assert sorted(n for s in slices for n in s) == names
    assert len({n for s in slices for n in s}) == len(names)
    assert take_shard(names, (2, 3)) == slices[1]
    assert parse_shard(" 2/4 ") == (2, 4)
    for bad in ("0/3", "4/3", "x", "1/0"):
        with pytest.raises(GradeError, match="--shard"):
            parse_shard(bad)


def test_weights_file(tmp_path: Path) -> None:
    path = tmp_path / "weights.yaml"
    path.write_text('"normalize_rows::core-*": 0.5\n"softmax::stability-*": 0\n', encoding="utf-8")
    weights = load_weights(path)
    assert weights.case("normalizeRows::core-2d") == 0.5
    assert weights.case("softmax::stability-row-maximum") == 0.0 and weights.case("softmax::core-1d") == 1.0
    for text, fragment in (
        ('"sigmod::a": 1\n', "unknown function 'sigmod'"),
        ('"sigmoid::a": -1\n', "must be a number >= 0"),
        ('"sigmoid::a": lots\n', "must be a number >= 0"),
        ("- sigmoid\n", "weights must map"),
        ("sigmoid: 2\n", "points per function go in the assignment"),
    ):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(GradeError, match=fragment):
            load_weights(path)


def result(function: str, case_id: str, outcome: str) -> CaseResult:
    return CaseResult(function=function, id=case_id, tags=("core",), outcome=outcome)


def test_scores_are_equal_per_function_with_partial_credit() -> None:
    results = [
        result("sigmoid", "a", "passed"),
        result("sigmoid", "b", "passed"),
        result("sigmoid", "c", "failed"),
        result("sigmoid", "d", "skipped"),
        result("relu", "a", "error"),
        result("tanh", "a", "passed"),
    ]
    plain = score(results)
    assert plain.functions == {"sigmoid": (pytest.approx(2 / 3), 1.0), "relu": (0.0, 1.0), "tanh": (1.0, 1.0)}
    assert (plain.points, plain.max_points) == (pytest.approx(5 / 3), 3.0)
    points = Assignment("a", "d", {"sigmoid": 3.0, "relu": 1.0, "tanh": 1.0})  # points: the assignment's
    weighted = score(results, points, Weights((("sigmoid::c", 2.0),)))  # a case's weight: the weights file's
    assert weighted.functions["sigmoid"] == (pytest.approx(3 * 2 / 4), 3.0)
    assert weighted.functions["tanh"] == (1.0, 1.0)
    assert weighted.max_points == 5.0


def run_one(impl, function: str):
    """Results and cases of ``impl`` as ``function`` over the bundled cases, in process."""
    selected = cases(function)
    return list(zip(run_cases(selected, lambda f: impl), selected, strict=True))


def hints_of(impl, function: str) -> set[str]:
    return {hint(r, c) for r, c in run_one(impl, function) if r.outcome in ("failed", "error")} - {None}


@pytest.mark.parametrize(
    ("function", "impl", "fragment"),
    [
        ("image2vector", lambda v: np.asarray(v).reshape(-1), "1-D vector (n,)"),
        ("image2vector", lambda v: np.asarray(v).reshape((-1, 1), order="F"), "Fortran"),
        ("softmax", lambda x: np.exp(x) / np.sum(np.exp(x), axis=0, keepdims=True), "over axis 0"),
        ("softmax", lambda x: np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True), "exp overflows"),
        ("L2", lambda yhat, y: np.sqrt(np.sum((np.asarray(y) - yhat) ** 2)), "square root"),
        ("sigmoid_derivative", lambda x: np.asarray(x) * (1 - np.asarray(x)), "compute s = sigmoid(x) first"),
        ("sigmoid", lambda x: None, "never returns it"),
        ("relu", lambda x: "relu", "Return a NumPy array"),
        ("normalizeRows", lambda x: np.asarray(x) / np.linalg.norm(x, axis=-1), "keepdims"),
    ],
)
def test_hints_name_the_mistake(function: str, impl, fragment: str) -> None:
    with np.errstate(all="ignore"):
        found = hints_of(impl, function)
    assert any(fragment in h for h in found), found


def test_hints_for_errors_of_the_grader_kind() -> None:
    (case, *_) = cases("relu")
    for failure, fragment in (
        ("raised:CallTimeout", "time limit"),
        ("raised:WorkerCrash", "ended the process"),
        ("raised:EOFError", "input()"),
        ("missing", "Define a function named relu"),
        ("import-error", "could not be imported"),
    ):
        text = hint(CaseResult("relu", case.id, case.tags, "error", failure=failure), case)
        assert text and fragment in text
    assert hint(CaseResult("relu", case.id, case.tags, "passed"), case) is None


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("broken")
    folder.chmod(0o755)
    path = folder / "broken.py"
    path.write_text("def sigmoid(x)\n", encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def graded(broken: str):
    return grade_all(sorted([CAREFUL, TUTORIAL, broken]), cases(), GradeSettings(limits=FAST), jobs=2)


def test_grade_all_scores_each_submission(graded) -> None:
    by_name = {Path(g.submission).stem: g for g in graded}
    careful, tutorial, broken = by_name["careful"], by_name["tutorial"], by_name["broken"]
    assert careful.report.ok and careful.score.points == careful.score.max_points == len(FUNCTIONS)
    # the tutorial's own code is right inside every contract; what it fails beyond is feedback, worth nothing
    assert tutorial.score.points == len(FUNCTIONS)
    assert all(r.outcome == "passed" for r in tutorial.report.results if r.level == "inside")
    assert broken.score.points == 0 and "SyntaxError" in broken.report.target["load_error"]
    failing = [r for r in tutorial.report.results if r.outcome != "passed"]
    assert failing and all("repro" in r.details for r in failing)
    assert any("hint" in r.details for r in failing)


def test_outputs_validate_and_the_gradebook_adds_up(graded, tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    functions = list(dict.fromkeys(c.function for c in cases()))
    write_outputs(graded, functions, tmp_path)
    schema = json.loads((ROOT / "docs" / "report-schema.json").read_text(encoding="utf-8"))
    for g in graded:
        doc = json.loads((tmp_path / report_name(g.submission)).read_text(encoding="utf-8"))
        jsonschema.validate(doc, schema)
        assert doc["summary"]["passed"] == g.report.counts()["passed"]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "gradebook.csv").read_text(encoding="utf-8"))))
    assert [r["submission"] for r in rows] == [g.submission for g in graded]
    for row in rows:
        assert float(row["score"]) == pytest.approx(sum(float(row[f]) for f in functions), abs=1e-3)
        assert row["max_score"] == str(len(FUNCTIONS))


def test_shards_merge_into_the_unsharded_gradebook(graded, tmp_path: Path) -> None:
    functions = list(dict.fromkeys(c.function for c in cases()))
    write_outputs(graded, functions, tmp_path / "all")
    names = [g.submission for g in graded]
    for index in (1, 2):
        chosen = take_shard(names, (index, 2))
        write_outputs([g for g in graded if g.submission in chosen], functions, tmp_path / f"shard{index}")
    assert merge([tmp_path / "shard1", tmp_path / "shard2"], tmp_path / "merged") == 3
    merged, whole = tmp_path / "merged", tmp_path / "all"
    assert (merged / "gradebook.csv").read_text(encoding="utf-8") == (whole / "gradebook.csv").read_text(
        encoding="utf-8"
    )
    assert sorted(p.name for p in merged.glob("*.json")) == sorted(p.name for p in whole.glob("*.json"))
    with pytest.raises(GradeError, match="graded in both"):
        merge([tmp_path / "shard1", tmp_path / "all"], tmp_path / "twice")
    with pytest.raises(GradeError, match="cannot read gradebook"):
        merge([tmp_path / "nothing"], tmp_path / "none")


def test_reports_show_hidden_cases_only_when_asked(tmp_path: Path) -> None:
    hidden = [replace(c, hidden=True) for c in cases("relu")[:2]]
    tmp_path.chmod(0o755)
    wrong = tmp_path / "wrong.py"
    wrong.write_text("import numpy as np\ndef relu(x):\n    return np.abs(x)\n", encoding="utf-8")
    graded = grade_all([str(wrong)], hidden, GradeSettings(limits=FAST))
    for redact in (True, False):
        write_outputs(graded, ["relu"], tmp_path / str(redact), redact)
        doc = json.loads((tmp_path / str(redact) / report_name(str(wrong))).read_text(encoding="utf-8"))
        failed = [c for c in doc["cases"] if c["outcome"] == "failed"]
        assert failed and all(c["hidden"] for c in failed)
        assert all((c["details"] == {}) == redact for c in failed)


@pytest.mark.skipif(os.geteuid() != 0, reason="the check concerns what an unprivileged worker can read")
def test_world_readable_hidden_files_are_found() -> None:
    text = (ROOT / "vectors" / "relu.yaml").read_text(encoding="utf-8")
    text = text.replace("tags: [article]", "hidden: true\n  tags: [article]", 1)
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        private = Path(folder)
        (private / "relu.yaml").write_text(text, encoding="utf-8")
        files = load_files([private])
        for mode, exposed in ((0o755, [str(private / "relu.yaml")]), (0o700, [])):
            private.chmod(mode)
            assert exposed_files(files, bundled_dir()) == exposed


def test_grade_command(tmp_path: Path, broken: str) -> None:
    out = tmp_path / "out"
    args = ["-f", "relu", "-f", "L1", "--exclude-tag", "large", "--timeout", "2", "--out", str(out)]
    done = dlconform("grade", CAREFUL, broken, *args)
    assert done.returncode == 0, done.stderr
    lines = {
        broken: f"{broken}: 0 / 2 (0 passed, 0 failed, {len(cases('relu', 'L1'))} errors)",
        CAREFUL: f"{CAREFUL}: 2 / 2 ({len(cases('relu', 'L1'))} passed, 0 failed)",
    }
    assert done.stdout.splitlines() == [lines[path] for path in sorted(lines)]  # submissions in sorted order
    written = ["gradebook.csv", report_name(CAREFUL), report_name(broken)]
    assert sorted(p.name for p in out.iterdir()) == sorted([*written, RECORD])  # and the record of what it wrote
    merged = dlconform("merge", str(out), "--out", str(tmp_path / "merged"))
    assert merged.returncode == 0 and merged.stdout.strip() == f"merged 2 submissions into {tmp_path / 'merged'}"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["missing.py"], "missing.py: no such file or folder"),
        ([CAREFUL, "--shard", "3/2"], "--shard '3/2'"),
        ([CAREFUL, "--weights", "missing.yaml"], "cannot read weights"),
        ([CAREFUL, "-f", "sigmod"], "unknown function 'sigmod'"),
        ([CAREFUL, "--memory", "much"], "--memory"),
        ([CAREFUL, TUTORIAL, "--gradescope", "results.json"], "--gradescope grades one submission, found 2"),
    ],
)
def test_grade_usage_errors_are_one_line_and_exit_2(tmp_path: Path, args: list[str], fragment: str) -> None:
    done = dlconform("grade", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and fragment in done.stderr and "Traceback" not in done.stderr
