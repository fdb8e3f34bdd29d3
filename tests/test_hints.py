"""Every typical mistake of the mutant library that the catalogue names gets its hint (the mutants written by
hand and those made from the catalogue's own formulas), and the misleading hints of issue 12 are gone."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pytest
from dlconform.catalogue import FUNCTIONS, Mistake
from dlconform.format.model import Case, fresh_inputs
from dlconform.format.suite import iter_cases, load_files
from dlconform.judge.hints import hint
from dlconform.run.engine import run_cases
from dlconform.run.select import select

from tests.mutants import MUTANTS, Mutant


@cache
def inside(function: str, level: str = "inside") -> tuple[Case, ...]:
    return tuple(c for c in select(iter_cases(load_files()), functions=[function]) if c.level == level)


def quietly(fn: Callable[..., Any], *args: Any) -> Any:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(fn(*args))


def outcome(fn: Callable[..., Any], args: list[Any]) -> Any:
    """What ``fn`` does on ``args``: its result as float64, or the class of the exception it raises."""
    try:
        return quietly(fn, *args)
    except Exception as exc:
        return type(exc)


def embodies(m: Mutant, mistake: Mistake) -> bool:
    """Whether the mutant is the catalogue's mistake: the same values, or the same exception, on every case of the
    function (inside and beyond), and values on 3 or more."""
    agreed = 0
    for case in inside(m.function) + inside(m.function, "beyond"):
        got, wrong = outcome(m.impl, fresh_inputs(case.args)), outcome(mistake.formula, fresh_inputs(case.args))
        if isinstance(got, type) or isinstance(wrong, type):
            if got is not wrong:
                return False
            continue
        if got.shape != wrong.shape or got.dtype != wrong.dtype:
            return False
        if not np.allclose(got.astype(float), wrong.astype(float), rtol=1e-9, atol=1e-300, equal_nan=True):
            return False
        agreed += 1
    return agreed >= 3


PAIRS = [(m, k) for m in MUTANTS for k in FUNCTIONS[m.function].mistakes if embodies(m, k)]


def test_the_mutant_library_holds_the_catalogues_mistakes() -> None:
    assert len(PAIRS) >= 8, [f"{m.function}:{m.name}" for m, _ in PAIRS]  # the check below is no empty loop


@pytest.mark.parametrize(("m", "mistake"), PAIRS, ids=[f"{m.function}:{m.name}" for m, _ in PAIRS])
def test_each_typical_mistake_gets_its_hint(m: Mutant, mistake: Mistake) -> None:
    """Where the mistake lies (inside the contract, or beyond it for the textbook's own formulas), its diagnosis
    is the hint of some failing case: as a result it reproduces, or an exception it raises too."""
    cases = inside(m.function, "beyond" if mistake.beyond else "inside")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = run_cases(cases, lambda _f: m.impl)
    hints = {hint(r, c) for r, c in zip(results, cases, strict=True) if r.outcome in ("failed", "error")}
    assert {mistake.hint, mistake.raised_hint} & hints, hints


def test_x_times_one_minus_x_on_an_integer_is_that_mistake_not_a_dtype_problem() -> None:
    case = next(c for c in inside("sigmoid_derivative") if np.asarray(c.args[0]).dtype.kind == "i")
    (result,) = run_cases([case], lambda _f: lambda x: x * (1 - x))
    assert result.failure == "dtype-kind"
    text = hint(result, case)
    assert text is not None and "compute s = sigmoid(x) first" in text and "astype" not in text


def test_softmax_without_keepdims_on_a_square_input_is_named() -> None:
    case = next(c for c in inside("softmax") if np.ndim(c.args[0]) == 2 and len(set(np.shape(c.args[0]))) == 1)
    with np.errstate(all="ignore"):
        (result,) = run_cases([case], lambda _f: lambda x: np.exp(x) / np.sum(np.exp(x), axis=1))
    assert result.failure == "value"
    text = hint(result, case)
    assert text is not None and "keepdims=True" in text and "square" in text


@pytest.mark.parametrize("case_id", ["stability-huge-rows", "stability-magnitude-spread-rows"])
def test_a_norm_that_overflows_is_named_not_taken_for_column_norms(case_id: str) -> None:
    """The textbook's x / ||x|| fails these rows because its squares overflow or underflow, not for its axis."""
    case = next(c for c in select(iter_cases(load_files()), functions=["normalizeRows"]) if c.id == case_id)
    with np.errstate(all="ignore"):
        (result,) = run_cases([case], lambda _f: lambda x: x / np.linalg.norm(x, axis=1, keepdims=True))
    text = hint(result, case)
    assert result.outcome == "failed" and text is not None, result
    assert "divide each row by its largest |x| first" in text and "column" not in text
