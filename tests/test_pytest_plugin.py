"""The pytest plugin, run in pytester sessions against small fake targets."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from dlconform.cli import main
from dlconform.format.suite import iter_cases, load_files
from dlconform.judge.compare import DEFAULTS, Options
from dlconform.report.shown import telling
from dlconform.results import Report
from dlconform.run.baseline import dump_baseline
from dlconform.run.engine import run_cases
from dlconform.run.select import select
from dlconform.targets.load import ModuleTarget
from dlconform.targets.open import open_target
from dlconform.targets.resolver import Unavailable

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
ALL = select(iter_cases(load_files()))  # the default selection: large cases only with --tag large
# Installed (pip install -e .), the entry point loads the plugin in every session; from a bare checkout, -p does.
INSTALLED = any(ep.value == "dlconform.pytest_plugin" for ep in entry_points(group="pytest11"))
# The inner sessions need no hypothesis: its plugin's end-of-session import costs a second per run.
PLUGIN = (
    *(() if INSTALLED else ("-p", "dlconform.pytest_plugin")),
    "-p",
    "no:cacheprovider",
    "-p",
    "no:hypothesispytest",
)

GOOD = "from dlconform.reference import sigmoid, relu\n"
BROKEN = """
import numpy as np
from dlconform.reference import sigmoid as _sigmoid

def sigmoid(x):
    if np.ndim(x) > 1:
        return np.ravel(_sigmoid(x))  # wrong shape for matrices
    return _sigmoid(x)

def tanh(x):
    raise ValueError("not written yet")
"""


def cases_of(*functions: str) -> list:
    return [c for c in ALL if c.function in functions]


def expected_report(source: Path, *functions: str, options: Options = DEFAULTS) -> Report:
    """What the runner itself says about the target, to compare the plugin's outcomes with."""
    target = open_target(str(source))
    return Report({}, {}, "", run_cases(cases_of(*functions), target.resolve, options))


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*PLUGIN, *args)


def test_inert_without_the_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = run(pytester)
    result.assert_outcomes(passed=1)
    assert "dlconform target" not in result.stdout.str() and "dlconform::" not in result.stdout.str()
    run(pytester, "--help").stdout.fnmatch_lines(["*--dlconform=TARGET*", "*--dlconform-baseline=FILE*"])


def test_a_correct_target_passes_every_case(pytester: pytest.Pytester) -> None:
    target = pytester.makepyfile(good=GOOD)
    result = run(
        pytester, "--dlconform", str(target), "--dlconform-function", "sigmoid", "--dlconform-function", "relu"
    )
    cases = cases_of("sigmoid", "relu")
    result.assert_outcomes(passed=len(cases))
    result.stdout.fnmatch_lines([f"dlconform target: {target} (file {target})*", f"collected {len(cases)} items"])


def test_nodeids_end_with_function_and_case(pytester: pytest.Pytester) -> None:
    target = pytester.makepyfile(good=GOOD)
    result = run(pytester, "--dlconform", str(target), "--dlconform-function", "sigmoid", "--collect-only", "-q")
    ids = [line for line in result.outlines if "::" in line]
    in_order = sorted(cases_of("sigmoid"), key=lambda c: telling(c.level, c.tags))  # as every report orders them
    assert ids == [f"dlconform::{c.key}" for c in in_order]
    assert [c.level for c in in_order] == sorted(c.level for c in in_order)[::-1]  # inside before beyond


def test_failures_errors_and_missing_functions(pytester: pytest.Pytester) -> None:
    target = pytester.makepyfile(broken=BROKEN)
    functions = ("sigmoid", "tanh", "relu")
    result = run(pytester, "--dlconform", str(target), *(a for f in functions for a in ("--dlconform-function", f)))
    report = expected_report(target, *functions)
    expected = report.counts()  # the cases of a function not defined are not counted: it is named once
    missing = len(cases_of("relu"))
    assert report.not_defined == ["relu"] and expected["error"] > 0 and expected["failed"] > 0
    # a wrong result or an exception from the target fails the item; a missing function is one error, its other
    # cases skipped with a pointer to it (issue 19)
    result.assert_outcomes(
        passed=expected["passed"], failed=expected["failed"] + expected["error"], errors=1, skipped=missing - 1
    )
    shape = next(c for c in cases_of("sigmoid") if len(getattr(c.args[0], "shape", ())) == 2)
    out = result.stdout.str()
    assert f"FAILED dlconform::{shape.key} - shape " in out
    assert "repro: sigmoid(np.array([[" in out
    assert "raised ValueError at broken.py:10: not written yet" in out  # the line of the target that raised
    assert out.count("ERROR dlconform::relu::") == 1 and "target has no relu" in out
    assert "Traceback" not in out


