"""Hints from evidence (issue 19): one-bug student files this suite was not written against each get a first hint
that names their bug and no misleading hint beside it; a case that raises says where, in process and isolated.

tests/data/onebug/manifest.yaml lists each file with its function, the catalogue's name of its mistake (null for
one the catalogue lacks: the hint observes it) and the words its first hint must contain. The first hint is the
one the reports show at the top of the function (``function_hint``)."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from dlconform.catalogue import FUNCTIONS
from dlconform.format.model import Case
from dlconform.format.suite import iter_cases, load_files
from dlconform.judge.diagnosis import mistake_named
from dlconform.judge.hints import function_hint
from dlconform.report.text import render_text
from dlconform.results import CaseResult, Report
from dlconform.run.pipeline import Plan, execute
from dlconform.run.select import select
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.open import open_target

ONEBUG = Path(__file__).resolve().parent / "data" / "onebug"
MANIFEST: dict[str, dict[str, Any]] = yaml.safe_load((ONEBUG / "manifest.yaml").read_text())
COURSE = {"basic_sigmoid", "sigmoid", "sigmoid_derivative", "image2vector", "normalizeRows", "softmax", "L1", "L2"}
FAST = Limits(timeout=5.0, memory=1 << 30)


@cache
def default_cases(function: str) -> tuple[Case, ...]:
    """The cases of ``function`` a default ``dlconform run`` selects."""
    return tuple(c for c in select(iter_cases(load_files())) if c.function == function)


@cache
def report_for(name: str) -> Report:
    """The report of a default run of the one-bug file ``name`` on its function's cases, with hints."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return execute(Plan(str(ONEBUG / name), default_cases(MANIFEST[name]["function"]), hints=True))


def failing(report: Report) -> list[CaseResult]:
    return [r for r in report.results if r.outcome in ("failed", "error")]


def first_hint_names_the_bug(name: str) -> bool:
    """Whether the function's first hint holds every word the manifest asks of it."""
    top = function_hint(failing(report_for(name)))
    return top is not None and all(word in top for word in MANIFEST[name]["words"])


def misleading(name: str) -> list[str]:
    """The hints of the file's failing cases that mislead: a file a student does not have, overflow where the
    target gave no inf or NaN and raised no OverflowError, or a diagnosis of another mistake than the file's own
    (a mistake naming an overflow is a fact about the code wherever it reproduces the result)."""
    want = MANIFEST[name]
    out = []
    for r in failing(report_for(name)):
        text = str(r.details.get("hint") or "")
        named = [
            m
            for m in FUNCTIONS[r.function].mistakes
            if text in (m.hint, m.raised_hint) and mistake_named(r.function, m.name) is m
        ]
        if (
            "vectors/README.md" in text
            or ("overflow" in text and r.failure not in ("nan", "inf", "raised:OverflowError") and not named)
            or (named and named[0].name != want["mistake"] and not named[0].overflow)
        ):
            out.append(f"{r.id}: {text}")
    return out


def test_the_one_bug_files_cover_every_function_and_30_typical_mistakes() -> None:
    assert len(MANIFEST) >= 30
    assert {w["function"] for w in MANIFEST.values()} == set(FUNCTIONS)  # the course's eight and the tutorial's
    assert set(FUNCTIONS) >= COURSE
    named = {(w["function"], w["mistake"]) for w in MANIFEST.values() if w["mistake"]}
    assert len(named) >= 30 and all(mistake_named(f, m) for f, m in named)
    assert sum(len(f.mistakes) for f in FUNCTIONS.values()) >= 30
    assert sorted(p.name for p in ONEBUG.glob("*.py")) == sorted(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_the_first_hint_names_the_bug_and_nothing_misleads(name: str) -> None:
    report = report_for(name)
    top = function_hint(failing(report))
    assert first_hint_names_the_bug(name), (top, MANIFEST[name]["words"])
    assert not misleading(name)
    assert "vectors/README.md" not in render_text(report)


def test_one_bug_figure(summary_line: Callable[[str], None]) -> None:
    named = [n for n in MANIFEST if first_hint_names_the_bug(n) and not misleading(n)]
    summary_line(
        f"one-bug student files whose first hint names the bug, nothing misleading: {len(named)} of {len(MANIFEST)}"
    )
    assert len(named) == len(MANIFEST), sorted(set(MANIFEST) - set(named))


def test_a_case_that_raises_says_where_in_process_and_isolated() -> None:
    path = str(ONEBUG / "image2vector_depth3.py")
    cases = default_cases("image2vector")[:3]
    in_process = execute(Plan(path, cases))
    with open_target(path, isolation=FAST) as target:
        isolated = execute(Plan(target, cases))
    expected = "raised ValueError at image2vector_depth3.py:5: cannot reshape array of size 18 into shape (27,1)"
    assert in_process.results[0].message == isolated.results[0].message == expected
    assert in_process.results[0].details["raised_at"] == isolated.results[0].details["raised_at"]


def test_the_line_is_the_innermost_one_of_the_targets_own_file(tmp_path: Path) -> None:
    source = "import numpy as np\n\n\ndef helper(x):\n    return np.reshape(x, (7, 7))\n\n\ndef relu(x):\n    return helper(x)\n"
    (tmp_path / "nested.py").write_text(source)
    cases = default_cases("relu")[:2]
    for report in (execute(Plan(str(tmp_path / "nested.py"), cases)),):
        assert report.results[1].message.startswith("raised ValueError at nested.py:5: cannot reshape")
    with open_target(str(tmp_path / "nested.py"), isolation=FAST) as target:
        assert execute(Plan(target, cases)).results[1].message.startswith("raised ValueError at nested.py:5:")


def test_a_notebook_cell_is_named(tmp_path: Path) -> None:
    cells = ["import numpy as np", "def relu(x):\n    y = np.asarray(x)\n    return y.reshape(7, 7)"]
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None} for s in cells
        ],
    }
    (tmp_path / "nb.ipynb").write_text(json.dumps(notebook))
    result = execute(Plan(str(tmp_path / "nb.ipynb"), default_cases("relu")[1:2])).results[0]
    assert result.message.startswith("raised ValueError at nb.ipynb cell 2, line 3: cannot reshape"), result.message


