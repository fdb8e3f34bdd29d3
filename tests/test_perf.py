"""``run --perf``: a Python loop over elements is flagged against the reference, and fails only under --perf-fail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from dlconform.catalogue import FUNCTIONS
from dlconform.format import safeyaml
from dlconform.format.emit import render
from dlconform.format.suite import bundled_dir, iter_cases, load_files
from dlconform.format.values import encode
from dlconform.run.perf import FLAG_RATIO, measure, perf_cases, warnings_for
from dlconform.targets.resolver import Unavailable

ROOT = Path(__file__).resolve().parent.parent
N = 200_000

LOOPED = '''
import numpy as np


def relu(x):
    """max(x, 0), one element at a time."""
    x = np.asarray(x)
    out = np.empty_like(x)
    src, dst = x.reshape(-1), out.reshape(-1)
    for i in range(src.size):
        dst[i] = np.maximum(src[i], 0.0)
    return out


def tanh(x):
    return np.tanh(x)
'''


def large_relu_file(folder: Path, sizes: tuple[int, ...] = (N, 4 * N)) -> Path:
    """relu's bundled header with large cases of the given sizes only."""
    data = safeyaml.load((bundled_dir() / "relu.yaml").read_text(encoding="utf-8")).data
    cases = [
        {
            "id": f"large-{n}",
            "description": "Generated input.",
            "tags": ["large"],
            "args": [{"generate": "linspace", "start": -5.0, "stop": 5.0, "shape": [n], "dtype": "float64"}],
            "expected": {"generate": "reference"},
        }
        for n in sizes
    ]
    folder.mkdir(exist_ok=True)
    path = folder / "relu.yaml"
    path.write_text(render({**data, "cases": cases}), encoding="utf-8")
    return path


@pytest.fixture
def vectors(tmp_path: Path) -> Path:
    folder = tmp_path / "vectors"
    large_relu_file(folder)
    return folder


def looped_namespace() -> dict:
    namespace: dict = {}
    exec(compile(LOOPED, "looped.py", "exec"), namespace)
    return namespace


def resolver(namespace: dict):
    return lambda name: namespace.get(name) or Unavailable(f"target has no {name}")


def test_the_smallest_large_case_is_timed(vectors: Path) -> None:
    chosen = perf_cases(iter_cases(load_files([vectors])))
    assert list(chosen) == ["relu"] and chosen["relu"].id == f"large-{N}"


def test_a_loop_over_elements_is_flagged_and_the_reference_is_not(vectors: Path) -> None:
    cases = list(iter_cases(load_files([vectors])))
    looped = measure(resolver(looped_namespace()), ["relu", "tanh", "sigmoid"], cases)
    relu, tanh, sigmoid = looped
    assert relu.flagged and relu.ratio is not None and relu.ratio > FLAG_RATIO
    assert relu.elements == N and relu.case == f"large-{N}" and relu.target_s > relu.reference_s
    assert (tanh.ratio, tanh.note) == (None, "no large case in the vectors")
    assert sigmoid.ratio is None and "no large case" in sigmoid.note
    (warning,) = warnings_for(looped)
    assert warning.startswith("perf: relu is") and "Python loop" in warning
    reference = {name: spec.impl for name, spec in FUNCTIONS.items()}
    (own,) = measure(resolver(reference), ["relu"], cases)
    assert own.ratio is not None and not own.flagged and own.ratio < FLAG_RATIO / 5
    missing = measure(resolver({}), ["relu"], cases)[0]
    assert (missing.ratio, missing.note) == (None, "target has no relu")


def test_a_raising_function_is_noted_not_fatal(vectors: Path) -> None:
    def broken(x: object) -> None:
        raise MemoryError("too big")

    (result,) = measure(resolver({"relu": broken}), ["relu"], iter_cases(load_files([vectors])))
    assert result.ratio is None and result.note == "raised MemoryError on the large input"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "NO_COLOR": "1", "DLCONFORM_NO_CACHE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "dlconform", "run", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture
def target_and_vectors(tmp_path: Path) -> tuple[Path, Path]:
    """A looped relu and vectors holding one small stored case and one large case for it."""
    target = tmp_path / "looped.py"
    target.write_text(LOOPED, encoding="utf-8")
    folder = tmp_path / "vectors"
    path = large_relu_file(folder, (N,))
    data = safeyaml.load(path.read_text(encoding="utf-8")).data
    x = np.array([-1.5, 0.0, 2.25])
    small = {
        "id": "small",
        "description": "A small case.",
        "tags": ["edge"],  # not core: no layout variants, the one small case stays one
        "args": [encode(x)],
        "expected": encode(FUNCTIONS["relu"].impl(x)),
    }
    path.write_text(render({**data, "cases": [small, *data["cases"]]}), encoding="utf-8")
    return target, folder


def test_cli_perf_reports_and_only_perf_fail_fails(target_and_vectors: tuple[Path, Path], tmp_path: Path) -> None:
    target, folder = target_and_vectors
    done = run_cli(str(target), "--no-bundled", "--vectors", str(folder), "--perf", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["passed"] == {"relu": ["small"]} and doc["cases"] == []  # the large case only feeds the timing
    (row,) = doc["perf"]
    assert row["function"] == "relu" and row["flagged"] and row["ratio"] > FLAG_RATIO
    assert any(w.startswith("perf: relu is") for w in doc["warnings"])
    text = run_cli(str(target), "--no-bundled", "--vectors", str(folder), "--perf", cwd=tmp_path)
    assert text.returncode == 0 and "perf: relu: " in text.stdout and "warning: perf: relu is" in text.stdout
    failing = run_cli(str(target), "--no-bundled", "--vectors", str(folder), "--perf-fail", "20", cwd=tmp_path)
    assert failing.returncode == 1 and "1 passed, 0 failed" in failing.stdout
    lenient = run_cli(str(target), "--no-bundled", "--vectors", str(folder), "--perf-fail", "1000000", cwd=tmp_path)
    assert lenient.returncode == 0


def test_cli_perf_usage_errors(target_and_vectors: tuple[Path, Path], tmp_path: Path) -> None:
    target, folder = target_and_vectors
    for args in (("--perf", "--isolate"), ("--perf-fail", "0.5"), ("--perf-fail", "fast")):
        done = run_cli(str(target), "--no-bundled", "--vectors", str(folder), *args, cwd=tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "perf" in done.stderr.strip().splitlines()[-1]
