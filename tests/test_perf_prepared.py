"""The per-case preparation of judging is done once: kept by the load cache, shared by layout variants (issue 22)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dlconform.format import prepared
from dlconform.format.suite import iter_cases, load_files
from dlconform.format.variants import variants
from dlconform.judge.compare import judge


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("DLCONFORM_CACHE_DIR", str(folder))
    monkeypatch.delenv("DLCONFORM_NO_CACHE", raising=False)
    return folder


def test_a_warm_load_brings_each_float_cases_allowed_error(cache: Path) -> None:
    load_files()  # cold: parsed, the entries written
    assert list(cache.glob("*.vf"))
    warm = [c for vf in load_files() for c in vf.cases]
    checked = 0
    for case in warm:
        for which, value in enumerate(prepared.expected_values(case)):
            exp = prepared.float_expected(value)
            if exp is None:
                continue
            kept = prepared.PREPARED[id(case)][(which, None)]
            assert isinstance(kept, np.ndarray)  # from the entry, not computed by this load
            fresh = prepared.prepare(case, exp, None).allow
            assert np.array_equal(kept, np.broadcast_to(fresh, exp.shape), equal_nan=True), case.key
            checked += 1
    assert checked >= len(warm) // 2  # most of the suite judges floats


def test_verdicts_are_the_same_from_a_warm_load_and_without_the_cache(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_files()
    warm = [c for c in iter_cases(load_files()) if prepared.float_expected(c.expected) is not None]
    monkeypatch.setenv("DLCONFORM_NO_CACHE", "1")
    cold = {c.key: c for c in iter_cases(load_files())}
    rng = np.random.default_rng(22)
    for case in warm:
        exp = np.asarray(case.expected)
        with np.errstate(all="ignore"):  # the suite's huge values overflow when scaled: judged all the same
            tries = [exp, exp * (1 + 1e-9), exp * (1 + 1e-3), exp + rng.normal(size=exp.shape) * 1e-12]
        for got in tries:
            a, b = judge(case, got.astype(exp.dtype)), judge(cold[case.key], got.astype(exp.dtype))
            assert (a.outcome, a.message, a.failure) == (b.outcome, b.message, b.failure), case.key


def test_layout_variants_share_their_stored_cases_preparation(cache: Path) -> None:
    stored = [c for vf in load_files() for c in vf.cases]
    case = next(c for c in stored if variants(c) and prepared.float_expected(c.expected) is not None)
    for variant in variants(case):
        assert prepared.PREPARED[id(variant)] is prepared.memo(case)


def test_a_kept_allowance_that_does_not_fit_is_computed_again() -> None:
    case = next(c for c in iter_cases(load_files()) if c.function == "sigmoid" and np.ndim(c.expected) == 1)
    exp = np.asarray(case.expected)
    wrong = np.full(exp.size + 1, np.inf)
    again = prepared.prepare(case, exp, None, wrong)
    assert again.allow.shape == exp.shape and np.isfinite(again.allow).all()


def test_a_case_whose_allowance_cannot_be_computed_still_loads_and_caches(cache: Path, tmp_path: Path) -> None:
    """A dot of misaligned float vectors with an expected value (found by test_schema's mutants): the allowed error
    raises, and the file loads anyway, from the cache the second time."""
    vf = tmp_path / "dot.yaml"
    vf.write_text(
        "format: 1\nfunction: dot\nparams: [a, b]\ndescription: d\naccuracy: dot\n"
        "tolerance: {float64: {rtol: 1.0e-15, atol: 0.0}, float32: {rtol: 1.0e-6, atol: 0.0}}\n"
        "cases:\n- id: odd\n  description: misaligned\n  tags: [dtype]\n"
        "  args: [{array: [0.2, 0.3], dtype: float32}, {array: [0.4, 0.5, 0.6], dtype: float32}]\n"
        "  expected: {scalar: 0.32, dtype: float32}\n",
        encoding="utf-8",
    )
    (first,) = load_files([vf])
    (second,) = load_files([vf])
    assert [c.key for c in first.cases] == [c.key for c in second.cases] == ["dot::odd"]
    assert list(cache.glob("*.vf"))
    assert (0, None) not in prepared.PREPARED.get(id(second.cases[0]), {})