def test_a_breakpoint_left_in_the_code_is_named(tmp_path: Path) -> None:
    source = "import numpy as np\n\n\ndef sigmoid(x):\n    breakpoint()\n    return 1 / (1 + np.exp(-x))\n"
    (tmp_path / "debugging.py").write_text(source)
    done = subprocess.run(
        [sys.executable, "-m", "dlconform", "run", str(tmp_path / "debugging.py"), "-k", "sigmoid::article-vector"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = 5 if sys.version_info >= (3, 13) else 6  # Python 3.13's pdb stops at breakpoint() itself, not after it
    assert f"raised BdbQuit at debugging.py:{line}" in done.stdout, done.stdout
    assert f"hint: A breakpoint() or pdb.set_trace() left in your code stopped it at debugging.py:{line}" in done.stdout


def test_no_overflow_hint_where_nothing_overflowed() -> None:
    """Issue 19: sigmoid_derivative returning s, and the exp(x) sign, were told that exp overflowed."""
    for name in ("sigmoid_derivative_returns_s.py", "sigmoid_exp_sign.py"):
        assert not [r.id for r in failing(report_for(name)) if "overflow" in str(r.details.get("hint"))]


def test_the_report_says_the_function_hint_once() -> None:
    text = render_text(report_for("L2_is_L1.py"))
    top = function_hint(failing(report_for("L2_is_L1.py")))
    assert top is not None and text.count(top) == 1 and f"  hint: {top}" in text.splitlines()[5:7]


@pytest.mark.parametrize("source", ["examples/course.py", "examples/tutorial.py", "float32-softmax"])
def test_correct_code_is_never_diagnosed_with_a_mistake_it_does_not_make(source: str, tmp_path: Path) -> None:
    """The course's and the tutorial's answers fail only beyond the contract; a diagnosis there names a textbook
    formula (a mistake beyond the contract), never a bug. Issue 19: a correct float32 softmax was told its row
    sums lost their axis."""
    path = Path(__file__).resolve().parent.parent / source
    if source == "float32-softmax":
        path = tmp_path / "softmax32.py"
        path.write_text(
            "import numpy as np\n\n\ndef softmax(x):\n    x = np.asarray(x, dtype=np.float32)\n"
            "    e = np.exp(x - np.max(x, axis=-1, keepdims=True))\n    return e / np.sum(e, axis=-1, keepdims=True)\n"
        )
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        report = execute(Plan(str(path), tuple(select(iter_cases(load_files()))), hints=True))
    for r in failing(report):
        text = str(r.details.get("hint") or "")
        named = [m for m in FUNCTIONS[r.function].mistakes if text in (m.hint, m.raised_hint)]
        assert all(m.beyond for m in named), (r.key, text)


def test_without_a_known_mistake_the_hint_says_which_inputs_go_wrong(tmp_path: Path) -> None:
    """A clipped exponent is no catalogued mistake: the hint names the region where the values go wrong, no cause."""
    (tmp_path / "clipped.py").write_text(
        "import numpy as np\n\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-np.clip(x, -30, 30)))\n"
    )
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        report = execute(Plan(str(tmp_path / "clipped.py"), default_cases("sigmoid"), hints=True))
    hints = {str(r.details.get("hint")) for r in failing(report)}
    region = [h for h in hints if h.startswith("It is wrong only where |x| >= ")]
    assert region and all(float(h.split(">= ")[1].split(" ")[0]) > 30 for h in region), hints
    assert not [h for h in hints if "Your result equals" in h or "overflow" in h], hints


@pytest.mark.parametrize("line", ["12; rm -rf /", True, -3, 10**9, 2.5, None, [1]])
def test_a_workers_line_that_is_not_a_line_of_the_file_names_no_place(line: Any) -> None:
    """The worker's reply is untrusted: only a plausible int becomes a place, and the file name is the grader's."""
    from types import SimpleNamespace

    from dlconform.targets.isolate.target import IsolatedTarget

    grader = SimpleNamespace(source=Path("/submissions/alice/my_solution.py"))
    assert IsolatedTarget._place(grader, line) is None  # type: ignore[arg-type]
    assert IsolatedTarget._place(grader, 12) == "my_solution.py:12"  # type: ignore[arg-type]
