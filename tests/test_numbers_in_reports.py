"""Reports print numbers, not NumPy reprs: NumPy 2 spells a scalar's repr ``np.float64(-0.0)``, and no report
(text, JSON, Markdown, HTML, JUnit XML, Gradescope) may show that where it means the number ``-0.0``.

The one exception is the repro line, which is Python source: a NumPy scalar input is spelled
``np.float32(0.3)`` there on purpose, as calling with a Python float would be another case.
"""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner
from dlconform.cli import main
from dlconform.report.jsondoc import every_case
from dlconform.text import number

# A NumPy scalar's repr under NumPy 2: np.float64(...), np.int64(...), np.True_, np.str_('...'), ...
SCALARS = (
    "float|int|uint|complex|bool|longdouble|clongdouble|half|single|double|longlong|ulonglong|intc|uintc|str|bytes"
)
NUMPY_REPR = re.compile(rf"\bnp\.(?:(?:{SCALARS})\d*_?\(|True_|False_)")
# Each function fails in a way whose message quotes values: a zero of the wrong sign, a finite value where inf is
# expected, NaN for a number, and a wrong result for a NumPy-scalar input (whose repro spells np.float32(...)).
FAILING = """import numpy as np

def multiply(a, b):
    return np.multiply(a, b) + 0.0

def relu(x):
    return np.minimum(np.maximum(x, 0), 1e300)

def tanh(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))

def basic_sigmoid(x):
    return 0.5
"""
SELECTION = ["-f", "multiply", "-f", "relu", "-f", "tanh", "-f", "basic_sigmoid", "--exclude-tag", "large"]


def invoke(args: list[str]) -> str:
    """Run the CLI in-process; its stdout."""
    done = CliRunner().invoke(main, args, catch_exceptions=False)
    assert done.exit_code in (0, 1), done.output
    return done.output


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The failing file's report in every format: run's text, JSON, Markdown, HTML and JUnit; grade's Gradescope
    JSON and its per-submission JSON and HTML page."""
    folder = tmp_path_factory.mktemp("numbers")
    target = folder / "failing.py"
    target.write_text(FAILING, encoding="utf-8")
    out: dict[str, str] = {}
    for fmt in ("text", "json", "markdown", "html"):
        report = folder / f"report.{fmt}"
        args = ["run", str(target), *SELECTION, "--format", fmt, "-o", str(report), "-v", "--no-color"]
        if fmt == "text":
            args += ["--junit-xml", str(folder / "junit.xml")]
        invoke(args)
        out[fmt] = report.read_text(encoding="utf-8")
    out["junit"] = (folder / "junit.xml").read_text(encoding="utf-8")
    out["stdout"] = invoke(["run", str(target), *SELECTION, "-v", "--no-color"])
    graded = folder / "graded"
    invoke(["grade", str(target), *SELECTION, "--out", str(graded), "--html", "--gradescope", str(folder / "gs.json")])
    out["gradescope"] = (folder / "gs.json").read_text(encoding="utf-8")
    for kind in ("json", "html"):  # named for the submission's path
        (page,) = graded.glob(f"*failing.py.{kind}")
        out[f"graded {kind}"] = page.read_text(encoding="utf-8")
    return out


def without_repros(text: str, doc: dict) -> str:
    """``text`` with every repro line of the JSON report ``doc`` removed, as written in each format's escaping."""
    for case in every_case(doc):
        repro = case.get("details", {}).get("repro")
        if repro:
            for spelled in {repro, html.escape(repro), html.escape(repro, quote=False), json.dumps(repro)[1:-1]}:
                text = text.replace(spelled, "")
    return text


def test_the_failing_file_fails_with_messages_that_quote_values(reports: dict[str, str]) -> None:
    """The check below has something to find: the messages quote the values, and a repro spells a NumPy scalar."""
    for name, text in reports.items():
        assert "zero of the wrong sign (0.0 where -0.0 is expected)" in text, name
        assert "1e+300 where inf is expected" in html.unescape(text), name
    assert "basic_sigmoid(np.float32(" in reports["text"]


@pytest.mark.parametrize(
    "name", ["text", "json", "markdown", "html", "junit", "stdout", "gradescope", "graded json", "graded html"]
)
def test_no_report_shows_a_numpy_repr(reports: dict[str, str], name: str) -> None:
    doc = json.loads(reports["json"])
    left = NUMPY_REPR.findall(without_repros(reports[name], doc))
    assert not left, f"{name}: NumPy reprs outside repro lines: {left[:5]}"


@pytest.mark.parametrize(
    ("value", "spelled"),
    [
        (np.float64(-0.0), "-0.0"),
        (np.float32(0.3), "0.3"),
        (np.float16(-1.5), "-1.5"),
        (np.float64("inf"), "inf"),
        (np.float64("nan"), "nan"),
        (np.int64(-3), "-3"),
        (np.uint8(7), "7"),
        (np.bool_(True), "True"),
        (0.1 + 0.2, "0.30000000000000004"),
        (-0.0, "-0.0"),
        (float("inf"), "inf"),
        (3, "3"),
        ("nan", "nan"),
        (None, "None"),
    ],
)
def test_number_spells_values_as_numbers(value: object, spelled: str) -> None:
    assert number(value) == spelled


def test_number_keeps_every_digit_of_a_double() -> None:
    """A double prints as Python prints the plain value (NumPy 1's repr): every digit, so it reads back the same."""
    for x in (np.nextafter(np.float64(1.0), 2.0), np.float64(2.5e-308), np.float64(-7.25), np.float64(1e300)):
        assert number(x) == repr(x.item()) and float(number(x)) == x
