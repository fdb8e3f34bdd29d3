"""The pytest plugin for libraries and CI: profiles, bindings, their shipped baseline, and the options of the model
that act at the session's end (write the baseline, the score's and perf's gate)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dlconform.run.baseline import load_baseline
from dlconform.targets.profiles import load_profile

from tests.test_pytest_plugin import GOOD, cases_of, run

pytest_plugins = ["pytester"]


def test_a_profile_runs_with_its_shipped_baseline_and_passes(pytester: pytest.Pytester) -> None:
    pytest.importorskip("torch")
    result = run(pytester, "--dlconform-profile", "torch")
    shipped = load_baseline(str(load_profile("torch").baseline))
    outcomes = result.parseoutcomes()
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-2000:]
    assert outcomes["xfailed"] == len(shipped.entries) and "failed" not in outcomes
    result.stdout.fnmatch_lines([f"dlconform: baseline *torch.baseline.yaml: {len(shipped.entries)} known failures*"])


def test_a_profile_with_a_binding_on_top_uses_its_conversions(pytester: pytest.Pytester) -> None:
    """scipy's profile with sigmoid re-bound: its baseline's sigmoid entries are left out, the rest stay xfail."""
    pytest.importorskip("scipy", reason="SciPy is not installed (its profile)")
    args = ("--dlconform-profile", "scipy", "--dlconform-bind", "sigmoid=dlconform.reference:sigmoid")
    result = run(pytester, *args, "--dlconform-function", "sigmoid", "--dlconform-function", "softmax")
    softmax = [k for k in load_baseline(str(load_profile("scipy").baseline)).entries if k.startswith("softmax::")]
    result.assert_outcomes(passed=len(cases_of("sigmoid", "softmax")) - len(softmax), xfailed=len(softmax))
    result.stdout.fnmatch_lines(["*its 5 entries for sigmoid are left out*"])


def test_bindings_alone(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--dlconform-bind", "relu=dlconform.reference:relu", "--dlconform-function", "relu")
    result.assert_outcomes(passed=len(cases_of("relu")))


def test_write_baseline_exits_0_and_the_baseline_then_passes(pytester: pytest.Pytester) -> None:
    target = pytester.makepyfile(half="from dlconform.reference import sigmoid\ntanh = sigmoid\n")
    path = pytester.path / "known.yaml"
    args = ("--dlconform", str(target), "--dlconform-function", "tanh", "--dlconform-function", "sigmoid")
    failing = run(pytester, *args)
    assert failing.ret == pytest.ExitCode.TESTS_FAILED
    written = run(pytester, *args, "--dlconform-write-baseline", str(path))
    assert written.ret == pytest.ExitCode.OK
    entries = load_baseline(path).entries
    written.stdout.fnmatch_lines([f"dlconform: wrote baseline {path} ({len(entries)} entries)"])
    assert entries and all(k.startswith("tanh::") for k in entries)
    assert run(pytester, *args, "--dlconform-baseline", str(path)).ret == pytest.ExitCode.OK


def test_strict_baseline_fails_a_fixed_case(pytester: pytest.Pytester) -> None:
    target = pytester.makepyfile(good=GOOD)
    case = cases_of("relu")[0]
    path = pytester.path / "baseline.yaml"
    path.write_text(f"- {{id: '{case.key}', reason: once broken, failure: value, outcome: failed}}\n")
    args = ("--dlconform", str(target), "--dlconform-function", "relu", "--dlconform-baseline", str(path))
    assert run(pytester, *args).ret == pytest.ExitCode.OK
    strict = run(pytester, *args, "--dlconform-strict-baseline")
    strict.assert_outcomes(passed=len(cases_of("relu")) - 1, failed=1)


def test_the_assignment_scores_and_fail_under_gates(pytester: pytest.Pytester) -> None:
    args = ("--dlconform", "dlconform.reference", "--dlconform-assignment", "tutorial")
    scored = run(pytester, *args)
    assert scored.ret == pytest.ExitCode.OK
    scored.stdout.fnmatch_lines(["dlconform: score: 14 / 14 (assignment tutorial: *relu 1/1*)"])
    assert run(pytester, *args, "--dlconform-fail-under", "1000").ret == pytest.ExitCode.TESTS_FAILED


def test_dtypes_and_random_cases(pytester: pytest.Pytester) -> None:
    args = ("--dlconform", "dlconform.reference", "--dlconform-function", "sigmoid", "--collect-only", "-q")
    result = run(pytester, *args, "--dlconform-dtypes", "float32", "--dlconform-random", "2", "--dlconform-seed", "7")
    assert "@float32" in result.stdout.str() and "random-7-1" in result.stdout.str()


def test_isolated_in_a_worker(pytester: pytest.Pytester) -> None:
    # A standalone file, as a student's is: GOOD imports dlconform.reference, which a worker's uid cannot read
    # from a checkout in a 0700 folder (CI's second leg).
    target = pytester.path / "careful.py"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "examples" / "careful.py", target)
    result = run(pytester, "--dlconform", str(target), "--dlconform-function", "relu", "--dlconform-timeout", "20")
    result.assert_outcomes(passed=len(cases_of("relu")))
    result.stdout.fnmatch_lines(["dlconform target: *isolated*"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--dlconform-strict-baseline",),
            "ERROR: --dlconform-strict-baseline needs --dlconform-baseline FILE",
        ),
        (
            ("--dlconform-perf", "--dlconform-isolate"),
            "ERROR: --dlconform-perf times the target in this process: it cannot be combined with --dlconform-isolate*",
        ),
        (("--dlconform-profile", "torch"), "ERROR: --dlconform: give a TARGET or --dlconform-profile*"),
    ],
)
def test_bad_combinations_are_one_usage_error(pytester: pytest.Pytester, args: tuple[str, ...], message: str) -> None:
    target = pytester.makepyfile(good=GOOD)
    result = run(pytester, "--dlconform", str(target), *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_perf_times_each_function_at_the_session_end(pytester: pytest.Pytester) -> None:
    args = ("--dlconform", "dlconform.reference", "--dlconform-function", "relu", "--dlconform-perf")
    result = run(pytester, *args)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["dlconform: perf: relu*"])


def test_a_module_target_named_like_a_profile_says_which_option_was_meant(pytester: pytest.Pytester) -> None:
    """``--dlconform numpy`` (or torch) checks the module's attributes by the tutorial's names; the header says to
    use the profile, in the plugin's spelling of the option. (torch cannot be imported twice in one process.)"""
    result = run(pytester, "--dlconform", "numpy", "--dlconform-function", "relu")
    result.stdout.fnmatch_lines(["dlconform warning: 'numpy' is checked as a module*give --dlconform-profile numpy"])


def test_a_module_that_names_no_profile_gets_no_such_note(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--dlconform", "dlconform.reference", "--dlconform-function", "relu")
    assert "checked as a module" not in result.stdout.str()
    result.assert_outcomes(passed=len(cases_of("relu")))
