"""``dlconform generate``: fills and canonicalises files, is idempotent, and ``--check`` is tolerance-aware."""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from dlconform import atomic
from dlconform.cli import main
from dlconform.format.emit import render
from dlconform.format.suite import read_file
from dlconform.format.values import DTYPES, decode, encode
from dlconform.tools.generate import generate_file
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

GOOD = Path(__file__).resolve().parent / "data" / "vectors" / "good"
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def copies(tmp_path: Path) -> Path:
    """A private copy of the good fixtures."""
    folder = tmp_path / "vectors"
    shutil.copytree(GOOD, folder)
    return folder


def load(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)


def rewrite(path: Path, edit) -> None:
    """Apply ``edit`` to a file's data and write it back in canonical form."""
    data = load(path)
    edit(data)
    path.write_text(render(data), encoding="utf-8")


def case_of(data: dict[str, Any], cid: str) -> dict[str, Any]:
    return next(c for c in data["cases"] if c["id"] == cid)


def nudge(value: Any, index: tuple[int, ...], steps: int) -> Any:
    """A stored array with one element moved ``steps`` ULPs up, in its own dtype."""
    arr = np.array(decode(value))
    for _ in range(steps):
        arr[index] = np.nextafter(arr[index], np.inf, dtype=arr.dtype)
    return encode(arr)


def test_generate_fills_missing_values_in_canonical_form(copies: Path) -> None:
    """Expected values removed and the file dumped in another YAML style: generate restores it byte for byte."""
    filled = 0
    for path in sorted(copies.glob("*.yaml")):
        data = load(path)
        if not any("expected" in case and case["expected"] != {"generate": "reference"} for case in data["cases"]):
            continue  # only expected_any (hand-listed alternatives) or large cases: nothing for generate to fill
        filled += 1
        for case in data["cases"]:
            if case.get("expected") != {"generate": "reference"}:  # large cases store no result
                case.pop("expected", None)
        path.write_text(yaml.safe_dump(data, sort_keys=True, allow_unicode=True), encoding="utf-8")
        assert read_file(path)[0] is None  # a case without an outcome is not a usable file ...
        result = generate_file(path)  # ... but generate fills it in
        assert result.problems == [] and result.changed
        assert path.read_bytes() == (GOOD / path.name).read_bytes()
    assert filled >= 4


def test_generate_is_idempotent(copies: Path) -> None:
    first = invoke("generate", str(copies))
    assert first.exit_code == 0 and "rewrote" not in first.stdout
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in copies.glob("*.yaml")}
    second = invoke("generate", str(copies))
    assert second.exit_code == 0 and "rewrote" not in second.stdout
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in copies.glob("*.yaml")} == before


def test_check_passes_on_canonical_files(copies: Path) -> None:
    result = invoke("generate", "--check", str(copies))
    assert result.exit_code == 0, result.stdout
    assert result.stdout.strip() == f"{len(list(GOOD.glob('*.yaml')))} file(s) checked"


@pytest.mark.parametrize(
    ("file", "case", "index"),
    [("sigmoid.yaml", "vector", (3,)), ("sigmoid.yaml", "float32-matrix", (0, 1)), ("dot.yaml", "vectors-float32", ())],
)
def test_check_tolerates_one_ulp_but_not_drift(copies: Path, file: str, case: str, index: tuple[int, ...]) -> None:
    """NumPy versions differ in the last bit: 1 ULP passes; a value moved far beyond the case's tolerance fails."""
    path = copies / file
    original = path.read_text(encoding="utf-8")
    rewrite(path, lambda d: case_of(d, case).update(expected=nudge(case_of(d, case)["expected"], index, 1)))
    assert path.read_text(encoding="utf-8") != original
    assert invoke("generate", "--check", str(path)).exit_code == 0

    path.write_text(original, encoding="utf-8")
    rewrite(path, lambda d: case_of(d, case).update(expected=nudge(case_of(d, case)["expected"], index, 10_000)))
    result = invoke("generate", "--check", str(path))
    assert result.exit_code == 1
    line = case_of_line(path, case)
    assert f"{path}:{line}: case {case}: stored expected value drifted from the reference" in result.stdout
    assert result.stdout.count("drifted") == 1


