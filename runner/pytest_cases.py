"""The cases as pytest items: registered by the plugin (``dlconform.pytest_plugin``) when ``--dlconform`` (or a
profile, a binding or an adapter) is given.

The plugin's options become ``RunOptions``, planned by ``make_plan`` as the CLI's are; the target is opened once
per session;
each case is one item, ``dlconform::function::case-id`` (a function's items in the order every report shows
failures: inside the contract first, the most telling first), judged by the runner's
engine through the one run pipeline (``dlconform.run.pipeline``), one plan per
item. A function the target lacks is one error (its other cases skipped, pointing at it); a target that fails
to import makes its cases errors; a wrong result fails with the verdict, its error figures and a
repro line. Baseline entries are xfail: a known failure is xfailed, one that now
fails differently fails, one that now passes is xpassed (a failure under --dlconform-strict-baseline). At the
session's end the verdicts make one report (baseline counts, perf, score), whose gate can fail the session.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pytest
from dlconform.atomic import write_report
from dlconform.errors import DlconformError
from dlconform.format.model import Case, SuiteError
from dlconform.report.details import baseline_note, detail_lines
from dlconform.report.shown import level_note, telling
from dlconform.report.text import baseline_lines, perf_lines, score_lines, target_line
from dlconform.results import FAILING, CaseResult, Failure, Level, Outcome, Report
from dlconform.run.baseline import Baseline, dump_baseline, mark
from dlconform.run.engine import result
from dlconform.run.options import RunOptions
from dlconform.run.pipeline import Plan, build_report, execute, finish
from dlconform.run.planner import make_plan
from dlconform.targets.base import Target
from dlconform.targets.open import open_target
from dlconform.targets.resolver import Unavailable

SESSION = pytest.StashKey["Session"]()


class CaseFailure(pytest.fail.Exception):  # type: ignore[name-defined]
    """A case that did not pass; its text is the verdict, error figures and repro.

    A pytest outcome without a traceback (``pytrace=False``), as ``pytest.fail`` raises: raised in setup (a function
    the target lacks), pytest would otherwise format the whole traceback, locals included, for every such case,
    which took 0.2 s a case for the xfails of a baseline."""

    def __init__(self, message: str) -> None:
        super().__init__(message, pytrace=False)


class KnownFailure(CaseFailure):
    """A case failing exactly as its baseline entry says: the xfail the entry's marker expects."""


# How the plugin spells the fields of RunOptions: pytest's own -k and --maxfail select and stop, a few plugin
# options have shorter names, and every other field is ``--dlconform-<field>``.
PYTEST_OWN = ("keyword", "maxfail")
PLUGIN_NAMES = {
    "target": "dlconform",
    "binds": "dlconform_bind",
    "functions": "dlconform_function",
    "tags": "dlconform_tag",
    "exclude_tags": "dlconform_exclude_tag",
    "random_n": "dlconform_random",
}
NOT_IN_PLUGIN = {"plots": "the HTML report's plots: pytest writes no dlconform report"}


@dataclass
class Session:
    """What one pytest session checks: its plan, the open target, and the verdicts so far."""

    plan: Plan
    options: RunOptions
    target: Target
    found: dict[str, Callable[..., Any] | Unavailable] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # function -> the one case key that reports it undefined
    results: list[CaseResult] = field(default_factory=list)  # each item's verdict, for the session's end
    report: Report | None = None  # the finished report of the whole session (its gate, score, perf)

    @property
    def cases(self) -> tuple[Case, ...]:
        return self.plan.cases

    @property
    def baseline(self) -> Baseline | None:
        return self.plan.baseline

    def resolve(self, function: str) -> Callable[..., Any] | Unavailable:
        """The target's callable for ``function``, looked up once."""
        if function not in self.found:
            self.found[function] = self.target.resolve(function)
        return self.found[function]


def plugin_options(config: pytest.Config) -> RunOptions:
    """The session's plugin options as the options model (-k and --maxfail stay pytest's own)."""
    given: dict[str, Any] = {}
    for f in fields(RunOptions):
        if f.name in PYTEST_OWN or f.name in NOT_IN_PLUGIN:
            continue
        value = config.getoption(PLUGIN_NAMES.get(f.name, f"dlconform_{f.name}"))
        given[f.name] = tuple(value) if isinstance(value, list) else value
    dtypes = given["dtypes"]
    return RunOptions(**{**given, "dtypes": None if dtypes is None else tuple(dtypes.split(","))})


def plugin_spelling(config: pytest.Config, message: str) -> str:
    """A planner's message with each option as the plugin spells it (``--vectors`` -> ``--dlconform-vectors``)."""

    def spelled(match: re.Match[str]) -> str:
        name = match.group(1)
        return (
            f"--dlconform-{name}" if hasattr(config.option, f"dlconform_{name.replace('-', '_')}") else match.group(0)
        )

    return re.sub(r"(?<![\w-])--([a-z][a-z-]*)", spelled, message)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Plan the run (vectors, selection, baseline, limits) and open its target, once; bad input is a usage
    error."""
    config = session.config
    try:
        options = plugin_options(config)
        plan = make_plan(options, capture=False)  # pytest captures
        target = open_target(plan.source, plan.isolation)
    except SuiteError as exc:
        raise pytest.UsageError(*(f"--dlconform-vectors: {p}" for p in exc.problems)) from None
    except DlconformError as exc:
        message = plugin_spelling(config, str(exc))
        raise pytest.UsageError(message if message.startswith("--dlconform") else f"--dlconform: {message}") from None
    config.stash[SESSION] = Session(plan, options, target)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The session's report (baseline, perf, score, its gate), the baseline written when asked; the target
    closed."""
    checked = session.config.stash.get(SESSION, None)
    if checked is None:
        return
    try:
        checked.report = finish_session(checked)
    finally:
        checked.target.close()
    failing = sum(r.outcome in FAILING and r.baseline_status != "known" for r in checked.results)
    if checked.options.write_baseline and session.testsfailed <= failing:
        session.exitstatus = pytest.ExitCode.OK  # writing the baseline was what was asked
    elif not checked.report.gate_passed and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # --dlconform-perf-fail, --dlconform-fail-under


