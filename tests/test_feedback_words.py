"""Issue 19, part 6: library targets get library words (which binding failed, repro lines in the library's own
call); a student's file keeps a student's words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dlconform import check
from dlconform.report import render
from dlconform.targets.open import open_target
from dlconform.targets.profiles.model import read_profile


def profile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run_repro(line: str) -> None:
    """A repro line must run as it is, in a fresh namespace."""
    exec(compile(line, "<repro>", "exec"), {})


def test_a_binding_that_does_not_resolve_is_named_in_library_words(tmp_path: Path) -> None:
    path = profile(tmp_path, "format: 1\nname: typo\nfunctions: {tanh: 'numpy:tanhh'}\n")
    with open_target(read_profile(path)) as target:
        report = check(target, functions=["tanh"])
    text = render(report, "text")
    assert "profile typo binds tanh to numpy:tanhh, which is not available" in text
    assert "your file" not in text and "Define a function" not in text
    assert {r.failure for r in report.results} == {"unresolved"}


def test_a_profiles_repro_is_the_librarys_own_call(tmp_path: Path) -> None:
    pytest.importorskip("scipy")
    path = profile(tmp_path, "format: 1\nname: wrong\nfunctions: {L1: 'scipy.spatial.distance:euclidean'}\n")
    with open_target(read_profile(path)) as target:
        report = check(target, functions=["L1"], tags=["article"])
    (bad,) = [r for r in report.results if r.outcome == "failed"]
    line = bad.details["repro"]
    assert line.startswith("import scipy.spatial.distance; import numpy as np; scipy.spatial.distance.euclidean(np.")
    run_repro(line)


def test_torch_repro_builds_tensors(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    path = profile(tmp_path, "format: 1\nname: t\nextends: torch\nfunctions: {sigmoid: 'torch:tanh'}\n")
    with open_target(read_profile(path)) as target:
        report = check(target, functions=["sigmoid"], tags=["article"])
    lines = [r.details["repro"] for r in report.results if r.outcome != "passed"]
    assert lines and all(line.startswith("import torch; torch.tanh(") for line in lines)
    assert any("torch.tensor([2, 3, 4], dtype=torch.int64)" in line for line in lines)
    for line in lines:
        run_repro(line)


def test_a_students_file_keeps_student_words(tmp_path: Path) -> None:
    student = tmp_path / "student.py"
    student.write_text("import numpy as np\n\ndef relu(x):\n    return np.maximum(x, 0)\n", encoding="utf-8")
    text = render(check(str(student), functions=["relu", "tanh"]), "text")
    assert "define each as a function at the top level of your file" in text
    assert np.isfinite(1.0)
