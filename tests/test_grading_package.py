"""dlconform.grading: one entry point grades as `dlconform grade` does; every YAML format it reads (and profiles)
is checked by a JSON Schema with file:line errors; points per function live in the assignment only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from dlconform.cli import main
from dlconform.grading import assignment, weights
from dlconform.grading.assignment import AssignmentError, load_assignment
from dlconform.grading.batch import GradeRequest, grade, grade_line
from dlconform.grading.errors import GradeError
from dlconform.grading.weights import load_weights
from dlconform.run.options import RunOptions
from dlconform.targets.profiles import model as profiles
from dlconform.targets.profiles.model import ProfileError, read_profile

ROOT = Path(__file__).resolve().parents[1]
CAREFUL = ROOT / "examples" / "careful.py"
ASSIGNMENT = "format: 1\nname: hw\ndescription: two functions\nfunctions: {relu: 2, sigmoid: 1}\n"
WEIGHTS = '"relu::edge-*": 0.5\n'


def _batch(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Two submissions (one right, one with relu wrong), an assignment with points and a weights file."""
    folder = tmp_path / "hw"
    folder.mkdir()
    (folder / "a_right.py").write_text(CAREFUL.read_text(encoding="utf-8"), encoding="utf-8")
    wrong = CAREFUL.read_text(encoding="utf-8") + "\n\ndef relu(x):\n    return np.abs(x)\n"
    (folder / "b_wrong.py").write_text(wrong, encoding="utf-8")
    (tmp_path / "hw.yaml").write_text(ASSIGNMENT, encoding="utf-8")
    (tmp_path / "weights.yaml").write_text(WEIGHTS, encoding="utf-8")
    return folder, tmp_path / "hw.yaml", tmp_path / "weights.yaml"


def _reports(out: Path) -> dict[str, object]:
    """Each JSON report's verdicts and score (durations differ from run to run)."""
    docs = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))}
    assert len(docs) == 2
    return {
        name: (
            doc["passed"],
            [{k: v for k, v in case.items() if k != "duration"} for case in doc["cases"]],
            doc["summary"],
            doc["score"],
        )
        for name, doc in docs.items()
    }


def test_the_entry_point_grades_a_batch_as_the_command_does(tmp_path: Path) -> None:
    folder, hw, scheme = _batch(tmp_path)
    said: list[str] = []
    run = RunOptions(assignment=str(hw), timeout=20, isolate=True)
    request = GradeRequest((str(folder),), run, weights=str(scheme), out_dir=str(tmp_path / "api"))
    outcome = grade(request, say=said.append)
    cli = CliRunner().invoke(
        main,
        [
            "grade",
            str(folder),
            "--assignment",
            str(hw),
            "--weights",
            str(scheme),
            "--timeout",
            "20",
            "--out",
            str(tmp_path / "cli"),
        ],
    )
    assert cli.exit_code == 0, cli.output
    assert cli.stdout.splitlines() == [grade_line(g) for g in outcome.graded]
    assert cli.stderr.splitlines() == said
    book = (tmp_path / "cli" / "gradebook.csv").read_text(encoding="utf-8")
    assert (tmp_path / "api" / "gradebook.csv").read_text(encoding="utf-8") == book
    assert _reports(tmp_path / "api") == _reports(tmp_path / "cli")
    right, wrong = outcome.graded
    assert (right.score.points, right.score.max_points) == (3.0, 3.0)  # the assignment's points: relu 2, sigmoid 1
    assert wrong.score.functions["relu"][0] < 2.0 and wrong.score.functions["sigmoid"] == (1.0, 1.0)


def _one_line_at(error: Exception, path: Path, line: int, fragment: str) -> None:
    text = str(error)
    assert re.match(rf"{re.escape(str(path))}:{line}: ", text), text
    assert fragment in text and "\n" not in text


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("format: 1\nname: a\ndescription: d\nfunctions: {sigmoid: 1}\npoints: 3\n", 5, "unknown key 'points'"),
        ("format: 1\nname: a\ndescription: d\nfunctions:\n  sigmoid: -1\n", 4, "points must be a number above 0"),
        ("format: 1\nname: a\ndescription: d\nfunctions: {sigmoid: 1}\nbeyond: {bonus: 0}\n", 5, "beyond must be"),
    ],
)
def test_the_assignment_schema_rejects_a_bad_file_with_its_line(
    tmp_path: Path, body: str, line: int, fragment: str
) -> None:
    path = tmp_path / "hw.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(AssignmentError) as info:
        load_assignment(str(path))
    _one_line_at(info.value, path, line, fragment)


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ('"relu::edge-*": 0.5\n"sigmoid::core-*": -1\n', 2, "weight of 'sigmoid::core-*' must be a number >= 0"),
        ('"relu::edge-*": 0.5\n"sigmod::core-*": 1\n', 2, "unknown function 'sigmod'"),
    ],
)
def test_the_weights_schema_rejects_a_bad_file_with_its_line(
    tmp_path: Path, body: str, line: int, fragment: str
) -> None:
    path = tmp_path / "weights.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(GradeError) as info:
        load_weights(path)
    _one_line_at(info.value, path, line, fragment)


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("name: x\nlibrary: numpy\nweak_scalars: 2\n", 3, "weak_scalars must be true or false"),
        ("name: x\nimports:\n  np: 'numpy; rm'\n", 2, "'np': 'numpy; rm' is not 'name: module.path'"),
        ("name: x\nfunctoins: {}\n", 2, "unknown key 'functoins'"),
    ],
)
def test_the_profile_schema_rejects_a_bad_file_with_its_line(
    tmp_path: Path, body: str, line: int, fragment: str
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        read_profile(path)
    _one_line_at(info.value, path, line, fragment)


@pytest.mark.parametrize("module", [assignment, weights, profiles])
def test_each_schema_is_a_valid_draft_2020_12_schema(module: object) -> None:
    schema = json.loads(module.SCHEMA.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    jsonschema.Draft202012Validator.check_schema(schema)


def test_points_in_a_weights_file_are_one_error_saying_where_they_go(tmp_path: Path) -> None:
    folder, hw, scheme = _batch(tmp_path)
    scheme.write_text(WEIGHTS + "relu: 3\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["grade", str(folder), "--assignment", str(hw), "--weights", str(scheme)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"dlconform: error: {scheme}:2: 'relu': points per function go in the assignment"), line
    assert "functions: {relu: N}" in line


def test_a_bad_assignment_through_the_command_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    folder, hw, _ = _batch(tmp_path)
    hw.write_text(ASSIGNMENT + "timeout: soon\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["grade", str(folder), "--assignment", str(hw)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [
        f"dlconform: error: {hw}:5: timeout must be a number of seconds above 0, not 'soon'"
    ]
