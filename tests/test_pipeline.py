"""The one run pipeline: Plan and execute, the one Target interface and open_target, the one error base."""

from __future__ import annotations

import gc
import inspect
from dataclasses import FrozenInstanceError, asdict
from pathlib import Path

import dlconform
import pytest
from click.testing import CliRunner
from dlconform import reference
from dlconform.cli import main
from dlconform.errors import DlconformError
from dlconform.format.model import Problem, SuiteError
from dlconform.format.suite import iter_cases, load_files
from dlconform.judge import compare
from dlconform.judge.hints import with_hints
from dlconform.results import Report
from dlconform.run.baseline import apply_baseline, load_baseline
from dlconform.run.perf import with_perf
from dlconform.run.pipeline import Plan, execute, exit_code
from dlconform.run.select import select
from dlconform.targets.base import Closing, is_target
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.isolate.target import IsolatedTarget
from dlconform.targets.load import ModuleTarget
from dlconform.targets.open import Bindings, open_target
from dlconform.targets.profiles import ProfileTarget

ROOT = Path(__file__).parent.parent
CAREFUL = ROOT / "examples" / "careful.py"
TUTORIAL = ROOT / "examples" / "tutorial.py"
FAST = Limits(timeout=2.0, memory=1 << 30)
CASES = tuple(select(iter_cases(load_files()), functions=["sigmoid", "relu", "softmax"]))


def snapshot(report: Report) -> dict:
    """Everything a report holds, as plain data, to see whether a step changed it."""
    return asdict(report)


# --- one way to open a target, one interface -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "cls", "kind"),
    [
        (str(CAREFUL), ModuleTarget, "file"),
        (CAREFUL, ModuleTarget, "file"),
        ("dlconform.reference", ModuleTarget, "module"),
        (reference, ModuleTarget, "module"),
        ({"relu": reference.relu}, ModuleTarget, "mapping"),
        (Bindings("numpy"), ProfileTarget, "profile"),
        (Bindings(None, ("relu=numpy:abs",)), ProfileTarget, "profile"),
    ],
)
def test_open_target_gives_the_one_interface(source, cls, kind) -> None:
    with open_target(source) as target:
        assert type(target) is cls and is_target(target)
        assert target.info["kind"] == kind
        assert isinstance(target.warnings, list) and target.load_error is None
        assert callable(target.resolve("relu"))
    target.close()  # closing twice is harmless


def test_isolation_opens_a_worker_and_closing_stops_it() -> None:
    with open_target(str(CAREFUL), isolation=FAST) as target:
        assert isinstance(target, IsolatedTarget) and isinstance(target, Closing)
        assert target.info["isolation"]["timeout"] == FAST.timeout
        worker = target._worker
        assert worker is not None and worker.status is None  # running
    assert target._worker is None and worker.status is not None  # stopped, whichever sandbox ran it


@pytest.mark.parametrize("source", [Bindings("numpy"), reference, {"relu": reference.relu}])
def test_only_a_spec_can_be_isolated(source) -> None:
    with pytest.raises(DlconformError, match="--isolate"):
        open_target(source, isolation=FAST)


def test_an_open_target_is_returned_as_it_is() -> None:
    target = open_target(str(CAREFUL))
    assert open_target(target) is target


# --- one pipeline ------------------------------------------------------------------------------------------------


def test_plan_is_frozen() -> None:
    plan = Plan(str(CAREFUL), CASES)
    with pytest.raises(FrozenInstanceError):
        plan.cases = ()  # type: ignore[misc]  # the point: a plan cannot change


def test_check_and_execute_agree() -> None:
    via_check = dlconform.check(str(TUTORIAL), functions=["sigmoid", "relu", "softmax"])
    via_plan = execute(Plan(str(TUTORIAL), CASES))
    assert [(r.key, r.outcome, r.failure) for r in via_check.results] == [
        (r.key, r.outcome, r.failure) for r in via_plan.results
    ]
    assert via_check.target == via_plan.target


def test_isolated_and_in_process_plans_give_the_same_verdicts() -> None:
    in_process = execute(Plan(str(TUTORIAL), CASES))
    isolated = execute(Plan(str(TUTORIAL), CASES, isolation=FAST))
    assert [(r.key, r.outcome, r.failure) for r in isolated.results] == [
        (r.key, r.outcome, r.failure) for r in in_process.results
    ]
    assert "output" in isolated.target and "output" not in in_process.target


