"""Repro lines: one line of Python that rebuilds a case's arguments bit for bit."""

from __future__ import annotations

import dataclasses
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dlconform import reference
from dlconform.api import case_inputs
from dlconform.format.model import Case, fresh_inputs
from dlconform.format.repro import CASE_IMPORT, MAX_LINE, Unspellable, repro, spell
from dlconform.format.suite import iter_cases, load_files
from dlconform.run.dtypes import in_dtype
from dlconform.run.engine import run_cases
from dlconform.targets.resolver import Unavailable
from dlconform.tools.generate import generate_file
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

BUNDLED = list(iter_cases(load_files()))
SIGMOID = [c for c in BUNDLED if c.function == "sigmoid"]


def same(a: Any, b: Any) -> bool:
    """Same type, dtype, shape and bytes (NaN payloads and signed zeros included)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray | np.generic):
        return a.dtype == b.dtype and np.shape(a) == np.shape(b) and np.asarray(a).tobytes() == np.asarray(b).tobytes()
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    return a == b


def replay(line: str, function: str) -> list[Any]:
    """Evaluate a repro line with ``function`` bound to a recorder; returns the arguments it was called with."""
    seen: list[Any] = []
    namespace = {"np": np, "dlconform_case": case_inputs, function: lambda *args: seen.extend(args)}
    exec(line, namespace)
    return seen


@pytest.mark.parametrize("case", BUNDLED, ids=lambda c: c.key)
def test_bundled_repro_rebuilds_args_bit_for_bit(case: Case) -> None:
    line = repro(case)
    assert "\n" not in line and len(line) <= MAX_LINE
    args = replay(line, case.function)
    assert all(same(a, b) for a, b in zip(args, fresh_inputs(case.args), strict=True))  # what the engine passes


def test_function_name_is_the_callers() -> None:
    case = BUNDLED[0]
    assert repro(case, "my_" + case.function).startswith(f"my_{case.function}(")


def test_spelling_examples() -> None:
    assert spell(np.array([-1000.0, 3.0])) == "np.array([-1000.0, 3.0], dtype=np.float64)"
    assert spell(np.float32(0.1)) == "np.float32(0.1)"
    assert spell(float("-inf")) == "float('-inf')"
    assert spell(np.zeros((2, 0), dtype=np.float32)) == "np.zeros((2, 0), dtype=np.float32)"
    assert spell(np.array([True, False])) == "np.array([True, False], dtype=np.bool_)"


VALUES = st.one_of(
    hnp.arrays(
        st.sampled_from(["float16", "float32", "float64", "int8", "int64", "uint64", "bool"]),
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
    ),
    hnp.from_dtype(np.dtype("float32")),
    hnp.from_dtype(np.dtype("float16")),
    hnp.from_dtype(np.dtype("uint8")),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_spell_round_trips_bit_for_bit(value: Any) -> None:
    try:
        text = spell(value)
    except Unspellable:  # only a NaN with a payload other than the default quiet NaN has no spelling
        assert np.isnan(np.asarray(value, dtype=np.float64)).any()
        return
    assert same(eval(text, {"np": np}), value)


def test_nan_payload_falls_back_to_the_vector_file() -> None:
    payload = np.array([0x7FF8000000000001], dtype=np.uint64).view(np.float64)
    case = dataclasses.replace(BUNDLED[0], args=(payload,))
    assert repro(case) == f"{CASE_IMPORT}{case.function}(*dlconform_case({case.key!r}))"


def big_file(tmp_path: Path) -> Path:
    """A sigmoid vector file with one case whose input is too long for a repro line."""
    source = Path(SIGMOID[0].path).read_text(encoding="utf-8")
    head = source[: source.index("cases:")]
    big = ", ".join(repr(x / 7) for x in range(-60, 60))
    path = tmp_path / "big.yaml"
    path.write_text(
        head
        + f"cases:\n- id: big\n  description: A long input.\n  tags: [core]\n  args: [{{array: [{big}], dtype: float64}}]\n",
        encoding="utf-8",
    )
    assert not generate_file(path).problems
    return path


def test_large_inputs_use_case_inputs_from_their_file(tmp_path: Path) -> None:
    path = big_file(tmp_path)
    (case,) = load_files([path])[0].cases  # the stored case (iter_cases adds its layout variants)
    line = repro(case)
    assert line == f"{CASE_IMPORT}{case.function}(*dlconform_case({case.key!r}, vectors={str(path.resolve())!r}))"
    args = replay(line, case.function)
    assert all(same(a, b) for a, b in zip(args, case.args, strict=True))
    again = case_inputs(case.key, path)
    again[0][0] = 99.0  # fresh copies: changing one does not change the next
    assert same(case_inputs(case.key, path)[0], case.args[0])


def test_cases_run_in_another_dtype_are_found(tmp_path: Path) -> None:
    path = big_file(tmp_path)
    (stored,) = load_files([path])[0].cases
    case = in_dtype(stored, np.dtype("float32"))
    line = repro(case)
    assert f"dlconform_case({case.key!r}, vectors=" in line and case.key.endswith("@float32")
    args = replay(line, case.function)
    assert all(same(a, b) for a, b in zip(args, case.args, strict=True))


def test_case_inputs_unknown_key() -> None:
    with pytest.raises(KeyError, match="no case sigmoid::no-such-case"):
        case_inputs("sigmoid::no-such-case")


def test_engine_puts_repro_in_failed_and_error_details() -> None:
    cases = BUNDLED[:3]

    def broken(*args: Any) -> None:
        raise ValueError("boom")

    failed = run_cases(cases, lambda f: lambda *a: None)
    errored = run_cases(cases, lambda f: broken)
    missing = run_cases(cases, lambda f: Unavailable("nothing here"))
    for results in (failed, errored, missing):
        assert [r.details["repro"] for r in results] == [repro(c) for c in cases]
    assert all(r.outcome != "passed" for r in failed + errored + missing)
    passed = run_cases(SIGMOID[:3], lambda f: reference.sigmoid)
    assert all(r.outcome == "passed" and "repro" not in r.details for r in passed)
