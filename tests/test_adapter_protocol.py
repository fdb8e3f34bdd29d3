"""The adapter protocol (docs/protocol.md): its schemas, exact values, and a verdict for every way an adapter can
misbehave, each within the call timeout (tests/fakes/adapters/fake_adapter.py plays the adapter)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from dlconform.format.suite import iter_cases, load_files
from dlconform.run.pipeline import Plan, execute
from dlconform.targets.adapter import codec
from dlconform.targets.adapter.messages import MESSAGES, problem, schema
from dlconform.targets.adapter.target import AdapterError, AdapterTarget
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.open import Adapter

ROOT = Path(__file__).resolve().parents[1]
FAKE = ROOT / "tests" / "fakes" / "adapters" / "fake_adapter.py"
FAST = Limits(timeout=1.5, memory=1 << 30)


def fake(mode: str, *extra: str) -> str:
    """The command running the fake adapter in ``mode``."""
    return " ".join([sys.executable, str(FAKE), mode, *extra])


def cases(function: str = "sigmoid", ids: tuple[str, ...] = ()):
    """The bundled cases of ``function`` (only those ``ids``, when given), no large ones."""
    return tuple(
        c
        for c in iter_cases(load_files())
        if c.function == function and "large" not in c.tags and (not ids or c.id in ids)
    )


def run(mode: str, selected=None, limits: Limits = FAST, *extra: str):
    """The report of ``selected`` cases (default: sigmoid's) run through the fake adapter in ``mode``."""
    return execute(Plan(Adapter(fake(mode, *extra)), selected or cases(), isolation=limits))


def outcomes(report) -> dict[str, int]:
    """How many cases ended in each outcome."""
    counts: dict[str, int] = {}
    for r in report.results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    return counts


# --- the schemas ------------------------------------------------------------------------------------------


def test_every_message_has_a_schema_that_is_itself_valid():
    import jsonschema

    for name in MESSAGES:
        jsonschema.Draft202012Validator.check_schema(schema(name))


def test_the_documented_examples_validate_and_broken_ones_do_not():
    """Every JSON line in docs/protocol.md's examples is a valid message of its type."""
    lines = [
        json.loads(line)
        for line in (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8").splitlines()
        if line.startswith('{"type"')
    ]
    assert {m["type"] for m in lines} >= {"hello", "describe", "call", "result", "error", "unsupported", "bye"}
    for message in lines:
        assert problem(message["type"], message) is None, message
    assert problem("describe", {"type": "describe", "protocol": 1}) is not None
    assert problem("result", {"type": "result", "id": 1, "value": {"kind": "array", "dtype": "float64"}}) is not None
    assert "dtype" in problem("call", {"type": "call", "id": 1, "function": "f", "args": [{"kind": "array", "dtype": "complex128", "shape": [], "values": [1]}]})  # fmt: skip


# --- values travel exactly ---------------------------------------------------------------------------------

SPECIAL = np.array([math.nan, math.inf, -math.inf, -0.0, 5e-324, 2.2250738585072014e-308, 1.0 / 3.0, -1e308])


@pytest.mark.parametrize("encoding", ["base64", "text"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_specials_round_trip_bit_for_bit(encoding, dtype):
    with np.errstate(over="ignore"):  # -1e308 becomes -inf in float32 and float16
        arr = SPECIAL.astype(dtype).reshape(2, 4)
    back = codec.decode(json.loads(json.dumps(codec.encode(arr, encoding))))
    assert back.dtype == arr.dtype and back.shape == arr.shape and back.tobytes() == arr.tobytes()


@pytest.mark.parametrize("encoding", ["base64", "text"])
def test_integers_bools_and_python_numbers_keep_their_kind(encoding):
    for value in (np.array([-(2**63), 2**63 - 1]), np.array([0, 255], dtype=np.uint8), np.array([True, False])):
        assert codec.decode(codec.encode(value, encoding)).tobytes() == value.tobytes()
    for value in (3, -2.5, True):
        back = codec.decode(codec.encode(value, encoding))
        assert type(back) is type(value) and back == value
    scalar = codec.decode(codec.encode(np.float32(1.5), encoding))
    assert isinstance(scalar, np.float32)


@pytest.mark.parametrize(
    "value",
    [
        {"kind": "array", "dtype": "float64", "shape": [3], "values": [1, 2]},
        {"kind": "array", "dtype": "float64", "shape": [1], "data": "AAAA"},
        {"kind": "array", "dtype": "int8", "shape": [1], "values": [300]},
        {"kind": "array", "dtype": "bool", "shape": [1], "values": [1]},
        {"kind": "array", "dtype": "float64", "shape": [1], "values": ["nan"]},
        {"kind": "array", "dtype": "object", "shape": [1], "values": [1]},
        {"kind": "scalar", "dtype": "float64", "shape": [2], "values": [1, 2]},
        {"kind": "array", "dtype": "float64", "shape": [-1], "values": []},
        {"kind": "array", "dtype": "float64", "shape": [1], "values": [1], "data": ""},
        {"kind": "array", "dtype": "float64", "shape": [1], "data": "not base64!"},
    ],
)
def test_a_malformed_value_is_refused(value):
    with pytest.raises(codec.BadValue):
        codec.decode(value)


# --- a well-behaved adapter --------------------------------------------------------------------------------


def test_a_correct_adapter_passes_and_takes_only_its_dtypes():
    report = run("good")
    assert outcomes(report)["passed"] > 20 and "failed" not in outcomes(report) and "error" not in outcomes(report)
    skipped = [r for r in report.results if r.outcome == "skipped"]
    assert skipped and all("the adapter does not take" in r.message for r in skipped)
    assert any("does not take float32 (its dtypes: float64, int64)" in r.message for r in skipped)
    assert report.target["adapter"]["language"] == "python" and report.target["version"] == "1.0"


def test_a_function_the_adapter_lacks_is_missing_and_a_raised_error_matches_by_name():
    report = run("raises", cases("L1") + cases("tanh", ("core-mixed-signs",)))
    by_id = {r.key: r for r in report.results}
    assert by_id["tanh::core-mixed-signs"].failure == "missing"
    assert by_id["L1::raises-length-mismatch"].outcome == "passed"  # ValueError where ValueError is required
    assert by_id["L1::article-vectors"].failure == "raised:ValueError"


def test_an_unsupported_reply_skips_the_case_with_its_reason():
    report = run("unsupported", cases("sigmoid", ("core-mixed-signs",)))
    assert [(r.outcome, r.failure) for r in report.results] == [("skipped", "unsupported")]
    assert "no such thing in this language" in report.results[0].message


# --- each misbehaviour gives its verdict, fast -------------------------------------------------------------


@pytest.mark.parametrize(
    "mode, words",
    [
        ("garbage", "not JSON"),
        ("huge", "longer than"),
        ("wrong-id", "id"),
        ("noise", "not JSON"),
        ("unknown", "'progress'"),
        ("bad-value", "values must list"),
    ],
)
def test_a_reply_that_breaks_the_protocol_is_that_calls_error(mode, words):
    start = time.monotonic()
    # a timeout no restart or 100 MB line can reach on a busy machine: each break must be its own verdict, not a timeout
    roomy = Limits(timeout=15.0, memory=1 << 30)
    report = run(mode, cases("sigmoid", ("core-mixed-signs", "core-matrix", "core-square", "core-3d")), roomy)
    errors = [r for r in report.results if r.outcome == "error"]
    assert len(errors) == 4 and words in errors[0].message and "broke the protocol" in errors[0].message
    assert "not run: sigmoid broke the adapter 3 times" in errors[3].message  # given up after three
    assert time.monotonic() - start < 20


@pytest.mark.parametrize("mode", ["silent", "partial"])
def test_an_adapter_that_does_not_answer_costs_one_timeout(mode):
    start = time.monotonic()
    report = run(mode, cases("sigmoid", ("core-mixed-signs", "core-matrix")) + cases("L1", ("core-overshoot",)))
    messages = [r.message for r in report.results]
    assert "no result within 1.5 s (--timeout)" in messages[0]
    assert "not run: an earlier call of sigmoid ran past" in messages[1]
    assert "no result within" in messages[2]  # another function gets its own (restarted) adapter
    assert time.monotonic() - start < 10


def test_the_budget_bounds_the_whole_run():
    start = time.monotonic()
    limits = Limits(timeout=30.0, memory=1 << 30, budget=1.0)
    report = run(
        "silent", cases("sigmoid", ("core-mixed-signs",)) + cases("L1", ("core-overshoot", "core-matrix")), limits
    )
    messages = [r.message for r in report.results]
    assert "no result within the 1 s budget of the submission (--budget)" in messages[0]
    assert all("used its 1 s budget" in m for m in messages[1:])
    assert time.monotonic() - start < 5


def test_an_adapter_that_exits_mid_run_fails_that_call_and_is_restarted(tmp_path):
    report = run("exit", cases("sigmoid", ("core-mixed-signs", "core-matrix", "core-square")))
    assert [r.outcome for r in report.results] == ["passed", "error", "passed"]
    assert "exited with code 3" in report.results[1].message and "exiting on purpose" in report.results[1].message


def test_an_adapter_that_dies_once_loses_only_that_call(tmp_path):
    state = tmp_path / "starts"
    report = run("exit-once", cases("sigmoid", ("core-mixed-signs", "core-matrix")), FAST, str(state))
    assert [r.outcome for r in report.results] == ["error", "passed"] and state.read_text() == "2"


@pytest.mark.parametrize(
    "mode, words",
    [
        ("describe-garbage", "broke the protocol before any call: a line that is not JSON: 'Welcome to my adapter!'"),
        ("describe-silent", "did not describe itself within 1.5 s"),
        ("describe-exit", "exited with code 4 before describing itself"),
        ("load-error", "SyntaxError: unexpected token in solution.js"),
    ],
)
def test_an_adapter_that_cannot_start_is_the_targets_load_error(mode, words):
    start = time.monotonic()
    with AdapterTarget(fake(mode), FAST) as target:
        assert words in (target.load_error or "")
        assert target.resolve("sigmoid").failure == "import-error"
    assert time.monotonic() - start < 5


def test_the_adapter_and_whatever_it_started_are_gone_after_a_timeout(tmp_path):
    state = tmp_path / "child"
    run("children", cases("sigmoid", ("core-mixed-signs",)), FAST, str(state))
    stat = Path(f"/proc/{state.read_text()}/stat")
    time.sleep(0.2)
    assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"  # gone, or dead unreaped


def test_the_memory_limit_applies_to_the_adapter():
    hog = f'{sys.executable} -c "b = bytearray(600 << 20)"'
    with AdapterTarget(hog, Limits(timeout=5, memory=300 << 20)) as target:
        assert "before describing itself" in (target.load_error or "") and "MemoryError" in target.output


# --- the command line ---------------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dlconform", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_run_adapter_reports_as_for_a_python_file(tmp_path):
    out = tmp_path / "report.json"
    done = cli("run", "--adapter", fake("good"), "-f", "sigmoid", "--format", "json", "-o", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["target"]["kind"] == "adapter" and report["summary"]["failed"] == 0


def test_run_adapter_with_a_command_that_does_not_exist_is_one_line_and_exit_2():
    done = cli("run", "--adapter", "no-such-program-here --flag", "-f", "sigmoid")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "no-such-program-here" in done.stderr
    both = cli("run", "examples/careful.py", "--adapter", fake("good"))
    assert both.returncode == 2 and "not both" in both.stderr


def test_a_broken_adapter_is_exit_1_with_the_reason():
    done = cli("run", "--adapter", fake("describe-exit"), "-f", "sigmoid", "-q")
    assert done.returncode == 1
    with pytest.raises(AdapterError):
        AdapterTarget("   ")