def test_what_a_call_prints_is_left_to_pytest_capture(pytester: pytest.Pytester) -> None:
    target = pytester.makepyfile(chatty="def relu(x):\n    print('relu was called')\n    return x\n")
    result = run(pytester, "--dlconform", str(target), "--dlconform-function", "relu")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*Captured stdout call*", "relu was called"])


def test_a_target_that_fails_to_import(pytester: pytest.Pytester) -> None:
    target = pytester.makepyfile(crashing="def sigmoid(x)\n    return x\n")
    result = run(pytester, "--dlconform", str(target), "--dlconform-function", "sigmoid")
    result.assert_outcomes(errors=len(cases_of("sigmoid")))
    result.stdout.fnmatch_lines(["*target failed to import: SyntaxError: *"])


def test_selection_by_tag_and_k(pytester: pytest.Pytester) -> None:
    target = pytester.makepyfile(good=GOOD)
    sigmoid = cases_of("sigmoid")
    stability = [c for c in sigmoid if "stability" in c.tags]
    tagged = run(
        pytester, "--dlconform", str(target), "--dlconform-function", "sigmoid", "--dlconform-tag", "stability"
    )
    tagged.assert_outcomes(passed=len(stability))
    # -k matches case ids and tags: dtype-float32-scalar is tagged core without saying so in its id
    core = [c for c in sigmoid if "core" in c.tags or "core" in c.id]
    assert any("core" not in c.id for c in core)
    by_k = run(pytester, "--dlconform", str(target), "--dlconform-function", "sigmoid", "-k", "core")
    by_k.assert_outcomes(passed=len(core))


@pytest.mark.skipif(np.finfo(np.longdouble).eps == np.finfo(np.float64).eps, reason="long double is float64 here")
def test_strict_dtype(pytester: pytest.Pytester) -> None:
    """basic_sigmoid's contract names only a real number; --strict-dtype asks the float64 of a Python float."""
    target = pytester.makepyfile(
        wide="import numpy as np\nfrom dlconform.reference import basic_sigmoid as _s\n"
        "def basic_sigmoid(x):\n    return np.longdouble(_s(x))\n"
    )
    widened = expected_report(target, "basic_sigmoid", options=Options(strict_dtype=True)).counts()
    assert widened["failed"] > 0
    args = ("--dlconform", str(target), "--dlconform-function", "basic_sigmoid")
    run(pytester, *args).assert_outcomes(passed=len(cases_of("basic_sigmoid")))
    strict = run(pytester, *args, "--dlconform-strict-dtype")
    strict.assert_outcomes(passed=widened["passed"], failed=widened["failed"])
    strict.stdout.fnmatch_lines([f"*dtype {np.dtype(np.longdouble)} where float64 is expected (--strict-dtype)*"])


def test_baseline_entries_are_xfail(pytester: pytest.Pytester) -> None:
    target = pytester.makepyfile(broken=BROKEN)
    report = expected_report(target, "sigmoid", "tanh")
    failing = [r for r in report.results if r.outcome != "passed"]
    text = dump_baseline(report)
    changed = failing[0]
    text = text.replace(f"failure: {changed.failure}\n", "failure: value\n", 1)
    passing = next(r for r in report.results if r.outcome == "passed")
    text += f"- {{id: '{passing.key}', reason: fixed since, failure: value, outcome: failed}}\n"
    baseline = pytester.path / "baseline.yaml"
    baseline.write_text(text, encoding="utf-8")
    result = run(
        pytester,
        *("--dlconform", str(target), "--dlconform-function", "sigmoid", "--dlconform-function", "tanh"),
        *("--dlconform-baseline", str(baseline), "-rxX"),
    )
    result.assert_outcomes(
        passed=report.counts()["passed"] - 1, xfailed=len(failing) - 1, failed=1, xpassed=1
    )  # fmt: skip
    result.stdout.fnmatch_lines(
        ["*fails differently than the baseline says (baseline: value)*", f"XPASS dlconform::{passing.key}*"]
    )


