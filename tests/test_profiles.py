"""Library profiles: the file format and its errors, conversions and argument mapping, the built-in profiles
against the suite and their shipped baselines (the CI gates), and the run command's --profile/--bind."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from dlconform.api import check
from dlconform.catalogue import FUNCTIONS
from dlconform.cli import main
from dlconform.format.suite import iter_cases, load_files
from dlconform.run.baseline import apply_baseline, load_baseline
from dlconform.run.engine import run_cases
from dlconform.run.select import select
from dlconform.targets.open import Bindings, open_target
from dlconform.targets.profiles import (
    ConversionError,
    LibraryMissing,
    ProfileError,
    builtin_names,
    load_profile,
    parse_bind,
    read_profile,
)
from dlconform.targets.profiles.expr import ExpressionError, parse
from dlconform.targets.resolver import Unavailable

ROOT = Path(__file__).parent.parent
CASES = select(iter_cases(load_files()))  # the default selection: large cases only with --tag large
LIBRARY_PROFILES = ("scipy", "torch", "jax", "array_api")
NEEDS_SCIPY = pytest.mark.skipif(find_spec("scipy") is None, reason="SciPy is not installed (pip install scipy)")
FAKELIB = '''
import numpy as np

setup_calls = []


class Box:
    """A foreign array type: wraps an ndarray, shares its memory, has no __array__."""

    def __init__(self, data, device="cpu"):
        self.data = data
        self.device = device


def asarray(a, device="cpu"):
    return Box(a, device)


def unbox(y):
    return y.data


def setup():
    setup_calls.append(1)


def sigmoid(x):
    return Box(1 / (1 + np.exp(-x.data)))


def minus(a, b):
    return Box(a.data - b.data)


def scale(x, *, factor):
    return Box(x.data * factor)


def device_of(x):
    return Box(np.array(len(x.device), dtype=np.float64))


def double_in_place(a, b):
    a.data *= 2
    return Box(a.data * b.data)
'''


@pytest.fixture
def fakelib(tmp_path, monkeypatch):
    """A tiny foreign array library importable as ``dlc_fakelib``."""
    (tmp_path / "dlc_fakelib.py").write_text(FAKELIB)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "dlc_fakelib", raising=False)
    yield tmp_path
    sys.modules.pop("dlc_fakelib", None)


def write(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


FAKE_PROFILE = """
    format: 1
    name: fake
    description: "a profile for a fake library"
    library: dlc_fakelib
    imports: {lib: dlc_fakelib}
    device: meta
    setup: ["lib.setup()"]
    inputs: "lib.asarray(a, device=device)"
    outputs: "lib.unbox(y)"
    functions:
      sigmoid: dlc_fakelib:sigmoid
      L1: {call: "dlc_fakelib:minus", args: [y, yhat]}
      relu: {call: "dlc_fakelib:scale", kwargs: {factor: 3}}
      tanh: {expr: "lib.scale(x, factor=-1)"}
      tanh_derivative: {expr: "lib.device_of(x)"}
      multiply: dlc_fakelib:double_in_place
    unsupported:
      softmax: "the fake library has no softmax"
