"""Loading real submissions: top-level statements that raise are skipped one by one, and nothing waits for a person."""

from __future__ import annotations

import builtins
import sys
import textwrap

import pytest
from dlconform.targets.statements import run_statements

SUBMISSION = textwrap.dedent(
    """
    import math
    from public_tests import *          # the course helper module: the grader has none
    import numpy as np

    def basic_sigmoid(x):
        return 1 / (1 + math.exp(-x))

    basic_sigmoid([1, 2, 3])            # the course demonstration: TypeError

    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    sigmoid_test(sigmoid)               # defined by public_tests, which is missing
    """
)


def test_definitions_around_failing_lines_survive() -> None:
    namespace: dict = {}
    warnings = run_statements(SUBMISSION, "hw.py", namespace)
    assert namespace["basic_sigmoid"](0) == 0.5 and namespace["sigmoid"](0) == 0.5
    assert warnings == [
        "hw.py line 3 skipped ('from public_tests import *          # the course helper m...'): "
        "ModuleNotFoundError: No module named 'public_tests'",
        "hw.py line 9 skipped ('basic_sigmoid([1, 2, 3])            # the course demonstr...'): "
        "TypeError: bad operand type for unary -: 'list'",
        "hw.py line 14 skipped ('sigmoid_test(sigmoid)               # defined by public_t...'): "
        "NameError: name 'sigmoid_test' is not defined",
    ]


def test_each_statement_runs_once() -> None:
    namespace: dict = {"calls": []}
    run_statements("calls.append(1)\nraise ValueError('x')\ncalls.append(2)\n", "f.py", namespace)
    assert namespace["calls"] == [1, 2]


def test_future_imports_hold_for_the_statements_after_them() -> None:
    source = "from __future__ import annotations\n\ndef f(x: NotDefinedAnywhere) -> int:\n    return 1\n"
    namespace: dict = {}
    assert run_statements(source, "f.py", namespace) == []
    assert namespace["f"].__annotations__ == {"x": "NotDefinedAnywhere", "return": "int"}


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("input('name? ')", "InteractiveCall: input() waits for a person"),
        ("breakpoint()", "InteractiveCall: a debugger would wait"),
        ("import pdb; pdb.set_trace()", "InteractiveCall: a debugger would wait"),
        ("raise SystemExit(3)", "SystemExit: 3"),
    ],
)
def test_interactive_calls_and_exits_are_skipped_not_waited_for(line: str, why: str) -> None:
    import pdb

    saved = (builtins.input, sys.breakpointhook, pdb.set_trace)
    namespace: dict = {}
    (warning,) = run_statements(f"{line}\ndef relu(x):\n    return max(x, 0)\n", "f.py", namespace)
    assert why in warning and namespace["relu"](-1) == 0
    assert (builtins.input, sys.breakpointhook, pdb.set_trace) == saved


def test_a_file_that_does_not_parse_runs_nothing() -> None:
    namespace: dict = {}
    with pytest.raises(SyntaxError):
        run_statements("x = 1\ndef f(:\n", "f.py", namespace)
    assert "x" not in namespace
