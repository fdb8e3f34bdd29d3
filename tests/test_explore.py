"""dlconform explore: it finds, with no stored case, the precision escapes of issue 21, shrinks them, and prints
cases that paste into a vector file, generate, and then catch the mistake; deterministic by seed; isolated on
request; one line and exit 2 without hypothesis."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from dlconform.catalogue import FUNCTIONS
from dlconform.cli import main
from dlconform.format.suite import load_files
from dlconform.tools import explore as ex

from tests.mutants.escapes import sigmoid_exp_of_log1p, tanh_float32_inside
from tests.test_isolate import write

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
ROOT = Path(__file__).resolve().parents[1]
HEADER = """format: 1
function: sigmoid
params: [x]
description: "Logistic function 1 / (1 + exp(-x)), elementwise."
accuracy: pointwise
tolerance:
  float64: {rtol: 1.7763568394002505e-15, atol: 1.7763568394002505e-15}
cases:
"""


def domain_file(function: str):
    """The bundled vector file of ``function`` (it has a domain)."""
    return next(vf for vf in load_files() if vf.function == function)


def float64_probe(fn, function: str, seed: int = 0, examples: int = 100) -> ex.Finding | None:
    """One float64 search of ``fn`` with a minute's budget."""
    found, _ = ex.probe(fn, domain_file(function), np.dtype("float64"), seed, examples, time.monotonic() + 60)
    return found


def test_finds_the_log1p_sigmoid_and_its_pasted_case_catches_it(tmp_path: Path) -> None:
    found = float64_probe(sigmoid_exp_of_log1p, "sigmoid")
    assert found is not None and found.failure == "precision"
    assert "confirmed against mpmath" in found.message
    x = np.asarray(found.case.args[0], dtype=np.float64)
    assert x.size == 1 and -750 < float(x.reshape(-1)[0]) < -15  # shrunk to one value in the tail
    path = tmp_path / "sigmoid.yaml"
    path.write_text(HEADER + found.to_yaml(1), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["generate", str(path)]).exit_code == 0
    assert runner.invoke(main, ["lint", str(path)]).output.strip().endswith("no problems")
    stored = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"][0]
    assert "expected" in stored and stored["tolerance"]["ulp"] == 8.0
    mutant = tmp_path / "mutant.py"
    mutant.write_text(
        "import numpy as np\ndef sigmoid(x):\n    return np.exp(-np.log1p(np.exp(-np.asarray(x, dtype=float))))[()]\n"
    )
    caught = runner.invoke(main, ["run", str(mutant), "--no-bundled", "--vectors", str(path), "-q"])
    assert caught.exit_code == 1, caught.output
    reference = runner.invoke(main, ["run", "--profile", "numpy", "--no-bundled", "--vectors", str(path), "-q"])
    assert reference.exit_code == 0, reference.output


def test_finds_a_float32_tanh_behind_a_float64_dtype() -> None:
    found = float64_probe(tanh_float32_inside, "tanh")
    assert found is not None and found.failure == "value"
    assert found.case.level == "inside" and np.asarray(found.case.args[0]).dtype == np.float64


def test_the_reference_deviates_nowhere() -> None:
    reports = ex.explore(lambda f: FUNCTIONS[f].impl, load_files(), ["sigmoid", "relu", "L2"], 0, 15, 30.0)
    assert [r.status for r in reports] == ["explored"] * 3
    assert [f.message for r in reports for f in r.findings] == []


def test_the_same_seed_gives_the_same_finding() -> None:
    first, second = (float64_probe(tanh_float32_inside, "tanh", seed=7, examples=30) for _ in range(2))
    assert first is not None and second is not None
    assert first.to_yaml(1) == second.to_yaml(1)


def test_explore_command_isolated(tmp_path: Path) -> None:
    source = "import numpy as np\ndef tanh(x):\n    a = np.asarray(x)\n    return np.tanh(a.astype(np.float32)).astype(a.dtype if a.dtype.kind == 'f' else np.float64)[()]\n"
    path = write(tmp_path, "float32_tanh.py", source)
    args = ["explore", path, "--isolate", "-f", "tanh", "--max-examples", "10", "--time-budget", "20"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "- id: explore-value-float64-1" in result.output
    assert "# sigmoid: not explored (the target has no such function)" not in result.output  # only -f tanh


def test_explore_without_hypothesis_is_one_line_and_exit_2() -> None:
    code = "import sys; sys.modules['hypothesis'] = None; from dlconform.cli import main; main(['explore', 'x.py'])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "dlconform: error: explore needs hypothesis, which is not installed: pip install 'dlconform[explore]'"
    ]
