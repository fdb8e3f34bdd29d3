"""The cases as pytest items: registered by the plugin (``dlconform.pytest_plugin``) when ``--dlconform`` is given.

The target is loaded once per session;
each case is one item, ``dlconform::function::case-id`` (a function's items in the order every report shows
failures: inside the contract first, the most telling first), judged by the runner's
engine through the one run pipeline (``dlconform.run.pipeline``), one plan per
item. A function the target lacks is one error (its other cases skipped, pointing at it); a target that fails
to import makes its cases errors; a wrong result fails with the verdict, its error figures and a
repro line. Baseline entries are xfail: a known failure is xfailed, one that now
fails differently fails, one that now passes is xpassed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from dlconform.errors import DlconformError
from dlconform.format.model import Case, SuiteError
from dlconform.format.suite import bundled_dir, iter_cases, load_files
from dlconform.judge.compare import Options
from dlconform.report.details import baseline_note, detail_lines
from dlconform.report.shown import level_note, telling
from dlconform.report.text import target_line
from dlconform.results import CaseResult, Failure, Level, Outcome
from dlconform.run.baseline import Baseline, load_baseline, mark
from dlconform.run.engine import result
from dlconform.run.pipeline import Plan, execute
from dlconform.run.select import select
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


@dataclass
class Session:
    """What one pytest session checks: the open target, the selected cases, the options and the baseline."""

    target: Target
    cases: list[Case]
    options: Options
    baseline: Baseline | None
    found: dict[str, Callable[..., Any] | Unavailable] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # function -> the one case key that reports it undefined

    def resolve(self, function: str) -> Callable[..., Any] | Unavailable:
        """The target's callable for ``function``, looked up once."""
        if function not in self.found:
            self.found[function] = self.target.resolve(function)
        return self.found[function]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Load the vectors, the selection, the baseline and the target, once; bad input is a usage error."""
    config = session.config
    spec = config.getoption("dlconform")
    if not spec:
        return
    try:
        vectors = config.getoption("dlconform_vectors")
        bundled = not config.getoption("dlconform_no_bundled")
        if not (bundled or vectors):
            raise pytest.UsageError("--dlconform-no-bundled needs --dlconform-vectors PATH: there is no case without")
        files = load_files([*([bundled_dir()] if bundled else []), *vectors])
        cases = select(iter_cases(files), config.getoption("dlconform_function"), config.getoption("dlconform_tag"))
        path = config.getoption("dlconform_baseline")
        baseline = load_baseline(path) if path else None
        target = open_target(spec)
    except SuiteError as exc:
        raise pytest.UsageError(*(f"--dlconform-vectors: {p}" for p in exc.problems)) from None
    except DlconformError as exc:
        raise pytest.UsageError(f"--dlconform: {exc}") from None
    options = Options(strict_dtype=config.getoption("dlconform_strict_dtype"))
    config.stash[SESSION] = Session(target, cases, options, baseline)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Close the target the session opened."""
    checked = session.config.stash.get(SESSION, None)
    if checked is not None:
        checked.target.close()


def pytest_report_header(config: pytest.Config) -> list[str]:
    """What was loaded, as the text report's header says it."""
    checked = config.stash.get(SESSION, None)
    if checked is None:
        return []
    lines = [f"dlconform target: {target_line(checked.target.info)}", f"dlconform cases: {len(checked.cases)}"]
    if checked.target.load_error:
        lines.append(f"dlconform warning: target failed to import: {checked.target.load_error}")
    lines.extend(f"dlconform warning: {w}" for w in checked.target.warnings)
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
            self.add_marker(pytest.mark.xfail(reason=reason, strict=False, raises=KnownFailure))

    def setup(self) -> None:
        """A missing function or a target that failed to import: an error (or a skip), before any call."""
        fn = self.config.stash[SESSION].resolve(self.case.function)
        if not isinstance(fn, Unavailable):
            return
        if fn.outcome == Outcome.SKIPPED:
            pytest.skip(fn.reason)
        checked = self.config.stash[SESSION]
        first = checked.missing.setdefault(self.case.function, self.case.key)
        if fn.failure == Failure.MISSING and first != self.case.key:  # a function not defined: one error
            pytest.skip(f"{self.case.function} is not defined: counted once, as {first}")
        raise self._failure(result(self.case, fn.outcome, fn.reason, failure=fn.failure))

    def runtest(self) -> None:
        checked = self.config.stash[SESSION]
        plan = Plan(checked.target, (self.case,), options=checked.options, capture=False, hints=True)  # pytest captures
        (verdict,) = execute(plan).results
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