def finish_session(checked: Session) -> Report:
    """The steps after the run, on the verdicts of the items that ran, and the baseline file when asked for."""
    report = finish(checked.plan, checked.target, build_report(checked.target, checked.results))
    if checked.options.write_baseline:
        write_report(checked.options.write_baseline, dump_baseline(report))
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The lines only the whole session can say: its baseline counts, perf, score, and a baseline written."""
    checked = terminalreporter.config.stash.get(SESSION, None)
    if checked is None or checked.report is None:
        return
    for line in summary_lines(checked.report, checked.options.write_baseline):
        terminalreporter.write_line(f"dlconform: {line}")


def summary_lines(report: Report, written: str | None) -> Iterator[str]:
    """The session's baseline counts, perf and score, as the text report says them, and the baseline written."""
    yield from baseline_lines(report)
    yield from perf_lines(report)
    yield from score_lines(report)
    if written:
        yield f"wrote baseline {written} ({sum(r.outcome in FAILING for r in report.results)} entries)"


def pytest_report_header(config: pytest.Config) -> list[str]:
    """What was loaded, as the text report's header says it."""
    checked = config.stash.get(SESSION, None)
    if checked is None:
        return []
    lines = [f"dlconform target: {target_line(checked.target.info)}", f"dlconform cases: {len(checked.cases)}"]
    if checked.target.load_error:
        lines.append(f"dlconform warning: target failed to import: {checked.target.load_error}")
    lines.extend(f"dlconform warning: {w}" for w in checked.target.warnings)
    lines.extend(f"dlconform warning: {plugin_spelling(config, note)}" for note in checked.plan.notes)
    return lines


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add the cases as items (before -k and -m deselect), collected like any other node."""
    checked = config.stash.get(SESSION, None)
    if checked is None:
        return
    root = TargetCollector.from_parent(session, name="dlconform", nodeid="dlconform")
    items.extend(session.genitems(root))


class TargetCollector(pytest.Collector):
    """The target: one child per function that has selected cases."""

    def collect(self) -> Iterator[FunctionCollector]:
        functions = dict.fromkeys(c.function for c in self.config.stash[SESSION].cases)
        for function in functions:
            yield FunctionCollector.from_parent(self, name=function)


class FunctionCollector(pytest.Collector):
    """One function's selected cases."""

    def collect(self) -> Iterator[CaseItem]:
        """Its cases in the order every report shows failures: inside the contract first, the most telling first."""
        mine = [case for case in self.config.stash[SESSION].cases if case.function == self.name]
        for case in sorted(mine, key=lambda c: telling(c.level, c.tags)):
            yield CaseItem.from_parent(self, name=case.id, case=case)


class CaseItem(pytest.Item):
    """One case: called on fresh inputs and judged by the runner's engine."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.extra_keyword_matches.update(case.tags)
        baseline = self.config.stash[SESSION].baseline
        entry = baseline.entries.get(case.key) if baseline else None
        if entry is not None:
            reason = f"baseline: {entry.how}: {entry.reason}"
            strict = self.config.stash[SESSION].options.strict_baseline  # a fixed case then fails, as XPASS(strict)
            self.add_marker(pytest.mark.xfail(reason=reason, strict=strict, raises=KnownFailure))

    def setup(self) -> None:
        """A missing function or a target that failed to import: an error (or a skip), before any call."""
        fn = self.config.stash[SESSION].resolve(self.case.function)
        if not isinstance(fn, Unavailable):
            return
        checked = self.config.stash[SESSION]
        if fn.outcome == Outcome.SKIPPED:
            checked.results.append(result(self.case, fn.outcome, fn.reason))
            pytest.skip(fn.reason)
        first = checked.missing.setdefault(self.case.function, self.case.key)
        if fn.failure == Failure.MISSING and first != self.case.key:  # a function not defined: one error
            pytest.skip(f"{self.case.function} is not defined: counted once, as {first}")
        verdict = result(self.case, fn.outcome, fn.reason, failure=fn.failure)
        checked.results.append(verdict)
        raise self._failure(verdict)

    def runtest(self) -> None:
        checked = self.config.stash[SESSION]
        plan = Plan(checked.target, (self.case,), options=checked.plan.options, capture=False, hints=True)
        (verdict,) = execute(plan).results
        checked.results.append(verdict)
        if verdict.outcome == Outcome.SKIPPED:
            pytest.skip(verdict.message)
        if verdict.outcome != Outcome.PASSED:
            raise self._failure(verdict)

    def _failure(self, res: CaseResult) -> CaseFailure:
        """The exception for a result that did not pass: KnownFailure when the baseline expects exactly it."""
        baseline = self.config.stash[SESSION].baseline
        if baseline:
            res = mark(res, baseline.entries.get(res.key))
        level = [f"[{level_note(res, free=False)}]"] if res.level == Level.BEYOND else []
        lines = [*level, *detail_lines(res), f"case {res.key}: {res.description}"]
        if res.baseline_status in ("changed", "new"):
            lines.append(baseline_note(res))
        return (KnownFailure if res.baseline_status == "known" else CaseFailure)("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CaseFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.case.line - 1 if self.case.line else None
        return Path(self.case.path), line, self.case.key
