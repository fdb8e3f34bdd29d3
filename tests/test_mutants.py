"""The bundled cases against implementations: the reference and the careful example pass them all, the
tutorial's own code and the course's textbook answers pass every case inside the contract, every correct
alternative passes everything, and every mutant is caught (inside the contract, unless its mistake lies beyond it).

Every ``pytest`` run ends with the kill rate and the alternatives' pass rate; ``pytest -s tests/test_mutants.py``
also prints the case that killed each mutant.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from dlconform.catalogue import FUNCTIONS
from dlconform.format.model import Case
from dlconform.format.suite import iter_cases, load_files
from dlconform.results import CaseResult
from dlconform.run.engine import run_cases
from dlconform.run.select import select
from dlconform.targets.load import load_target
from dlconform.targets.resolver import Unavailable

from tests.mutants import ALTERNATIVES, MUTANTS, Mutant

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@cache
def bundled_cases() -> tuple[Case, ...]:
    """Every case of the bundled suite a default run selects (large cases only time and stress), loaded once."""
    return tuple(select(iter_cases(load_files())))


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` by file path (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"dlconform_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def module_resolver(module: ModuleType) -> Callable[[str], Any]:
    """A resolver that looks each function up by its canonical name in ``module``."""
    return lambda function: getattr(module, function, None) or Unavailable(f"{module.__name__} has no {function}")


def failures(results: list[CaseResult]) -> list[str]:
    """One line per result that did not pass."""
    return [f"{r.key}: {r.outcome}: {r.message}" for r in results if r.outcome != "passed"]


@cache
def killers(m: Mutant, level: str) -> tuple[str, ...]:
    """The ids of the cases of the mutant's function at ``level`` that it fails or errors on."""
    cases = [c for c in bundled_cases() if c.function == m.function and c.level == level]
    results = run_cases(cases, lambda _function: m.impl)
    return tuple(r.id for r in results if r.outcome in ("failed", "error"))


def caught_by(m: Mutant) -> tuple[str, ...]:
    """What catches the mutant where it must be caught: an inside case, or a beyond case for a beyond mistake."""
    return killers(m, "beyond" if m.beyond else "inside")


def test_every_function_has_three_mutants() -> None:
    for function in FUNCTIONS:
        count = sum(m.function == function for m in MUTANTS)
        assert count >= 3, f"{function} has only {count} mutants"


@pytest.mark.parametrize("m", MUTANTS, ids=lambda m: f"{m.function}:{m.name}")
def test_mutant_is_caught(m: Mutant) -> None:
    where = "beyond" if m.beyond else "inside"
    assert caught_by(m), f"no case {where} the contract catches {m.name} ({m.mistake})"


@pytest.mark.parametrize("m", [m for m in MUTANTS if m.beyond], ids=lambda m: f"{m.function}:{m.name}")
def test_a_mistake_beyond_the_contract_passes_every_inside_case(m: Mutant) -> None:
    """These are the textbook's formulas: right inside the contract, so a grade of inside cases gives full marks."""
    assert not killers(m, "inside"), f"{m.name} fails inside cases {killers(m, 'inside')}"


@cache
def alternative_failures(m: Mutant) -> tuple[str, ...]:
    """The cases of its function a correct alternative does not pass (none, if the verdicts are fair)."""
    return tuple(failures(run_cases([c for c in bundled_cases() if c.function == m.function], lambda _: m.impl)))


@pytest.mark.parametrize("m", ALTERNATIVES, ids=lambda m: f"{m.function}:{m.name}")
def test_correct_alternative_passes_every_case(m: Mutant) -> None:
    assert not alternative_failures(m)


def test_kill_rate(summary_line: Callable[[str], None]) -> None:
    killed = [m for m in MUTANTS if caught_by(m)]
    inside = [m for m in MUTANTS if not m.beyond]
    rate = f"mutant kill rate: {len(killed)}/{len(MUTANTS)} ({len(killed) / len(MUTANTS):.0%})"
    summary_line(f"{rate}, {len(inside)} of them caught inside the contract")
    print(f"\n{rate}")
    for m in MUTANTS:
        ids = caught_by(m)
        level = "beyond" if m.beyond else "inside"
        first = f"{m.function}::{ids[0]}" if ids else "SURVIVED"
        print(f"  {m.function + ':' + m.name:<55} {level:<7} killed by {first:<50} ({len(ids)} cases)")
    assert len(killed) == len(MUTANTS)


def test_alternatives_pass_rate(summary_line: Callable[[str], None]) -> None:
    """Shown beside the kill rate: every correct alternative passes every case of its function."""
    passing = [m for m in ALTERNATIVES if not alternative_failures(m)]
    summary_line(
        f"correct alternatives' pass rate: {len(passing)}/{len(ALTERNATIVES)} ({len(passing) / len(ALTERNATIVES):.0%})"
    )
    assert len(passing) == len(ALTERNATIVES) > 0


def test_reference_passes_every_case() -> None:
    results = run_cases(bundled_cases(), lambda function: FUNCTIONS[function].impl)
    assert not failures(results)


def test_careful_example_passes_every_case() -> None:
    results = run_cases(bundled_cases(), module_resolver(load_example("careful")))
    assert not failures(results)


@pytest.mark.parametrize("name", ["tutorial", "course"])
def test_textbook_code_passes_every_case_inside_the_contract(name: str) -> None:
    """The tutorial's own code and the course's textbook answers get full marks inside each function's contract."""
    target = load_target(str(EXAMPLES / f"{name}.py"))  # found by canonical name or alias (normalize_rows)
    inside = [
        c for c in bundled_cases() if c.level == "inside" and not isinstance(target.resolve(c.function), Unavailable)
    ]
    results = run_cases(inside, target.resolve)
    assert len(results) > 100 and not failures(results)


def test_tutorial_passes_every_article_case() -> None:
    article = [c for c in bundled_cases() if "article" in c.tags]
    assert len(article) >= 14
    results = run_cases(article, module_resolver(load_example("tutorial")))
    assert not failures(results)


def test_tutorial_fails_stability_cases() -> None:
    """The suite separates the textbook formulas from stable ones: the tutorial fails some stability cases."""
    stability = [c for c in bundled_cases() if "stability" in c.tags]
    results = run_cases(stability, module_resolver(load_example("tutorial")))
    assert failures(results)


def test_tutorial_docstring_counts_its_failures() -> None:
    """examples/tutorial.py lists the cases it fails; keep the count in its docstring true.

    Only the tutorial's own functions count: a function added to the suite later is not one of its failures.
    """
    tutorial = load_example("tutorial")
    results = run_cases([c for c in bundled_cases() if hasattr(tutorial, c.function)], module_resolver(tutorial))
    stated = re.search(r"fails these (\d+)", tutorial.__doc__ or "")
    assert stated, "the tutorial's docstring no longer says how many cases it fails"
    assert int(stated.group(1)) == len(failures(results))
