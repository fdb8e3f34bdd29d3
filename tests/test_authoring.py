"""The authoring flow of vectors/README.md, step by step on temporary copies: write args, lint, generate, review,
lint; and what lint asks of a new file (tolerances of the dtypes it uses, known tags)."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from dlconform import reference
from dlconform.cli import main
from dlconform.format.suite import bundled_dir, iter_cases, load_files, read_file
from dlconform.judge.expected import reference_value

NEW_CASE = """- id: my-negative-tail
  description: "Far negative inputs: catches 1 - sigmoid(-x), which cancels to 0."
  tags: [stability]
  args: [{array: [-30.0, -45.5], dtype: float64}]
"""

OWN_FILE = """format: 1
function: sigmoid
params: [x]
description: "My own sigmoid cases, float64 only."
accuracy: pointwise
tolerance:
  float64: {rtol: 4.440892098500626e-16, atol: 0.0}
cases:
- id: my-core
  description: "A few ordinary values."
  tags: [core, x-week1]
  args: [{array: [-1.0, 0.0, 2.0], dtype: float64}]
"""


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_the_documented_flow_adds_a_case_to_a_function(tmp_path: Path) -> None:
    folder = tmp_path / "vectors"
    shutil.copytree(bundled_dir(), folder)
    path = folder / "sigmoid.yaml"
    before = path.read_text(encoding="utf-8")
    # 1. write the case with its args only
    path.write_text(before + NEW_CASE, encoding="utf-8")
    # 2. lint says what is missing, and only that
    linted = invoke("lint", str(path))
    assert linted.exit_code == 1
    assert linted.stdout.splitlines() == [
        f"{path}:{before.count(chr(10)) + 1}: case my-negative-tail: no expected value yet: run 'dlconform generate' "
        "(or give expected_any or raises)"
    ]
    # 3. generate fills it in and says so once
    generated = invoke("generate", str(folder))
    assert generated.exit_code == 0, generated.output
    files = len(list(folder.glob("*.yaml")))
    assert generated.stdout.splitlines() == [f"rewrote {path}; {files - 1} file(s) up to date"]
    # 4. review the diff: the one new line is the reference's value
    added = [
        line[1:]
        for line in difflib.unified_diff(before.splitlines(), path.read_text(encoding="utf-8").splitlines())
        if line.startswith("+") and not line.startswith("+++")
    ]
    assert added[:-1] == NEW_CASE.splitlines()
    assert added[-1].startswith("  expected: {array: [")
    (case,) = [c for c in read_file(path)[0].cases if c.id == "my-negative-tail"]  # type: ignore[union-attr]
    np.testing.assert_array_equal(case.expected, reference_value(case))  # the reference, rounded once
    np.testing.assert_allclose(case.expected, reference.sigmoid(np.array([-30.0, -45.5])), rtol=1e-15)
    # 5. lint and the CI check pass
    assert invoke("lint", str(folder)).stdout.strip() == "no problems"
    assert invoke("generate", "--check", str(folder)).exit_code == 0


def test_a_float64_file_of_ones_own_needs_only_a_float64_tolerance(tmp_path: Path) -> None:
    path = tmp_path / "my_sigmoid.yaml"
    path.write_text(OWN_FILE, encoding="utf-8")
    assert invoke("generate", str(path)).stdout.strip() == f"rewrote {path}; 0 file(s) up to date"
    assert invoke("lint", str(path)).stdout.strip() == "no problems"
    ran = invoke("run", str(Path(__file__).parent.parent / "examples" / "careful.py"), "--vectors", str(path),
                 "--no-bundled")  # fmt: skip
    ids = [c.id for c in iter_cases(load_files([path]))]
    assert ids == ["my-core", "my-core@strided", "my-core@reversed"]  # a core case runs in its layouts too
    assert ran.exit_code == 0 and ran.stdout.splitlines()[-1].startswith("3 passed"), ran.output


@pytest.mark.parametrize(
    ("values", "missing"),
    [
        ("{array: [-1.0, 2.0], dtype: float32}", "float32"),
        ("{scalar: 0.5, dtype: float16}", "float16"),
    ],
)
def test_lint_asks_for_the_tolerance_of_each_dtype_used(tmp_path: Path, values: str, missing: str) -> None:
    path = tmp_path / "my_sigmoid.yaml"
    path.write_text(OWN_FILE.replace("{array: [-1.0, 0.0, 2.0], dtype: float64}", values), encoding="utf-8")
    result = invoke("lint", str(path))
    assert result.exit_code == 1
    wanted = f"accuracy pointwise needs a default tolerance for {missing} (the file has {missing} cases)"
    assert [line.split(": ", 1)[1] for line in result.stdout.splitlines()] == [
        wanted,
        "case my-core: no expected value yet: run 'dlconform generate' (or give expected_any or raises)",
    ]


def test_a_domain_dtype_needs_its_tolerance_too(tmp_path: Path) -> None:
    path = tmp_path / "my_sigmoid.yaml"
    domain = 'domain:\n  shapes: [[["n"]]]\n  dims: {"n": [1, 4]}\n  dtypes: [float16]\n  range: [-5.0, 5.0]\ncases:\n'
    path.write_text(OWN_FILE.replace("cases:\n", domain), encoding="utf-8")
    assert "needs a default tolerance for float16" in invoke("lint", str(path)).stdout


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("cor", "unknown tag 'cor' (did you mean 'core'? known: article, course, core, dtype, edge, stability, large"),
        ("stabilty", "did you mean 'stability'?"),
        ("zzz", "unknown tag 'zzz' (known: article,"),
    ],
)
def test_unknown_tags_are_refused_with_a_suggestion(tmp_path: Path, tag: str, message: str) -> None:
    path = tmp_path / "my_sigmoid.yaml"
    path.write_text(OWN_FILE.replace("tags: [core, x-week1]", f"tags: [core, {tag}]"), encoding="utf-8")
    result = invoke("lint", str(path))
    assert result.exit_code == 1
    assert message in result.stdout and "tags of your own start with x-" in result.stdout
