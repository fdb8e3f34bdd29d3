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
        for got in (exp, exp * (1 + 1e-9), exp * (1 + 1e-3), exp + rng.normal(size=exp.shape) * 1e-12):
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