def test_a_missing_function_in_the_baseline_is_xfail(pytester: pytest.Pytester) -> None:
    target = pytester.makepyfile(good=GOOD)
    case = cases_of("tanh")[0]
    baseline = pytester.path / "baseline.yaml"
    baseline.write_text(f"- {{id: '{case.key}', reason: not in this course, failure: missing, outcome: error}}\n")
    args = ("--dlconform", str(target), "--dlconform-function", "tanh", "--dlconform-baseline", str(baseline))
    result = run(pytester, *args, "-rx", "-k", case.id)
    result.assert_outcomes(xfailed=1)
    # pytest >= 9.1 words an xfail raised in setup "XFAIL at setup of ..."
    result.stdout.fnmatch_lines([f"XFAIL *dlconform::{case.key} - baseline: error/missing: not in this course"])


MY_CASE = """format: 1
function: sigmoid
params: [x]
description: "One case of a course's own."
accuracy: pointwise
tolerance:
  float64: {rtol: 4.440892098500626e-16, atol: 0.0}
cases:
- id: my-edge
  description: "A few ordinary values."
  tags: [edge]
  args: [{array: [-1.0, 0.0, 2.0], dtype: float64}]
"""


def test_vectors_add_to_the_bundled_suite_as_in_run(pytester: pytest.Pytester) -> None:
    """--dlconform-vectors adds its cases to the bundled ones, as run's --vectors; --dlconform-no-bundled: only those."""
    mine = pytester.path / "mine.yaml"
    mine.write_text(MY_CASE, encoding="utf-8")
    assert CliRunner().invoke(main, ["generate", str(mine)]).exit_code == 0  # the reference writes the expected value
    target = pytester.makepyfile(good=GOOD)
    args = ("--dlconform", str(target), "--dlconform-function", "sigmoid", "--dlconform-vectors", str(mine))
    run(pytester, *args).assert_outcomes(passed=len(cases_of("sigmoid")) + 1)
    result = run(pytester, *args, "--dlconform-no-bundled", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*dlconform::sigmoid::my-edge PASSED*"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--dlconform", "no_such_file.py"), "ERROR: --dlconform: no such file: no_such_file.py"),
        (("--dlconform-function", "softplus"), "ERROR: --dlconform: unknown function 'softplus'*"),
        (("--dlconform-baseline", "missing.yaml"), "ERROR: --dlconform: missing.yaml: cannot read*"),
        (("--dlconform-vectors", "nowhere"), "ERROR: --dlconform-vectors: nowhere: no such file or folder"),
        (("--dlconform-no-bundled",), "ERROR: --dlconform-no-bundled needs --dlconform-vectors PATH*"),
    ],
)
def test_bad_options_are_usage_errors(pytester: pytest.Pytester, args: tuple[str, ...], message: str) -> None:
    target = pytester.makepyfile(good=GOOD)
    result = run(pytester, "--dlconform", str(target), *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str()


def test_entry_point_is_declared() -> None:
    """The installed distribution declares the plugin (importlib.metadata: tomllib is Python 3.11+)."""
    (entry,) = entry_points(group="pytest11", name="dlconform")
    assert entry.value == "dlconform.pytest_plugin"


def test_unavailable_marks_skip(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """An Unavailable that says skipped (a library that declares a function unsupported) skips the item."""
    monkeypatch.setattr(
        ModuleTarget, "resolve", lambda self, f: Unavailable("not supported here", "skipped", "unsupported")
    )
    target = pytester.makepyfile(good=GOOD)
    result = run(pytester, "--dlconform", str(target), "--dlconform-function", "sigmoid")
    result.assert_outcomes(skipped=len(cases_of("sigmoid")))