def test_execute_closes_what_it_opened_and_not_what_it_was_given() -> None:
    with open_target(str(CAREFUL), isolation=FAST) as given:
        execute(Plan(given, CASES[:2]))
        assert given._worker is not None  # still open: the caller owns it
        execute(Plan(given, CASES[:2]))
    assert given._worker is None


def test_plan_steps_land_in_the_report(tmp_path: Path) -> None:
    broken = {"sigmoid": lambda x: x, "relu": reference.relu, "softmax": reference.softmax}
    failing = next(r for r in execute(Plan(broken, CASES)).results if r.outcome == "failed")
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(f"- {{id: '{failing.key}', reason: r, failure: {failing.failure}, outcome: failed}}\n")
    plan = Plan(broken, CASES, notes=("a note",), hints=True, baseline=load_baseline(baseline))
    report = execute(plan)
    assert "a note" in report.warnings
    assert report.target["baseline"] == str(baseline)
    assert report.baseline is not None and report.baseline.known == 1 and report.baseline.new > 0
    assert exit_code(report) == 1
    assert any("hint" in r.details for r in report.results if r.outcome == "failed")


# --- steps after the run return new values ------------------------------------------------------------------------


def test_steps_after_the_run_never_change_a_report(tmp_path: Path) -> None:
    broken = {"sigmoid": lambda x: x, "relu": reference.relu, "softmax": reference.softmax}
    report = execute(Plan(broken, CASES))
    before = snapshot(report)
    hinted = with_hints(report, CASES)
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(f"- {{id: '{report.results[0].key}', reason: r, failure: value, outcome: failed}}\n")
    gated, _ = apply_baseline(report, load_baseline(baseline))
    timed = with_perf(report, open_target(broken).resolve, CASES)
    assert snapshot(report) == before
    assert hinted != report and gated.baseline is not None and timed.perf is not None


def test_judging_keeps_nothing_on_the_frozen_case() -> None:
    case = next(iter(select(iter_cases(load_files()), functions=["sigmoid"])))
    verdict = compare.judge(case, reference.sigmoid(*case.args))
    assert verdict.outcome == "passed"
    assert "_compare_prepared" not in vars(case)
    assert id(case) in compare._PREPARED
    key = id(case)
    del case
    gc.collect()
    assert key not in compare._PREPARED


# --- one error base ----------------------------------------------------------------------------------------------


def user_errors() -> list[type[BaseException]]:
    """Every exception class the package defines for input a user gave."""
    from dlconform.format import model as vector_model
    from dlconform.format import safeyaml, suite, values
    from dlconform.grading import assignment
    from dlconform.grading import errors as grade
    from dlconform.run import baseline, dtypes, random_cases
    from dlconform.run import select as sel
    from dlconform.targets import load, notebook
    from dlconform.targets.profiles import expr, model

    modules = [
        *(safeyaml, values, vector_model, suite, baseline, dtypes, random_cases, sel, assignment),
        *(load, notebook, expr, model, grade),
    ]
    return [
        cls
        for m in modules
        for _, cls in inspect.getmembers(m, inspect.isclass)
        if issubclass(cls, Exception) and cls.__module__ == m.__name__
    ]


def test_every_user_error_derives_from_the_one_base() -> None:
    found = user_errors()
    assert len(found) >= 13
    for cls in found:
        assert issubclass(cls, DlconformError), cls
        assert cls.exit_code == 2


def test_suite_errors_print_twenty_problems_then_a_count() -> None:
    problems = [Problem("v.yaml", f"problem {i}", i + 1) for i in range(25)]
    lines = SuiteError(problems).lines()
    assert lines[:20] == [str(p) for p in problems[:20]]
    assert lines[20:] == ["... and 5 more problems"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", str(CAREFUL), "--vectors", "no/such/folder"], "no/such/folder"),
        (["run", str(CAREFUL), "--function", "nosuch"], "nosuch"),
        (["run", "--profile", "nosuch"], "no profile 'nosuch'"),
        (["run", str(CAREFUL), "--memory", "12Q"], "--memory"),
        (["run", "--bind", "relu=numpy:abs", "--isolate"], "--isolate"),
        (["run", "no/such/file.py"], "no such file"),
        (["merge", "--out", "x", "."], "gradebook"),
    ],
)
def test_the_cli_turns_every_user_error_into_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("dlconform: error: ") and message in lines[0], lines
    assert "Traceback" not in result.output
