"""The planner validates every combination of options once, before any target is opened: each bad one is one
DlconformError line naming the options (the target here does not even exist: nothing is opened)."""

from __future__ import annotations

import pytest
from dlconform.errors import DlconformError
from dlconform.run.options import RunOptions
from dlconform.run.planner import make_plan

NOWHERE = "no_such_target.py"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (RunOptions(target=NOWHERE, perf=True, isolate=True), "--perf times the target in this process"),
        (RunOptions(target=NOWHERE, perf_fail=2.0, timeout=1.0), "--perf times the target in this process"),
        (RunOptions(target=NOWHERE, fail_under=3.0), "--fail-under SCORE needs --assignment"),
        (RunOptions(target=NOWHERE, strict_baseline=True), "--strict-baseline needs --baseline FILE"),
        (RunOptions(target=NOWHERE, profile="scipy"), "give a TARGET or --profile/--bind, not both"),
        (RunOptions(target=NOWHERE, adapter="node a.js"), "give --adapter COMMAND or a TARGET"),
        (RunOptions(profile="scipy", isolate=True), "--isolate (and --timeout, --memory) check a TARGET file"),
        (RunOptions(target=NOWHERE, no_bundled=True), "--no-bundled needs --vectors PATH"),
        (RunOptions(), "missing TARGET"),
        (RunOptions(target=NOWHERE, dtypes=("float8",)), "--dtypes: 'float8' is not one of"),
        (RunOptions(target=NOWHERE, assignment="tutorial", functions=("relu",), keyword="zzz"), "no case matches"),
    ],
)
def test_a_bad_combination_is_one_line_before_anything_opens(options: RunOptions, message: str) -> None:
    with pytest.raises(DlconformError) as caught:
        make_plan(options)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_an_assignment_narrows_the_functions_it_grades() -> None:
    plan = make_plan(RunOptions(target=NOWHERE, assignment="tutorial", functions=("relu",)))
    assert {c.function for c in plan.cases} == {"relu"} and plan.assignment is not None
    with pytest.raises(DlconformError, match="assignment course grades only"):
        make_plan(RunOptions(target=NOWHERE, assignment="course", functions=("relu",)))
