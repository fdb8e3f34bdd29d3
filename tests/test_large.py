"""Generated large inputs: the formulas, loading, block-wise judging, mutation checks and memory bounds."""

from __future__ import annotations

import math
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dlconform.catalogue import FUNCTIONS
from dlconform.format import safeyaml
from dlconform.format.emit import render
from dlconform.format.large import (
    BLOCK,
    REFERENCE,
    FromReference,
    Generated,
    block_plan,
    case_problem,
    decode_value,
    parse_generated,
    splitmix64,
)
from dlconform.format.model import Case, fresh_inputs
from dlconform.format.suite import bundled_dir, iter_cases, load_files, read_file
from dlconform.format.values import ValueFormatError
from dlconform.judge.compare import DEFAULTS, judge
from dlconform.run.engine import run_case
from dlconform.run.select import select

MASK = 2**64 - 1


def splitmix64_python(seed: int, n: int) -> list[int]:
    """SplitMix64 as Vigna publishes it, on Python integers."""
    out, state = [], seed
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out.append(z ^ (z >> 31))
    return out


def gen(kind: str = "linspace", shape: tuple[int, ...] = (1000,), dtype: str = "float64", **params: Any) -> Generated:
    defaults = {"linspace": {"start": -20.0, "stop": 20.0}, "hash": {"seed": 7, "low": -5.0, "high": 5.0}}[kind]
    value = parse_generated({"generate": kind, **{**defaults, **params}, "shape": list(shape), "dtype": dtype})
    assert isinstance(value, Generated)
    return value


# --- the formulas ---


def test_splitmix64_matches_the_published_algorithm() -> None:
    assert [int(z) for z in splitmix64(0, 0, 3)] == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]
    for seed in (0, 1, 12345, MASK):
        assert [int(z) for z in splitmix64(seed, 0, 50)] == splitmix64_python(seed, 50)
        assert [int(z) for z in splitmix64(seed, 40, 50)] == splitmix64_python(seed, 50)[40:]


def test_linspace_is_the_documented_formula() -> None:
    g = gen(shape=(1001,), start=-3.0, stop=7.0)
    x = g.materialize()
    step = (7.0 - -3.0) / 1000
    assert [float(v) for v in x[:-1]] == [i * step + -3.0 for i in range(1000)]
    assert x[0] == -3.0 and x[-1] == 7.0
    assert gen(shape=(1,), start=2.5, stop=9.0).materialize().tolist() == [2.5]


def test_hash_is_the_documented_formula() -> None:
    zs = splitmix64_python(7, 300)
    floats = gen("hash", shape=(300,), low=-5.0, high=5.0).materialize()
    assert [float(v) for v in floats] == [-5.0 + 10.0 * ((z >> 11) * 2.0**-53) for z in zs]
    ints = gen("hash", shape=(300,), dtype="int16", low=-1000, high=1000).materialize()
    assert ints.dtype == np.int16
    assert ints.tolist() == [-1000 + z % 2000 for z in zs]