"""


# --- the format -------------------------------------------------------------------------------------------


def test_builtin_profiles_name_only_suite_functions_and_numpy_binds_every_one():
    """A library profile may leave a function out (it is then unsupported); the reference self-check binds all."""
    assert set(builtin_names()) == {"numpy", "scipy", "torch", "jax", "array_api"}
    for name in builtin_names():
        profile = load_profile(name)
        assert set(profile.functions) | set(profile.unsupported) <= set(FUNCTIONS), name
        assert all(reason.strip() for reason in profile.unsupported.values())
    numpy = load_profile("numpy")
    assert {f: b.call for f, b in numpy.functions.items()} == {f: f"dlconform.reference:{f}" for f in FUNCTIONS}


def test_bind_by_name_binds_what_is_neither_bound_nor_unsupported(tmp_path):
    body = "name: n\nbind_by_name: numpy\nfunctions: {sigmoid: 'numpy:exp'}\nunsupported: {softmax: none}\n"
    profile = read_profile(write(tmp_path, body))
    assert profile.functions["sigmoid"].call == "numpy:exp"
    assert profile.functions["tanh"].call == "numpy:tanh"
    assert set(profile.functions) == set(FUNCTIONS) - {"softmax"}


def test_library_baselines_ship_beside_their_profiles_and_name_suite_cases():
    keys = {c.key for c in CASES}
    assert load_profile("numpy").baseline is None  # the reference must pass everything
    for name in LIBRARY_PROFILES:
        path = load_profile(name).baseline
        assert path == (ROOT / "runner" / "targets" / "profiles" / f"{name}.baseline.yaml").resolve()
        baseline = load_baseline(path)
        assert baseline.entries, name
        assert set(baseline.entries) <= keys, name
        assert all(len(e.reason) > 20 and not e.reason.startswith("raised") for e in baseline.entries.values()), name


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("name: x\nfunctoins: {}\n", "unknown key 'functoins'"),
        ("format: 2\n", "format 2 is not supported"),
        ("functions: {sigmod: numpy:exp}\n", "unknown function 'sigmod'"),
        ("functions: {sigmoid: numpy.exp}\n", "must be 'module.path:attribute.path'"),
        ("functions: {sigmoid: {call: 'numpy:exp', expr: 'x'}}\n", "exactly one of call and expr"),
        ("functions: {sigmoid: {expr: 'lambda: x'}}\n", "Lambda is not allowed"),
        ("functions: {sigmoid: {expr: 'x.__class__'}}\n", "attribute '__class__' is not allowed"),
        ("functions: {sigmoid: {expr: 'np.exp(x)'}}\n", "unknown name 'np'"),
        ("functions: {sigmoid: {expr: 'x +'}}\n", "not a Python expression"),
        ("functions: {L1: {call: 'numpy:subtract', args: [a, b]}}\n", "args must list parameter names of L1"),
        ("functions: {sigmoid: {call: 'numpy:exp', kwarg: {}}}\n", "unknown binding key 'kwarg'"),
        ("functions: {sigmoid: numpy:exp}\nunsupported: {sigmoid: nope}\n", "both bound and listed as unsupported"),
        ("unsupported: {tanh: ''}\n", "unsupported: tanh: needs a reason"),
        ("bind_by_name: 'numpy; rm'\n", "bind_by_name 'numpy; rm' must be an importable module name"),
        ("imports: {np: 'numpy; rm'}\n", "is not 'name: module.path'"),
        ("inputs: 'torch.from_numpy(a)'\n", "inputs: unknown name 'torch'"),
        ("setup: ['import os']\n", "not a Python expression"),
        ("weak_scalars: yes please\n", "weak_scalars must be true or false"),
        ("- a list\n", "a profile is a mapping"),
        ("name: [unclosed\n", "mine.yaml:2: did not find expected"),
    ],
)
def test_bad_profile_files_are_one_line_naming_file_and_problem(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(ProfileError) as info:
        read_profile(path)
    text = str(info.value)
    assert message in text
    assert str(path) in text and "\n" not in text


def test_errors_give_the_line_of_the_key(tmp_path):
    path = write(tmp_path, "name: x\ndescription: y\nfunctions: {sigmod: numpy:exp}\n")
    with pytest.raises(ProfileError, match=r"mine\.yaml:3: functions: unknown function"):
        read_profile(path)


def test_load_profile_refuses_unknown_names_and_missing_files(tmp_path):
    with pytest.raises(ProfileError, match=r"not a built-in .*array_api, jax, numpy, scipy, torch"):
        load_profile("tensorflow")
    with pytest.raises(ProfileError, match="no such profile file"):
        load_profile(str(tmp_path / "absent.yaml"))


def test_extends_merges_functions_and_lets_the_child_move_them(tmp_path):
    write(
        tmp_path,
        "name: base\nfunctions: {sigmoid: numpy:exp, tanh: numpy:tanh}\nunsupported: {relu: no}\n",
        "base.yaml",
    )
    child = write(
        tmp_path, "extends: base.yaml\nname: child\nfunctions: {relu: numpy:abs}\nunsupported: {tanh: gone}\n"
    )
    profile = read_profile(child)
    assert profile.name == "child"
    assert set(profile.functions) == {"sigmoid", "relu"}
    assert profile.unsupported == {"tanh": "gone"}


def test_extends_refuses_cycles(tmp_path):
    write(tmp_path, "extends: b.yaml\n", "a.yaml")
    write(tmp_path, "extends: a.yaml\n", "b.yaml")
    with pytest.raises(ProfileError, match="cycle"):
        read_profile(tmp_path / "a.yaml")


def test_expressions_allow_calls_arithmetic_subscripts_and_nothing_else():
    expr = parse("f(x, (1, -2))[1] ** 2 / 3 >= y", ["f", "x", "y"])
    assert expr.evaluate({"f": lambda a, b: b, "x": 0, "y": 1.0}) is True
    for source in ("[i for i in x]", "x if x else y", "(z := x)", "__import__('os')", "x.__dict__", "f'{x}'"):
        with pytest.raises(ExpressionError):
            parse(source, ["x", "y"])
    with pytest.raises(NameError):  # no builtins at run time either
        parse("x", ["x"]).evaluate({})


def test_parse_bind_accepts_aliases_and_refuses_malformed_options():
    binding = parse_bind("normalize_rows=scipy.linalg:norm")
    assert (binding.function, binding.call) == ("normalizeRows", "scipy.linalg:norm")
    for bad in ("sigmoid", "sigmod=scipy.special:expit", "sigmoid=scipy.special.expit", "=x:y"):
        with pytest.raises(ProfileError, match="--bind"):
            parse_bind(bad)


# --- conversions and argument mapping, on a fake library -----------------------------------------------------


def test_conversions_argument_mapping_device_and_setup(fakelib):
    target = open_target(read_profile(write(fakelib, FAKE_PROFILE)))
    lib = sys.modules["dlc_fakelib"]
    assert lib.setup_calls == [1]
    assert target.info["library"] == "dlc_fakelib" and target.info["device"] == "meta"
    x = np.array([-1.0, 0.0, 2.0], dtype=np.float32)
    got = target.resolve("sigmoid")(x)
    assert isinstance(got, np.ndarray) and got.dtype == np.float32
    np.testing.assert_array_equal(got, 1 / (1 + np.exp(-x)))
    assert target.resolve("L1")(np.array([1.0]), np.array([5.0]))[0] == 4.0  # args: [y, yhat]
    np.testing.assert_array_equal(target.resolve("relu")(x), x * 3)  # kwargs
    np.testing.assert_array_equal(target.resolve("tanh")(x), -x)  # expr
    assert target.resolve("tanh_derivative")(x) == len("meta")  # the device reached the library
    assert target.resolve("relu")(2.5) == 7.5  # a Python scalar becomes a 0-d array, then the library's


def test_unsupported_is_skipped_with_its_reason_and_so_is_unbound(fakelib):
    target = open_target(read_profile(write(fakelib, FAKE_PROFILE)))
    skipped = target.resolve("softmax")
    assert skipped == Unavailable("unsupported by fake: the fake library has no softmax", "skipped", "unsupported")
    unbound = target.resolve("dot")
    assert unbound == Unavailable("not bound by profile fake", "skipped", "unsupported")
    results = run_cases([c for c in CASES if c.function in ("softmax", "dot")], target.resolve)
    assert {r.outcome for r in results if r.function == "softmax"} == {"skipped"}
    assert {(r.outcome, r.message) for r in results if r.function == "dot"} == {("skipped", unbound.reason)}


def test_a_callable_that_does_not_exist_is_missing_not_a_crash(fakelib):
    path = write(fakelib, "name: f\nfunctions: {sigmoid: dlc_fakelib:nothing, tanh: no_such_module_x:tanh}\n")
    target = open_target(read_profile(path))
    for function in ("sigmoid", "tanh"):
        found = target.resolve(function)
        assert isinstance(found, Unavailable) and found.failure == "unresolved"  # no student words (issue 19)
        assert f"profile f binds {function} to " in found.reason and "is not available" in found.reason


def test_memory_shared_with_the_library_shows_in_place_changes(fakelib):
    target = open_target(read_profile(write(fakelib, FAKE_PROFILE)))
    results = run_cases([c for c in CASES if c.function == "multiply" and not c.raises], target.resolve)
    assert "mutated-input" in {r.failure for r in results}


def test_conversion_failures_say_which_conversion(fakelib):
    path = write(
        fakelib,
        "name: f\nimports: {lib: dlc_fakelib}\ninputs: 'lib.missing(a)'\nfunctions: {sigmoid: dlc_fakelib:sigmoid}\n",
    )
    target = open_target(read_profile(path))
    with pytest.raises(ConversionError, match=r"inputs 'lib.missing\(a\)' failed on float64 \(1,\): AttributeError"):
        target.resolve("sigmoid")(np.array([1.0]))


def test_a_missing_library_is_one_line_with_the_install_command(tmp_path):
    path = write(
        tmp_path, "name: absent\nimports: {q: dlc_no_such_library}\nfunctions: {sigmoid: dlc_no_such_library:f}\n"
    )
    with pytest.raises(
        LibraryMissing, match=r"needs dlc_no_such_library, which is not installed .*pip install dlc_no_such_library"
    ):
        open_target(read_profile(path))


@NEEDS_SCIPY
def test_bind_alone_checks_only_what_it_binds():
    target = open_target(Bindings(None, ("sigmoid=scipy.special:expit",)))
    assert target.info["spec"] == "--bind sigmoid=scipy.special:expit"
    report = check(target, tags=["article"])
    by_function = {r.function: r.outcome for r in report.results}
    assert by_function["sigmoid"] == "passed"
    assert {o for f, o in by_function.items() if f != "sigmoid"} == {"skipped"}


@NEEDS_SCIPY
def test_bind_on_top_of_a_profile_replaces_unsupported():
    target = open_target(Bindings("scipy", ("tanh=numpy:tanh",)))
    assert callable(target.resolve("tanh"))
    # np.tanh gives float16 for bool, int8 and uint8 (float32 for int16), where float64 is stated
    assert check(target, functions=["tanh"], keyword="not bool and not int8 and not int16").ok


# --- the built-in profiles against the suite ---------------------------------------------------------------


def test_numpy_profile_is_the_reference_and_passes_everything():
    report = check(open_target(Bindings("numpy")))
    assert report.counts()["passed"] == len(CASES)


def gate(name: str, **selection) -> None:
    """Run a profile and check it against its shipped baseline: the CI gate for that library."""
    target = open_target(Bindings(name))
    report = check(target, **selection)
    _, result = apply_baseline(report, load_baseline(target.profile.baseline))
    assert result.exit_code(strict=True) == 0, (result.new_failures, result.changed, result.fixed)


def test_scipy_matches_its_baseline():
    pytest.importorskip("scipy", reason="SciPy is not installed")
    gate("scipy")
    scipy = open_target(Bindings("scipy"))
    report = check(scipy, functions=["sigmoid", "softmax"], exclude_tags=["edge"], keyword="not float16")
    assert report.ok  # expit and softmax agree with the reference wherever the input is neither degenerate nor float16


@pytest.fixture(scope="module")
def torch_target():
    pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0 installs the CPU build)")
    return open_target(Bindings("torch"))


def test_torch_matches_its_baseline(torch_target):
    report = check(torch_target)
    _, result = apply_baseline(report, load_baseline(torch_target.profile.baseline))
    assert result.exit_code(strict=True) == 0, (result.new_failures, result.changed, result.fixed)
    assert torch_target.info["device"] == "cpu"


def test_torch_converts_through_tensors_and_back(torch_target):
    import torch

    x = np.array([[1.0, -2.0], [0.5, 3.0]], dtype=np.float32)
    tensor = torch_target.to_library(x)
    assert isinstance(tensor, torch.Tensor) and tensor.dtype == torch.float32
    got = torch_target.resolve("softmax")(x)
    assert isinstance(got, np.ndarray) and got.dtype == np.float32
    np.testing.assert_allclose(got, FUNCTIONS["softmax"].impl(x), rtol=1e-6)
    derivative = torch_target.resolve("sigmoid_derivative")(np.array([0.0, 40.0]))
    assert derivative[0] == 0.25 and derivative[1] == 0.0  # autograd's s*(1-s) cancels in the tail


def test_jax_matches_its_baseline():
    pytest.importorskip("jax", reason="JAX is not installed (pip install jax jaxlib)")
    gate("jax")  # the whole suite (about 15 s: JAX compiles each new shape); a subset let the baseline go stale


def test_array_api_profile_matches_its_baseline_with_array_api_strict():
    pytest.importorskip("array_api_strict", reason="array-api-strict is not installed (pip install array-api-strict)")
    gate("array_api")


def test_array_api_profile_works_with_another_namespace(tmp_path):
    path = write(tmp_path, "extends: array_api\nname: numpy-xp\nlibrary: numpy\nimports: {xp: numpy}\n")
    target = open_target(read_profile(path))
    assert target.info["library"] == "numpy"
    report = check(
        target, functions=["sigmoid", "sigmoid_derivative", "tanh_derivative", "relu"], exclude_tags=["dtype"]
    )
    assert report.ok, [r.key for r in report.results if r.outcome != "passed"]


@pytest.mark.parametrize(("weak", "dtype"), [(False, "float64"), (True, "float32")])
def test_weak_scalars_leave_a_python_number_beside_an_array_to_the_library(tmp_path, weak, dtype):
    """Converted, 2.5 becomes a float64 array and wins over float32; left as it is, NumPy keeps float32 (NEP 50)."""
    body = "name: np-arrays\nimports: {numpy: numpy}\ninputs: 'numpy.asarray(a)'\n"
    body += f"weak_scalars: {str(weak).lower()}\nfunctions: {{multiply: numpy:multiply}}\n"
    target = open_target(read_profile(write(tmp_path, body)))
    multiply = target.resolve("multiply")
    assert multiply(2.5, np.ones(3, dtype=np.float32)).dtype == dtype
    assert multiply(np.float64(2.5), np.ones(3, dtype=np.float32)).dtype == "float64"  # a NumPy scalar is strong
    assert multiply(2.5, 4.0) == 10.0  # without an array beside it, a number is converted as before


# --- the run command --------------------------------------------------------------------------------------


def invoke(*args: str):
    return CliRunner().invoke(main, ["run", *args])


@NEEDS_SCIPY
def test_run_profile_applies_its_baseline_and_exits_0():
    result = invoke("--profile", "scipy", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"baseline":' in result.output and "scipy.baseline.yaml" in result.output


@NEEDS_SCIPY
def test_run_profile_with_dtypes_skips_the_shipped_baseline():
    result = invoke("--profile", "scipy", "-f", "normalizeRows", "--dtypes", "float64")
    assert result.exit_code == 1  # normalizeRows@float64 failures are not in the baseline's ids


@NEEDS_SCIPY
def test_run_user_profile_file_and_bind(tmp_path):
    path = write(tmp_path, "name: mine\nfunctions: {sigmoid: scipy.special:expit}\n")
    assert (
        invoke("--profile", str(path), "-f", "sigmoid", "-k", "not float16").exit_code == 0
    )  # expit: float16 to float64
    result = invoke("--bind", "sigmoid=scipy.special:expit", "--bind", "softmax=reference:softmax", "-t", "article")
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("skipped")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "nope"], "no profile 'nope'"),
        (["--bind", "sigmoid"], "--bind 'sigmoid': want FUNCTION=module:callable"),
        (["examples/tutorial.py", "--profile", "numpy"], "give a TARGET or --profile/--bind, not both"),
        ([], "missing TARGET"),
        (["--profile", "numpy", "--dtypes", "float8"], "'float8' is not one of float16, float32, float64"),
    ],
)
def test_run_profile_usage_errors_exit_2_with_one_line(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_bad_profile_file_is_exit_2_without_traceback(tmp_path):
    path = write(tmp_path, "name: x\nfunctions: {sigmoid: {expr: 'x.__class__'}}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "dlconform", "run", "--profile", str(path)], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{path}:2: functions: sigmoid: expr: attribute '__class__' is not allowed" in proc.stderr
