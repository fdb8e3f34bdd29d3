"""Hints say what the evidence shows (issue 19): the dtype hint in the direction the dtype went, the float-overflow
hint only for a float that overflowed."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from dlconform.cli import main


def _first_hint(tmp_path: Path, body: str, function: str) -> str:
    path = tmp_path / "student.py"
    path.write_text(f"import numpy as np\n\n\n{body}\n")
    out = CliRunner().invoke(main, ["run", str(path), "-f", function, "-v"]).output
    return next(line.strip() for line in out.splitlines() if line.strip().startswith("hint:"))


def test_narrower_than_the_contract_asks_says_convert_to_the_wider_dtype(tmp_path: Path) -> None:
    hint = _first_hint(tmp_path, "def tanh(x):\n    return np.tanh(x)", "tanh")  # int8 and bool compute in float16
    assert "float16 where float64 is expected" in hint and "np.asarray(x, dtype=np.float64)" in hint
    assert "do not convert" not in hint


def test_wider_than_the_contract_asks_says_what_widened_it(tmp_path: Path) -> None:
    body = "def sigmoid(x):\n    return 1 / (1 + np.exp(-np.asarray(x, dtype=np.float64)))"
    hint = _first_hint(tmp_path, body, "sigmoid")  # float32 inputs come out float64
    assert "float64 where float32 is expected" in hint and "widened" in hint


def test_an_integer_overflow_is_not_called_a_float_overflow(tmp_path: Path) -> None:
    path = tmp_path / "student.py"
    path.write_text("def sigmoid(x):\n    raise OverflowError('Python integer -30 out of bounds for uint8')\n")
    out = CliRunner().invoke(main, ["run", str(path), "-f", "sigmoid", "-v"]).output
    assert "raised OverflowError at student.py:2" in out and "float overflowed" not in out
    path.write_text(
        "def basic_sigmoid(x):\n    return 1 / (1 + 2.0 ** (-x * 1.4426950408889634))\n"
    )  # no known mistake
    out = CliRunner().invoke(main, ["run", str(path), "-f", "basic_sigmoid", "-v"]).output
    assert "Numerical result out of range" in out and "A Python float overflowed at student.py:2" in out