@pytest.mark.parametrize(
    "g",
    [
        gen(shape=(3 * BLOCK + 17,)),
        gen("hash", shape=(BLOCK + 5, 3), dtype="float32"),
        gen("hash", shape=(2 * BLOCK + 1,), dtype="uint8", low=0, high=256),
    ],
)
def test_blocks_are_slices_of_the_whole(g: Generated) -> None:
    whole = g.materialize()
    assert whole.shape == g.shape and whole.dtype == g.dtype
    flat = whole.reshape(-1)
    for lo, hi in ((0, 1), (BLOCK - 3, BLOCK + 3), (g.size - 10, g.size), (5, 2 * BLOCK)):
        assert flat[lo:hi].tobytes() == g.chunk(lo, hi).tobytes()
    assert g.rows(1, 3).tobytes() == whole[1:3].tobytes()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"generate": "random"}, "unknown generator"),
        ({"generate": "linspace", "start": 0.0, "shape": [3], "dtype": "float64"}, "missing ['stop']"),
        ({"generate": "linspace", "start": 0.0, "stop": 1.0, "shape": [3], "dtype": "int32"}, "makes dtypes"),
        ({"generate": "linspace", "start": 0.0, "stop": 1.0, "shape": [10**4, 10**4], "dtype": "float64"}, "more than"),
        ({"generate": "linspace", "start": 0.0, "stop": float("inf"), "shape": [3], "dtype": "float64"}, "finite"),
        ({"generate": "linspace", "start": "0", "stop": 1.0, "shape": [3], "dtype": "float64"}, "finite number"),
        ({"generate": "linspace", "start": 0.0, "stop": 1.0, "shape": [-1], "dtype": "float64"}, "non-negative"),
        ({"generate": "hash", "seed": -1, "low": 0.0, "high": 1.0, "shape": [3], "dtype": "float64"}, "seed"),
        ({"generate": "hash", "seed": 1, "low": 1.0, "high": 1.0, "shape": [3], "dtype": "float64"}, "low < high"),
        ({"generate": "hash", "seed": 1, "low": 0, "high": 300, "shape": [3], "dtype": "uint8"}, "range"),
        ({"generate": "reference", "shape": [3]}, "no other keys"),
        ({"generate": "linspace", "start": 10**400, "stop": 1.0, "shape": [3], "dtype": "float64"}, "finite number"),
        ({"generate": "hash", "seed": 1, "low": -1e308, "high": 1e308, "shape": [3], "dtype": "float64"}, "overflows"),
        ({"generate": "hash", "seed": 1.5, "low": 0.0, "high": 1.0, "shape": [3], "dtype": "float64"}, "seed"),
    ],
)
def test_bad_generators_are_refused(value: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueFormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        decode_value(value)


def test_integers_may_be_written_as_integral_floats_as_json_schema_allows() -> None:
    written = decode_value(
        {"generate": "hash", "seed": 3.0, "low": -2.0, "high": 5.0, "shape": [2.0, 3.0], "dtype": "int8"}
    )
    plain = decode_value({"generate": "hash", "seed": 3, "low": -2, "high": 5, "shape": [2, 3], "dtype": "int8"})
    assert written == plain and written.materialize().tobytes() == plain.materialize().tobytes()


def test_decode_gives_generated_values_that_never_materialise_by_accident() -> None:
    g = decode_value({"generate": "hash", "seed": 3, "low": 0.0, "high": 1.0, "shape": [200, 300], "dtype": "float32"})
    assert isinstance(g, Generated)
    assert (np.shape(g), np.size(g), np.ndim(g), g.nbytes) == ((200, 300), 60000, 2, 240000)
    assert decode_value({"generate": "reference"}) is REFERENCE
    assert parse_generated(g.to_data()) == g


# --- vector files with large cases ---


def large_file(tmp_path: Path, function: str, cases: list[dict[str, Any]]) -> Path:
    """A vector file with the bundled file's header for ``function`` and the given cases."""
    data = safeyaml.load((bundled_dir() / f"{function}.yaml").read_text(encoding="utf-8")).data
    path = tmp_path / f"{function}.yaml"
    path.write_text(render({**data, "cases": cases}), encoding="utf-8")
    return path


def large_case(args: list[dict[str, Any]], case_id: str = "large-1", tags: tuple[str, ...] = ("large",)) -> dict:
    return {
        "id": case_id,
        "description": "A large generated input.",
        "tags": list(tags),
        "args": args,
        "expected": {"generate": "reference"},
    }


def linspace(n: int | list[int], start: float = -30.0, stop: float = 30.0, dtype: str = "float64") -> dict:
    shape = n if isinstance(n, list) else [n]
    return {"generate": "linspace", "start": start, "stop": stop, "shape": shape, "dtype": dtype}


def hashed(shape: list[int], seed: int = 1, low: float = -4.0, high: float = 4.0, dtype: str = "float64") -> dict:
    return {"generate": "hash", "seed": seed, "low": low, "high": high, "shape": shape, "dtype": dtype}


def load_one(tmp_path: Path, function: str, args: list[dict[str, Any]]) -> Case:
    vf, problems = read_file(large_file(tmp_path, function, [large_case(args)]))
    assert not problems and vf is not None
    return vf.cases[0]


PLANS = [
    ("sigmoid", [linspace(3 * BLOCK + 11)], "flat"),
    ("sigmoid_derivative", [linspace(BLOCK + 1, dtype="float32")], "flat"),
    ("tanh", [hashed([700, 400])], "flat"),
    ("tanh_derivative", [linspace(2 * BLOCK)], "flat"),
    ("relu", [hashed([BLOCK + 9], low=-50, high=50, dtype="int32")], "flat"),
    ("multiply", [hashed([600, 500]), hashed([600, 500], seed=2)], "flat"),
    ("softmax", [hashed([900, 300], low=-20.0, high=20.0)], "rows"),
    ("normalizeRows", [hashed([1000, 200])], "rows"),
    ("outer", [linspace(700), hashed([500])], "rows"),
    ("dot", [hashed([400, 300]), hashed([300, 200], seed=9)], "rows"),
    ("L1", [hashed([BLOCK * 2 + 3]), hashed([BLOCK * 2 + 3], seed=5)], "sum"),
    ("L2", [hashed([300, 1000]), hashed([300, 1000], seed=5)], "sum"),
    ("image2vector", [hashed([60, 70, 80], low=0, high=256, dtype="uint8")], "whole"),
    ("dot", [hashed([BLOCK + 3]), hashed([BLOCK + 3], seed=4)], "whole"),
]


@pytest.mark.parametrize(("function", "args", "plan"), PLANS, ids=[f"{f}-{p}" for f, _, p in PLANS])
def test_the_reference_passes_its_own_large_cases(tmp_path: Path, function: str, args: list, plan: str) -> None:
    case = load_one(tmp_path, function, args)
    assert all(isinstance(a, Generated) for a in case.args) and isinstance(case.expected, FromReference)
    assert block_plan(function, case.args) == plan
    spec = FUNCTIONS[function]
    result = run_case(case, spec.impl, DEFAULTS, spec.params)
    assert (result.outcome, result.message) == ("passed", "")


@pytest.mark.parametrize(("function", "args", "plan"), PLANS, ids=[f"{f}-{p}" for f, _, p in PLANS])
def test_a_wrong_element_is_found_at_its_index(tmp_path: Path, function: str, args: list, plan: str) -> None:
    case = load_one(tmp_path, function, args)
    right = np.asarray(FUNCTIONS[function].impl(*fresh_inputs(case.args)))
    wrong = right.copy()
    index = tuple(n * 2 // 3 for n in wrong.shape)
    wrong[index] = wrong[index] * 3 + 1
    verdict = judge(case, wrong)
    assert verdict.outcome == "failed" and verdict.failure == "value"
    if wrong.ndim:
        assert verdict.details["index"] == list(index)
        assert f"at index {list(index)}" in verdict.message
        assert verdict.details["got"] == wrong[index].item()


def test_nan_wrong_shape_wrong_kind_and_not_an_array(tmp_path: Path) -> None:
    case = load_one(tmp_path, "sigmoid", [linspace(BLOCK + 50)])
    right = np.asarray(FUNCTIONS["sigmoid"].impl(case.args[0].materialize()))
    with_nan = right.copy()
    with_nan[BLOCK + 7] = np.nan
    verdict = judge(case, with_nan)
    assert (verdict.failure, verdict.details["index"]) == ("nan", [BLOCK + 7])
    assert judge(case, right.reshape(-1, 1)).failure == "shape"
    assert judge(case, (right > 0.5).astype(np.int64)).failure == "dtype-kind"
    assert judge(case, "a string").failure == "not-array"
    assert judge(case, None).failure == "returned-none"
    assert judge(case, right.tolist()).failure == "not-array"  # a list is not an array, however right its values


@pytest.mark.parametrize("bad", [np.array(["a"] * 3), np.array([0.5] * 3, dtype=object), np.str_("x")])
def test_strings_and_objects_are_not_array_like_small_or_large(tmp_path: Path, bad: Any) -> None:
    small = next(c for c in select(iter_cases(load_files())) if c.function == "sigmoid" and np.size(c.expected) == 3)
    large = load_one(tmp_path, "sigmoid", [linspace(3)])
    for case in (small, large):
        verdict = judge(case, bad)
        assert verdict.failure == "not-array" and "holding" in verdict.message


def test_an_input_changed_in_place_is_caught_by_regenerating_it(tmp_path: Path) -> None:
    case = load_one(tmp_path, "relu", [hashed([2 * BLOCK], low=-9.0, high=9.0)])

    def sneaky(x: np.ndarray) -> np.ndarray:
        out = FUNCTIONS["relu"].impl(x)
        x[2 * BLOCK - 1] = 0.0
        return out

    def reshaping(x: np.ndarray) -> np.ndarray:
        x.shape = (BLOCK, 2)
        return FUNCTIONS["relu"].impl(x.reshape(-1))

    for fn in (sneaky, reshaping):
        result = run_case(case, fn, DEFAULTS, ("x",))
        assert (result.outcome, result.failure) == ("failed", "mutated-input")


def test_judging_holds_only_blocks_in_memory(tmp_path: Path) -> None:
    n = 4_000_000  # 32 MB of float64
    case = load_one(tmp_path, "tanh", [linspace(n)])
    got = FUNCTIONS["tanh"].impl(case.args[0].materialize())
    tracemalloc.start()
    try:
        assert judge(case, got).outcome == "passed"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 12 * BLOCK * 8 < n * 8  # a bounded number of blocks, well below one full-size array


# --- how large cases live in the suite ---


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"args": (REFERENCE,), "expected": 1.0}, "can only be a case's expected value"),
        ({"args": (np.zeros(3),), "expected": REFERENCE}, "if and only if"),
        ({"args": (gen(),), "expected": np.zeros(1000)}, "if and only if"),
        ({"args": (gen(),), "expected": REFERENCE, "tags": ("edge",)}, "'large' tag"),
        ({"args": (gen(shape=(10,)),), "expected": REFERENCE, "tags": ("large",), "fn": "softmax"}, "block by block"),
        ({"args": (gen(),), "expected": REFERENCE, "tags": ("large",)}, None),
        ({"args": (np.zeros(3),), "expected": np.zeros(3)}, None),
    ],
)
def test_case_rules(fields: dict[str, Any], message: str | None) -> None:
    function = fields.pop("fn", "sigmoid")
    problem = case_problem(function, fields)
    assert problem is None if message is None else message in problem