def case_of_line(path: Path, cid: str) -> int:
    vf, _ = read_file(path)
    return next(c.line for c in vf.cases if c.id == cid)


def test_check_is_exact_where_the_file_is_exact(copies: Path) -> None:
    """relu is exact: even one ULP is drift."""
    path = copies / "relu.yaml"
    rewrite(
        path,
        lambda d: case_of(d, "float32-matrix").update(
            expected=nudge(case_of(d, "float32-matrix")["expected"], (0, 1), 1)
        ),
    )
    result = invoke("generate", "--check", str(path))
    assert result.exit_code == 1 and "case float32-matrix: stored expected value drifted" in result.stdout


def test_check_refuses_a_stored_value_of_another_dtype(copies: Path) -> None:
    path = copies / "sigmoid.yaml"
    rewrite(path, lambda d: case_of(d, "float32-matrix")["expected"].update(dtype="float64"))
    result = invoke("generate", "--check", str(path))
    assert result.exit_code == 1
    assert "case float32-matrix: stored expected value is float64 but the reference returns float32" in result.stdout


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            '  description: "float32 in, float32 out."\n  tags: [dtype]\n',
            '  tags: [dtype]\n  description: "float32 in, float32 out."\n',
        ),
        ("  expected: 0.9525741268224333\n", "  expected: 9.525741268224333e-1\n"),
        ("  expected: 0.9525741268224333\n", "  expected: {scalar: 0.9525741268224333, dtype: float64}\n"),
        ("  float32: {rtol: 9.5367431640625e-07, atol", "  float32: {atol: 9.5367431640625e-07, rtol"),
        ("  float64: {rtol: 1.7763568394002505e-15, atol: 1.7763568394002505e-15}\n", ""),
        ("tags: [core]", "tags:    [core]"),
    ],
    ids=[
        "reordered-case-keys",
        "float-spelling",
        "scalar-form",
        "tolerance-key-order",
        "tolerance-dtype-order",
        "spacing",
    ],
)
def test_check_refuses_non_canonical_but_equal_files(copies: Path, old: str, new: str) -> None:
    path = copies / "sigmoid.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    if new == "":  # move the float64 line after float16: same mapping, another order
        text = text.replace(old, "").replace(
            "  float16: {rtol: 0.00390625, atol: 0.00390625}\n",
            "  float16: {rtol: 0.00390625, atol: 0.00390625}\n" + old,
        )
    else:
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    assert read_file(path)[1] == []
    result = invoke("generate", "--check", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == f"{path}: not in canonical form: run 'dlconform generate'"
    assert invoke("generate", str(path)).exit_code == 0
    assert path.read_bytes() == (GOOD / "sigmoid.yaml").read_bytes()


def test_check_refuses_a_file_missing_an_expected_value(copies: Path) -> None:
    path = copies / "relu.yaml"
    rewrite(path, lambda d: case_of(d, "empty").pop("expected"))
    result = invoke("generate", "--check", str(path))
    assert result.exit_code == 1 and "case empty: no expected value yet: run 'dlconform generate'" in result.stdout


def test_reference_must_satisfy_expected_any_and_raises(copies: Path) -> None:
    """generate checks what it cannot compute: the reference must be among expected_any and raise where required."""
    path = copies / "normalizeRows.yaml"
    rewrite(path, lambda d: case_of(d, "zero-row")["expected_any"][0]["array"][1].__setitem__(0, 0.5))
    dot = copies / "dot.yaml"
    rewrite(
        dot,
        lambda d: (
            case_of(d, "matrices").update(raises="ValueError", expected=None) or case_of(d, "matrices").pop("expected")
        ),
    )
    before = {p: p.read_bytes() for p in (path, dot)}
    result = invoke("generate", str(path), str(dot))
    assert result.exit_code == 1
    assert "case zero-row: the reference result is not among expected_any" in result.stdout
    assert "case matrices: the reference returns a value, not ValueError" in result.stdout
    assert {p: p.read_bytes() for p in (path, dot)} == before  # a file with problems is not rewritten


def test_a_failed_write_leaves_the_old_file_and_no_temporary(copies: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = copies / "relu.yaml"
    rewrite(path, lambda d: case_of(d, "empty").pop("expected"))
    before = path.read_bytes()

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    result = generate_file(path)
    assert [p.message for p in result.problems] == ["cannot write: No space left on device"]
    assert path.read_bytes() == before
    assert sorted(p.name for p in copies.iterdir()) == sorted(p.name for p in GOOD.iterdir())
    monkeypatch.undo()
    assert generate_file(path).changed and os.path.getsize(path) > len(before)


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=20) | st.sampled_from(
    ["yes", "No", "null", "~", "1e-5", "1.5", "- x", "a: b", "#c", "'q'", '"', "", " ", "é中", "\u2028", "\x85"]
)
VALUES = (
    hnp.arrays(
        st.sampled_from(DTYPES).map(np.dtype), hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=12)
    ).map(encode)
    | st.floats(allow_nan=False)
    | st.integers(-(2**63), 2**63 - 1)
    | st.booleans()
)
CASES = st.fixed_dictionaries(
    {
        "id": st.just("c"),
        "description": TEXT,
        "tags": st.lists(TEXT, min_size=1, max_size=3),
        "args": st.lists(VALUES, max_size=3),
        "expected": VALUES,
    },
    optional={
        "source": TEXT,
        "hidden": st.booleans(),
        "tolerance": st.fixed_dictionaries({"ulp": st.floats(0, 100), "reason": TEXT}),
    },
)
FILES = st.fixed_dictionaries(
    {
        "format": st.just(1),
        "function": TEXT,
        "params": st.lists(TEXT, max_size=3),
        "description": TEXT,
        "accuracy": TEXT,
        "tolerance": st.dictionaries(
            st.sampled_from(["float64", "float32", "float16"]),
            st.fixed_dictionaries({"rtol": st.floats(0, 1), "atol": st.floats(0, 1)}),
        ),
        "cases": st.lists(CASES, min_size=1, max_size=3),
    }
)


