"""``dlconform run`` end to end, as a user runs it: exit codes, one-line errors, report files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from dlconform.commands.common import use_color
from dlconform.format.suite import iter_cases, load_files
from dlconform.report.jsondoc import every_case
from dlconform.run.select import select

ROOT = Path(__file__).parent.parent
FAKES = Path(__file__).parent / "fakes"
FAKE_VECTORS = str(FAKES / "vectors")
EXAMPLES = ROOT / "examples"


def dlconform(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "dlconform", "run", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def one_error_line(result: subprocess.CompletedProcess[str], text: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("dlconform: error: ") and text in result.stderr


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["no_such_file.py"], "no such file: no_such_file.py"),
        (["no_such_module_xyz"], "no module named 'no_such_module_xyz'"),
        (["dlconform.reference", "-f", "sigmod"], "unknown function 'sigmod'"),
        (["dlconform.reference", "-t", "nope", "--no-bundled", "--vectors", FAKE_VECTORS], "unknown tag 'nope'"),
        (["dlconform.reference", "-k", "sigmoid and", "--no-bundled", "--vectors", FAKE_VECTORS], "-k 'sigmoid and'"),
        (
            ["dlconform.reference", "-k", "zzz", "--no-bundled", "--vectors", FAKE_VECTORS],
            "no case matches the selection",
        ),
        (["dlconform.reference", "--vectors", "no/such/folder"], "no/such/folder: no such file or folder"),
        (["dlconform.reference", "--strict-baseline"], "--strict-baseline needs --baseline FILE"),
        (["dlconform.reference", "--baseline", "pyproject.toml"], "pyproject.toml"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args, text):
    one_error_line(dlconform(*args), text)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["dlconform.reference", "--rtol", "abc"], "--rtol"),
        (["dlconform.reference", "--atol", "-1"], "--atol"),
        (["dlconform.reference", "--rtol", "nan"], "--rtol"),
        (["dlconform.reference", "--format", "xml"], "--format"),
        (["dlconform.reference", "--no-such-option"], "--no-such-option"),
    ],
)
def test_bad_option_values_are_one_line_naming_the_option(args, option):
    one_error_line(dlconform(*args), option)


def test_bad_vector_file_exits_2(tmp_path):
    bad = tmp_path / "sigmoid.yaml"
    bad.write_text("format: 1\nfunction: sigmoid\ncases: [oops\n")
    result = dlconform("dlconform.reference", "--vectors", str(bad))
    assert result.returncode == 2
    assert str(bad) in result.stderr and "Traceback" not in result.stderr


def test_a_raising_top_level_line_is_a_warning_and_the_rest_is_judged():
    result = dlconform(str(FAKES / "import_error.py"), "--no-bundled", "--vectors", FAKE_VECTORS, "--format", "json")
    assert result.returncode == 1  # the functions it does not define are errors
    report = json.loads(result.stdout)
    assert any("RuntimeError: cannot find weights.npz" in w for w in report["warnings"])
    outcomes = {(c["key"].split("::")[0], c["outcome"], c.get("failure", "")) for c in every_case(report)}
    assert outcomes == {("sigmoid", "passed", ""), ("normalizeRows", "error", "missing")}
    assert report["target"]["load_error"] is None


def test_a_file_that_does_not_parse_exits_1_with_its_load_error(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("def relu(x)\n    return x\n")
    result = dlconform(str(path), "--no-bundled", "--vectors", FAKE_VECTORS, "--format", "json")
    assert result.returncode == 1
    assert result.stderr.startswith("dlconform: target failed to import: SyntaxError: ")
    report = json.loads(result.stdout)
    assert {(c["outcome"], c["failure"]) for c in report["cases"]} == {("error", "import-error")}


def test_the_reference_module_passes_everything():
    result = dlconform("dlconform.reference")
    assert result.returncode == 0, result.stdout[-2000:]
    total = len(select(iter_cases(load_files())))  # the default selection: large cases only with --tag large
    assert result.stdout.rstrip().splitlines()[-1] == f"{total} passed, 0 failed"


def test_careful_example_passes_everything():
    result = dlconform(str(EXAMPLES / "careful.py"), "--format", "json")
    report = json.loads(result.stdout)
    assert result.returncode == 0, [c["key"] for c in report["cases"] if c["outcome"] != "passed"]
    assert report["summary"]["passed"] == report["summary"]["total"] > 0


def test_tutorial_example_fails_but_passes_every_article_case():
    result = dlconform(str(EXAMPLES / "tutorial.py"), "--format", "json")
    assert result.returncode == 1
    cases = every_case(json.loads(result.stdout))
    keys = {c.key for c in iter_cases(load_files()) if "article" in c.tags}
    article = [c for c in cases if c["key"] in keys]  # a passing case is listed by id only
    assert len(article) == len(keys) and [c["key"] for c in article if c["outcome"] != "passed"] == []
    assert any(c["outcome"] != "passed" for c in cases)


def test_sys_exit_inside_a_function_is_an_error_and_the_run_goes_on(tmp_path):
    target = tmp_path / "quitter.py"
    target.write_text("import sys\n\ndef sigmoid(x):\n    sys.exit(0)\n")
    result = dlconform(str(target), "--no-bundled", "--vectors", FAKE_VECTORS, "-f", "sigmoid", "--format", "json")
    assert result.returncode == 1
    cases = json.loads(result.stdout)["cases"]
    assert len(cases) == 10 and {c["failure"] for c in cases} == {"raised:SystemExit"}  # 5 stored, 5 layout variants


def test_what_the_target_prints_does_not_corrupt_json():
    result = dlconform(
        str(FAKES / "noisy.py"), "--no-bundled", "--vectors", FAKE_VECTORS, "-f", "sigmoid", "--format", "json"
    )
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["warnings"][0] == "target printed while loading: hello from the target"


def test_selection_options(tmp_path):
    result = dlconform("dlconform.reference", "--no-bundled", "--vectors", FAKE_VECTORS, "-f", "normalize_rows", "-f", "sigmoid",
                       "-t", "core", "--exclude-tag", "dtype", "-k", "not rows", "--format", "json")  # fmt: skip
    assert result.returncode == 0
    keys = ["sigmoid::core-column", "sigmoid::core-column@strided", "sigmoid::core-column@reversed"]
    assert json.loads(result.stdout)["passed"] == {"sigmoid": [k.split("::")[1] for k in keys]}


def test_tolerance_and_dtype_options(tmp_path):
    target = tmp_path / "rough.py"
    target.write_text("import numpy as np\nfrom dlconform.reference import sigmoid as s\n\n"
                      "def sigmoid(x):\n    return np.asarray(s(x), dtype=np.float64) * (1 + 1e-6)\n")  # fmt: skip
    args = (str(target), "--no-bundled", "--vectors", FAKE_VECTORS, "-f", "sigmoid", "-k", "not nan")
    assert dlconform(*args).returncode == 1
    loose = dlconform(*args, "--rtol", "1e-5", "--format", "json")
    assert loose.returncode == 1  # within --rtol, but float64 for a float32 input is not the contract's dtype
    failed = {c["id"]: c["failure"] for c in json.loads(loose.stdout)["cases"] if c["outcome"] != "passed"}
    assert failed == dict.fromkeys(
        ["core-float32", "core-float32@fortran", "core-float32@strided", "core-float32@reversed"], "dtype"
    )


def test_report_files_and_baselines(tmp_path):
    report, junit, baseline = tmp_path / "out" / "report.md", tmp_path / "junit.xml", tmp_path / "known.yaml"
    report.parent.mkdir()  # an output file's folder must exist (tests/test_cli_usage.py)
    tutorial = str(EXAMPLES / "tutorial.py")
    first = dlconform(tutorial, "-o", str(report), "--format", "markdown", "--junit-xml", str(junit),
                      "--write-baseline", str(baseline))  # fmt: skip
    assert first.returncode == 0  # writing the baseline was what was asked (tests/test_gates.py)
    assert first.stdout == ""
    assert "report written to" in first.stderr
    assert report.read_text().startswith("## dlconform")
    failures = int(ET.parse(junit).getroot().get("failures", 0)) + int(ET.parse(junit).getroot().get("errors", 0))
    assert failures > 0
    assert [p.name for p in report.parent.iterdir()] == ["report.md"]  # atomic write left no temporary file
    assert dlconform(tutorial, "--baseline", str(baseline)).returncode == 0
    careful = str(EXAMPLES / "careful.py")
    assert dlconform(careful, "--baseline", str(baseline)).returncode == 0
    assert dlconform(careful, "--baseline", str(baseline), "--strict-baseline").returncode == 1


def test_no_colour_unless_a_terminal_asks_for_it(monkeypatch):
    result = dlconform("dlconform.reference", "--no-bundled", "--vectors", FAKE_VECTORS)
    assert "\x1b[" not in result.stdout
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color("text", None, no_color=False)
    assert not use_color("text", None, no_color=True)
    assert not use_color("json", None, no_color=False)
    assert not use_color("text", "report.txt", no_color=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color("text", None, no_color=False)


def test_the_readme_states_the_suite_as_it_is():
    """README's counts (stored cases, layout variants, the quick start's passed line) follow the vectors."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    default = select(iter_cases(load_files()))
    variants = sum("@" in case.id for case in default)
    assert f" {len(default) - variants} cases with stable ids" in readme
    assert f"{variants} layout variants" in readme
    assert f"(`{len(default)} passed, 0 failed`, exit 0)" in readme


def test_a_module_target_named_like_a_profile_points_at_the_profile(tmp_path):
    """``run numpy`` checks numpy's attributes by the tutorial's names (nearly all missing); the run says that
    ``--profile numpy`` checks the library; a file named ``numpy`` in the folder is a file target, with no note."""
    result = dlconform("numpy", "-f", "relu", cwd=tmp_path)
    assert "'numpy' is checked as a module" in result.stdout + result.stderr and "--profile numpy" in result.stdout
    assert "checked as a module" not in dlconform("dlconform.reference", "-f", "relu", cwd=tmp_path).stdout
    (tmp_path / "numpy").write_text("def relu(x):\n    return x * (x > 0)\n")
    assert "checked as a module" not in dlconform("numpy", "-f", "relu", cwd=tmp_path).stdout