def test_large_cases_run_only_when_selected(tmp_path: Path) -> None:
    small = {"id": "small", "description": "d", "tags": ["core"], "args": [0.5], "expected": 0.5}
    path = large_file(tmp_path, "relu", [small, large_case([linspace(100)])])
    vf, problems = read_file(path)
    assert not problems and vf is not None
    assert [c.id for c in select(vf.cases)] == ["small"]
    assert [c.id for c in select(vf.cases, tags=["large"])] == ["large-1"]
    assert [c.id for c in select(vf.cases, tags=["large", "core"])] == ["small", "large-1"]


def test_check_runs_large_cases_given_to_it(tmp_path: Path) -> None:
    from dlconform.api import check

    path = large_file(tmp_path, "tanh", [large_case([linspace(BLOCK + 1)])])
    vf, _ = read_file(path)
    assert vf is not None
    report = check("dlconform.reference", cases=vf.cases)
    assert [(r.id, r.outcome) for r in report.results] == [("large-1", "passed")]
    assert [r.id for r in check("dlconform.reference", vectors=path, tags=["large"]).results] == ["large-1"]


def test_generated_formula_sizes_are_bounded() -> None:
    assert math.prod([10**7]) == 10**7
    assert gen(shape=(10**7,)).nbytes == 8 * 10**7
