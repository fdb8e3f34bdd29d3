"""``dlconform lint`` (and ``list`` on bad files): one line per problem, the documented exit code, no traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from dlconform.catalogue import FUNCTIONS, Function
from dlconform.cli import main
from dlconform.format.large import materialize
from dlconform.format.model import Raises
from dlconform.format.suite import iter_cases, load_files, read_file
from dlconform.tools.lint import lint

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "vectors"
GOOD = sorted((DATA / "good").glob("*.yaml"))
UNREADABLE = sorted(p for folder in ("bad_schema", "bad_reader", "bad_yaml") for p in (DATA / folder).glob("*.yaml"))
BAD = UNREADABLE + sorted((DATA / "bad_lint").glob("*.yaml"))


def expectation(path: Path) -> str:
    """The message a fixture's first line promises (``# expect: ...``)."""
    first = path.read_bytes().split(b"\n", 1)[0].decode()
    return first.removeprefix("# expect: ")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_bundled_vectors_lint_clean() -> None:
    assert [str(p) for p in lint()] == []
    result = invoke("lint")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "no problems"


def test_good_fixtures_lint_clean() -> None:
    result = invoke("lint", str(DATA / "good"))
    assert result.exit_code == 0 and result.stdout.strip() == "no problems"


@pytest.mark.parametrize("path", BAD, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_bad_fixture(path: Path) -> None:
    """Exit 1; stdout is exactly one line per problem, each naming the file; the promised message is there."""
    problems = lint([path])
    assert problems
    result = invoke("lint", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [str(p) for p in problems]
    assert all(line.startswith(f"{path}:") for line in result.stdout.splitlines())
    assert any(expectation(path) in line for line in result.stdout.splitlines())
    assert result.stderr.strip() == f"{len(problems)} problem(s)"
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    for problem in problems:
        if problem.case is not None:
            assert problem.line is not None
            assert str(problem).startswith(f"{path}:{problem.line}: case {problem.case}: ")


def test_all_bad_fixtures_in_a_real_process() -> None:
    """The installed entry point's way: a subprocess over every bad fixture at once, no traceback anywhere."""
    proc = subprocess.run(
        [sys.executable, "-m", "dlconform", "lint", *map(str, BAD)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(lint(BAD))
    named = {str(p) for p in BAD}
    assert all(line.split(":", 1)[0] in named for line in lines)
    assert {line.split(":", 1)[0] for line in lines} == named
    assert proc.stderr.strip() == f"{len(lines)} problem(s)"


@pytest.mark.parametrize("path", UNREADABLE, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_list_refuses_a_bad_file_with_exit_2(path: Path) -> None:
    _, problems = read_file(path)
    result = invoke("list", "--no-bundled", "--vectors", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"dlconform: error: {p}" for p in problems]


def test_list_counts_cases() -> None:
    result = invoke("list", "--no-bundled", "--vectors", str(DATA / "good"))
    assert result.exit_code == 0
    rows = {line.split()[0]: int(line.split()[1]) for line in result.stdout.splitlines()[1:]}
    files = load_files([DATA / "good"])
    counts = {vf.function: len(list(iter_cases([vf]))) for vf in files}  # with the layout variants
    assert counts != {vf.function: len(vf.cases) for vf in files}
    assert rows == {**counts, "total": sum(counts.values())}


@pytest.mark.parametrize(
    "args",
    [
        ["lint", "no/such/file.yaml"],
        ["list", "--no-bundled", "--vectors", "no/such/file.yaml"],
        ["generate", "no/such/file.yaml"],
        ["generate", "--check", "no/such/file.yaml"],
    ],
)
def test_missing_path_is_one_line_and_exit_2(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["dlconform: error: no/such/file.yaml: no such file or folder"]


def test_folder_without_vectors_is_exit_2(tmp_path: Path) -> None:
    result = invoke("lint", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"dlconform: error: {tmp_path}: no *.yaml vector files in this folder"]


def test_case_ids_are_unique_per_function_across_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    shutil.copy(DATA / "good" / "relu.yaml", first)
    shutil.copy(DATA / "good" / "relu.yaml", second)
    problems = lint([tmp_path])
    vf, _ = read_file(second)
    assert [(p.path, p.case) for p in problems] == [(str(second), c.id) for c in vf.cases]
    assert all(f"is also used in {first}" in p.message for p in problems)


def test_a_kind_without_a_shared_shape_rule_needs_its_own() -> None:
    """Kinds without a shared rule (shaping, linalg) must bring their own: the catalogue refuses one that does not."""
    with pytest.raises(TypeError, match="declares its result shape"):
        Function("flip", ("x",), "shaping", lambda x: x, blocks=lambda args: "whole")


def test_shape_rules_agree_with_the_reference() -> None:
    """Each rule predicts the reference's result shape on every bundled and fixture case with a result.

    Generated inputs are given to the rule as they are (it must not build them) and to the reference built.
    """
    cases = list(iter_cases(load_files())) + list(iter_cases(load_files([DATA / "good"])))
    checked = 0
    for case in cases:
        if case.raises or any(isinstance(alt, Raises) for alt in case.expected_any or ()):
            continue  # the reference raises (an expected_any alternative may still be a value: lint checks those)
        with np.errstate(all="ignore"):
            got = FUNCTIONS[case.function].impl(*map(materialize, case.args))
        assert FUNCTIONS[case.function].result_shape(*case.args) == np.shape(got), case.key
        checked += 1
    assert checked >= len(GOOD)


def test_list_selects_by_name_or_alias() -> None:
    result = invoke("list", "--no-bundled", "--vectors", str(DATA / "good"), "-f", "normalize_rows", "-t", "edge")
    assert result.exit_code == 0
    vf = load_files([DATA / "good" / "normalizeRows.yaml"])[0]
    edge = sum("edge" in c.tags for c in vf.cases)
    assert [line.split()[:2] for line in result.stdout.splitlines()[1:]] == [
        ["normalizeRows", str(edge)],
        ["total", str(edge)],
    ]


def test_list_unknown_function_is_exit_2() -> None:
    result = invoke("list", "-f", "sigmod")
    assert result.exit_code == 2
    assert result.stderr.startswith("dlconform: error: unknown function 'sigmod'")
    assert len(result.stderr.splitlines()) == 1