def same(a: Any, b: Any) -> bool:
    """Equal data; value mappings compared as the arrays they decode to (bits, NaN equal to NaN)."""
    if isinstance(a, dict) and "dtype" in a and ("array" in a or "scalar" in a):
        x, y = np.asarray(decode(a)), np.asarray(decode(b))
        if x.dtype != y.dtype or x.shape != y.shape:
            return False
        if x.dtype.kind != "f":
            return np.array_equal(x, y)
        nan = np.isnan(x)
        return np.array_equal(nan, np.isnan(y)) and x[~nan].tobytes() == y[~nan].tobytes()
    if isinstance(a, dict):
        return isinstance(b, dict) and set(a) == set(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return type(a) is type(b) and a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


@given(data=FILES)
@settings(max_examples=150, deadline=None)
def test_render_loads_back_to_equal_data_and_is_a_fixed_point(data: dict[str, Any]) -> None:
    """Whatever strings and arrays a file holds, its canonical text reads back to the same data, and re-renders the same."""
    text = render(data)
    back = yaml.load(text, Loader=Loader)
    assert same(data, back)
    assert render(back) == text


def test_long_mappings_keep_the_canonical_key_order() -> None:
    """A tolerance too long for one line is split into lines, its keys still in canonical order."""
    reason = "relative accuracy where the exact result is tiny, as the issue's measured facts require " * 2
    case = {"id": "c", "description": "d", "tags": ["core"], "args": [1.0], "expected": 0.5}
    texts = {
        render({"format": 1, "cases": [{**case, "tolerance": tolerance}]})
        for tolerance in ({"ulp": 8, "reason": reason}, {"reason": reason, "ulp": 8})
    }
    assert len(texts) == 1
    (text,) = texts
    assert "  tolerance:\n    ulp: 8\n    reason: " in text
