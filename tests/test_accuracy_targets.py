"""dlconform accuracy FILE: accuracy sweeps of files and notebooks, not only of library profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from dlconform.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("target", "kind"), [("examples/tutorial.py", "file"), ("tests/data/notebooks/course.ipynb", "notebook")]
)
def test_accuracy_sweeps_a_file_or_a_notebook(target: str, kind: str) -> None:
    args = ["accuracy", str(ROOT / target), "-f", "sigmoid", "--dtypes", "float64", "--points", "1000"]
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["header"]["kind"] == kind
    (row,) = data["rows"]
    assert (row["function"], row["status"], row["points"]) == ("sigmoid", "measured", 1000)
    assert row["flushed"] > 0  # 1 / (1 + exp(-x)) flushes the subnormal tail to 0: the sweep sees the code itself


def test_accuracy_of_a_file_without_the_function_says_so(tmp_path: Path) -> None:
    path = tmp_path / "only_relu.py"
    path.write_text("import numpy as np\ndef relu(x):\n    return np.maximum(x, 0)\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["accuracy", str(path), "-f", "tanh", "--dtypes", "float64", "--points", "100"])
    assert result.exit_code == 0 and "missing" in result.output
