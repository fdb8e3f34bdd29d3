"""--dtypes: which cases multiply, what the cast cases expect, and that precision loss is caught per dtype."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from dlconform.catalogue import FUNCTIONS
from dlconform.cli import main
from dlconform.format.suite import bundled_dir, iter_cases, load_files
from dlconform.format.tolerance import Tolerance
from dlconform.judge.expected import reference_value
from dlconform.run.dtypes import DtypeError, expand, in_dtype, is_float_case, parse_dtypes
from dlconform.run.engine import run_cases

CASES = list(iter_cases(load_files()))
ALL = parse_dtypes("float16,float32,float64")


def test_parse_dtypes_keeps_order_and_drops_duplicates():
    assert parse_dtypes(" float32,float16,float32 ") == (np.dtype(np.float32), np.dtype(np.float16))
    for bad in ("", "float8", "float32,int32", "bfloat16"):
        with pytest.raises(DtypeError, match="--dtypes"):
            parse_dtypes(bad)


def test_only_float_tolerance_judged_value_cases_multiply():
    float_cases = [c for c in CASES if is_float_case(c)]
    assert float_cases, "the suite has float cases"
    for case in CASES:
        floats = any(isinstance(a, np.ndarray | np.floating) and a.dtype.kind == "f" for a in case.args)
        expected = floats and case.raises is None and case.accuracy != "exact"
        assert is_float_case(case) == expected, case.key
    expanded = expand(CASES, ALL)
    assert len(expanded) == len(CASES) + 2 * len(float_cases)
    ids = [c.key for c in expanded]
    assert len(ids) == len(set(ids))


def test_cast_cases_keep_suite_order_and_name_their_dtype():
    case = next(c for c in CASES if is_float_case(c))
    out = expand([case], ALL)
    assert [c.id for c in out] == [f"{case.id}@float16", f"{case.id}@float32", f"{case.id}@float64"]
    assert all("(run in " in c.description for c in out)
    assert all(c.tags == case.tags and c.function == case.function for c in out)


@pytest.mark.parametrize("dtype", ALL, ids=str)
def test_cast_inputs_and_expected_values_are_in_the_dtype(dtype):
    for case in (c for c in CASES if is_float_case(c)):
        cast = in_dtype(case, dtype)
        for before, after in zip(case.args, cast.args, strict=True):
            if isinstance(before, np.ndarray | np.floating) and before.dtype.kind == "f":
                assert after.dtype == dtype
                with np.errstate(over="ignore"):
                    np.testing.assert_array_equal(after, np.asarray(before).astype(dtype))
            else:
                assert after is before
        if cast.expected_any is None:
            expected = np.asarray(cast.expected)
            with np.errstate(all="ignore"):
                again = np.asarray(reference_value(cast))
            assert expected.dtype == again.dtype
            np.testing.assert_array_equal(expected, again)


def test_expected_comes_from_higher_precision_not_from_the_dtype():
    case = next(c for c in CASES if c.function == "sigmoid" and is_float_case(c) and np.size(c.args[0]) > 2)
    cast = in_dtype(case, np.float16)
    precise = FUNCTIONS["sigmoid"].impl(cast.args[0].astype(np.longdouble)).astype(np.float16)
    np.testing.assert_array_equal(cast.expected, precise)


def test_tolerances_per_dtype():
    case = next(c for c in CASES if is_float_case(c) and c.tolerance is None)
    assert in_dtype(case, np.float16).tolerance_for(np.float16) == case.file_tolerance["float16"]
    ulp_case = next(c for c in CASES if is_float_case(c) and c.tolerance is not None and c.tolerance.ulp is not None)
    assert in_dtype(ulp_case, np.float32).tolerance == ulp_case.tolerance
    own = next(np.dtype(a.dtype) for a in case.args if isinstance(a, np.ndarray) and a.dtype.kind == "f")
    other = next(d for d in ALL if d != own)
    tuned = in_dtype(replace(case, tolerance=Tolerance(rtol=1e-3, reason="tuned")), other)
    assert tuned.tolerance is None  # an rtol/atol override belongs to the case's own dtype


def test_the_reference_passes_every_case_in_every_dtype():
    from dlconform.catalogue import FUNCTIONS as F

    with np.errstate(all="ignore"):
        results = run_cases(expand(CASES, ALL), lambda name: F[name].impl)
    assert {r.outcome for r in results} == {"passed"}, [r.key for r in results if r.outcome != "passed"][:5]


def float32_inside(name: str):
    """The reference computed in float32 whatever the input: fine for float32/16, not for float64."""
    impl = FUNCTIONS[name].impl

    def fn(*args):
        out = impl(*[a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in args])
        first = next((a for a in args if isinstance(a, np.ndarray) and a.dtype.kind == "f"), None)
        return np.asarray(out).astype(first.dtype) if first is not None else out

    return fn


def test_a_float32_implementation_fails_only_in_float64():
    cases = expand([c for c in CASES if c.function == "sigmoid" and "core" in c.tags], ALL)
    results = run_cases(cases, float32_inside)
    failed = {r.id.rsplit("@", 1)[1] for r in results if r.outcome == "failed" and "@" in r.id}
    assert failed == {"float64"}


def test_run_dtypes_reports_the_new_ids():
    result = CliRunner().invoke(
        main, ["run", "dlconform.reference", "-f", "tanh", "--dtypes", "float16,float32", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    ids = json.loads(result.output)["passed"]["tanh"]  # a passing case: its id only
    assert any(i.endswith("@float16") for i in ids) and any(i.endswith("@float32") for i in ids)
    assert not any(i.endswith("@float64") for i in ids)


def test_a_dtype_without_a_default_tolerance_is_a_usage_error(tmp_path):
    """A file that declares no float32 tolerance cannot be run in float32: it would be judged exactly."""
    bundled = bundled_dir() / "sigmoid.yaml"
    data = yaml.safe_load(bundled.read_text())
    data["tolerance"] = {"float64": data["tolerance"]["float64"]}
    data["cases"] = [c for c in data["cases"] if c["id"] == "core-matrix"]
    mine = tmp_path / "sigmoid.yaml"
    mine.write_text(yaml.safe_dump(data))
    args = ["run", "dlconform.reference", "--no-bundled", "--vectors", str(mine), "--dtypes", "float32"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"dlconform: error: --dtypes float32: {mine} has no default float32 tolerance "
        "(add one under its 'tolerance:' to run its cases in float32)"
    ]
