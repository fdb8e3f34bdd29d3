"""Isolation: the wire protocol, verdicts identical to in-process runs, and what a worker can and cannot do."""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from dlconform import reference
from dlconform.format.suite import iter_cases, load_files
from dlconform.report.jsondoc import every_case
from dlconform.run.engine import run_cases
from dlconform.run.pipeline import Plan, execute
from dlconform.targets.isolate.access import WorkerCannotRead, blocked
from dlconform.targets.isolate.protocol import (
    MAX_FRAME,
    ProtocolError,
    decode_value,
    encode_value,
    frame_length,
    pack,
    unpack,
)
from dlconform.targets.isolate.spawn import Limits, Worker, parse_size
from dlconform.targets.isolate.target import remote_exception
from dlconform.targets.load import TargetNotFound
from dlconform.targets.open import open_target

from tests.sandboxes import NEEDS_BWRAP

ROOT = Path(__file__).resolve().parents[1]
CAREFUL = str(ROOT / "examples" / "careful.py")
TUTORIAL = str(ROOT / "examples" / "tutorial.py")
FAST = Limits(timeout=2.0, memory=1 << 30)
MODES = [pytest.param("uid", id="uid"), pytest.param("bwrap", id="bwrap", marks=NEEDS_BWRAP)]
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="the privilege drop happens only when the grader is root")


def cases(*functions: str, large: bool = False):
    """The bundled cases of ``functions`` (all when none are named), without the ``large`` ones unless asked."""
    return [
        c
        for c in iter_cases(load_files())
        if (not functions or c.function in functions) and (large or "large" not in c.tags)
    ]


def write(tmp_path: Path, name: str, source: str) -> str:
    """A submission file in a folder the unprivileged worker may read."""
    tmp_path.chmod(0o755)
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return str(path)


SAMPLES = [
    True,
    7,
    -(2**80),
    0.1,
    -0.0,
    float("nan"),
    float("-inf"),
    np.float16(1.5),
    np.float32(-0.0),
    np.int8(-3),
    np.uint64(2**63),
    np.array(2.5),
    np.arange(6, dtype=np.int32).reshape(2, 3),
    np.zeros((0, 3), dtype=np.float16),
    np.array([np.nan, -0.0, np.inf]),
    None,
]


@pytest.mark.parametrize("value", SAMPLES, ids=repr)
def test_values_round_trip_bit_for_bit_with_their_type(value) -> None:
    blobs: list[bytes] = []
    tagged = encode_value(value, blobs)
    frame = b"".join(bytes(part) for part in pack({"v": tagged}, blobs))
    assert frame_length(frame) == len(frame) - 4
    header, got_blobs = unpack(frame[4:])
    back = decode_value(header["v"], got_blobs)
    assert type(back) is type(value)
    if isinstance(value, np.ndarray | np.generic):
        assert (back.dtype, back.shape, back.tobytes()) == (value.dtype, value.shape, value.tobytes())
    elif isinstance(value, float):
        assert struct.pack(">d", back) == struct.pack(">d", value)
    else:
        assert back == value


@pytest.mark.parametrize(
    "value",
    [
        {"t": "array", "dtype": "|O", "shape": [1], "b": 0},
        {"t": "array", "dtype": "[('a', '<i4')]", "shape": [1], "b": 0},
        {"t": "array", "dtype": "<f8", "shape": [2], "b": 0},
        {"t": "array", "dtype": "<f8", "shape": [-1], "b": 0},
        {"t": "array", "dtype": "<f8", "shape": [1], "b": 1},
    ],
)
def test_arrays_are_plain_numbers_that_fill_their_shape(value: dict) -> None:
    with pytest.raises(ProtocolError):
        decode_value(value, [b"\x00" * 8])


def test_objects_cannot_be_sent() -> None:
    for value in ({"a": 1}, np.array([{"a": 1}], dtype=object), np.array(["text"])):
        with pytest.raises(TypeError):
            encode_value(value, [])


@pytest.mark.parametrize(
    "body",
    [b"", b"\x00\x00\x00\x05{}", struct.pack(">I", 2) + b"{}", struct.pack(">I", 13) + b'{"blobs": [9]}'],
)
def test_malformed_frames_are_protocol_errors(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        unpack(body)


def test_oversized_frames_are_refused_before_reading_them() -> None:
    with pytest.raises(ProtocolError, match="exceeds"):
        frame_length(struct.pack(">I", MAX_FRAME + 1))


@pytest.mark.parametrize(
    "value", [{"t": "bool", "v": 1}, {"t": "float", "v": "one"}, {"t": "array", "b": 3}, {"t": "pickle"}, [1]]
)
def test_malformed_values_are_protocol_errors(value) -> None:
    with pytest.raises(ProtocolError):
        decode_value(value, [])


def test_parse_size() -> None:
    assert parse_size("2G") == 2 << 30
    assert parse_size("512M") == parse_size("512") == 512 << 20
    assert parse_size("1.5GiB") == 3 << 29
    assert parse_size("0") == 0
    with pytest.raises(ValueError):
        parse_size("lots")


def test_remote_exceptions_keep_class_names_for_raises_checks() -> None:
    exc = remote_exception(["LengthError", "ValueError", "Exception", "BaseException", "object"], "bad")
    names = [c.__name__ for c in type(exc).__mro__]
    assert names[:2] == ["LengthError", "ValueError"] and str(exc) == "bad"
    assert type(remote_exception(["SystemExit", "BaseException", "object"], "0")).__mro__[1] is Exception


@pytest.mark.parametrize("example", [CAREFUL, TUTORIAL])
def test_isolated_verdicts_equal_in_process_verdicts(example: str) -> None:
    selected = cases()
    expected = run_cases(selected, open_target(example).resolve)
    with open_target(example, isolation=FAST) as target:
        report = execute(Plan(target, tuple(selected)))
    assert [(r.key, r.outcome, r.failure, r.message) for r in report.results] == [
        (r.key, r.outcome, r.failure, r.message) for r in expected
    ]


def test_large_inputs_travel_both_ways() -> None:
    selected = [c for c in cases("sigmoid", "L2", large=True) if "large" in c.tags]
    with open_target(CAREFUL, isolation=Limits(timeout=10)) as target:
        report = execute(Plan(target, tuple(selected)))
    assert report.ok and len(report.results) == 4


def test_the_worker_is_sent_inputs_only(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[dict, list[bytes]]] = []
    original = Worker.request

    def spy(self, header, blobs, timeout, *limit):
        sent.append((header, blobs))
        return original(self, header, blobs, timeout, *limit)

    monkeypatch.setattr(Worker, "request", spy)
    selected = cases("softmax")
    with open_target(CAREFUL, isolation=FAST) as target:
        execute(Plan(target, tuple(selected)))
    requests = [(h, b) for h, b in sent if h["op"] == "call"]
    assert all(set(header) == {"op", "function", "calls"} for header, _ in requests)
    calls = [(tagged, blobs) for header, blobs in requests for tagged in header["calls"]]
    assert len(calls) == len(selected) and len(requests) < len(selected) / 4  # batched, each case once
    for (tagged, blobs), case in zip(calls, selected, strict=True):
        args = [decode_value(t, blobs) for t in tagged]
        assert [np.asarray(a).tobytes() for a in args] == [np.asarray(a).tobytes() for a in case.args]
    arrays = sum(isinstance(a, np.ndarray | np.generic) for case in selected for a in case.args)
    assert sum(len(blobs) for _, blobs in requests) == arrays  # nothing else


def test_in_place_changes_made_in_the_worker_are_seen(tmp_path: Path) -> None:
    path = write(tmp_path, "mutates.py", "import numpy as np\ndef relu(x):\n    x[x < 0] = 0\n    return x\n")
    with open_target(path, isolation=FAST) as target:
        report = execute(Plan(target, tuple(cases("relu"))))
    mutated = [r for r in report.results if r.failure == "mutated-input"]
    assert mutated and all(r.message == "modified its input x in place" for r in mutated)


def test_results_that_are_not_arrays_are_reported_as_such(tmp_path: Path) -> None:
    source = "def relu(x):\n    return 'relu'\ndef outer(a, b):\n    return [[1], [1, 2]]\n"
    with open_target(write(tmp_path, "odd.py", source), isolation=FAST) as target:
        report = execute(Plan(target, tuple([c for c in cases("relu", "outer") if not c.raises])))
    messages = {r.function: r.message for r in report.results}
    assert messages["relu"] == "not array-like: returned str"
    assert messages["outer"] == "not array-like: returned list where a NumPy array is expected"  # as in process
    assert {r.failure for r in report.results} == {"not-array"}


def test_prints_are_captured_not_shown(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    source = "import os\nprint('loading now')\ndef relu(x):\n    print('100 passed, 0 failed')\n    os.write(2, b'raw')\n    return x\n"
    with open_target(write(tmp_path, "chatty.py", source), isolation=FAST) as target:
        report = execute(Plan(target, tuple(cases("relu")[:2])))
    out, err = capfd.readouterr()
    assert "100 passed" not in out + err and "loading now" not in out + err
    assert "loading now" in report.target["output"] and "100 passed, 0 failed" in report.target["output"]
    assert any(w.startswith("target printed while running:") and "100 passed, 0 failed" in w for w in report.warnings)


def test_a_hang_costs_one_timeout_and_the_rest_still_runs(tmp_path: Path) -> None:
    source = "import numpy as np\ndef sigmoid(x):\n    while True:\n        pass\ndef relu(x):\n    return np.maximum(x, False)\n"
    selected = cases("sigmoid", "relu")
    start = time.monotonic()
    with open_target(write(tmp_path, "hangs.py", source), isolation=Limits(timeout=1.0)) as target:
        report = execute(Plan(target, tuple(selected)))
    assert time.monotonic() - start < 6
    sigmoid = [r for r in report.results if r.function == "sigmoid"]
    assert sigmoid[0].message == "raised CallTimeout: no result within 1 s (--timeout); the worker was stopped"
    assert all("not run: an earlier call of sigmoid ran past 1 s" in r.message for r in sigmoid[1:])
    assert all(r.outcome == "passed" for r in report.results if r.function == "relu")


def test_crashes_are_errors_and_the_worker_restarts(tmp_path: Path) -> None:
    source = "import os, ctypes\nimport numpy as np\n" + (
        "def sigmoid(x):\n    ctypes.string_at(0)\n"
        "def tanh(x):\n    os._exit(0)\n"
        "def relu(x):\n    return np.maximum(x, False)\n"
    )
    selected = cases("sigmoid", "tanh", "relu")
    with open_target(write(tmp_path, "crashes.py", source), isolation=FAST) as target:
        report = execute(Plan(target, tuple(selected)))
    by = {f: [r for r in report.results if r.function == f] for f in ("sigmoid", "tanh", "relu")}
    assert "died of a segmentation fault (SIGSEGV) during the call" in by["sigmoid"][0].message
    assert "exited with code 0" in by["tanh"][0].message
    assert "crashed the worker 3 times" in by["tanh"][-1].message
    assert all(r.outcome == "error" for r in by["sigmoid"] + by["tanh"])
    assert all(r.outcome == "passed" for r in by["relu"])


def test_memory_is_limited(tmp_path: Path) -> None:
    source = "import numpy as np\ndef relu(x):\n    return np.ones(3 << 27)  # 3 GiB: the machine has it, the worker may not\n"
    with open_target(write(tmp_path, "greedy.py", source), isolation=Limits(timeout=5, memory=512 << 20)) as target:
        report = execute(Plan(target, tuple(cases("relu")[:1])))
    assert report.results[0].outcome == "error"
    assert "MemoryError" in report.results[0].message


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("def relu(x) return x\n", "SyntaxError"),
        ("import os\nos._exit(3)\n", "the worker exited with code 3"),
        ("while True:\n    pass\n", "importing took longer than 1 s"),
        ("import time\ntime.sleep(60)\n", "importing took longer than 1 s"),
        ("raise KeyboardInterrupt\n", "KeyboardInterrupt"),
    ],
)
def test_import_failures_are_load_errors(tmp_path: Path, source: str, fragment: str) -> None:
    with open_target(write(tmp_path, "broken.py", source), isolation=Limits(timeout=1.0)) as target:
        report = execute(Plan(target, tuple(cases("relu")[:3])))
    assert target.load_error is not None and fragment in target.load_error
    assert {(r.outcome, r.failure) for r in report.results} == {("error", "import-error")}


def test_module_targets_and_missing_targets() -> None:
    """The reference as a module target; where the checkout lies in a folder a root grader's worker uid cannot
    enter (a clone in `mktemp -d`), the run is refused in one line naming it (tests/test_worker_access.py)."""
    stop = blocked(Path(reference.__file__)) if os.geteuid() == 0 else None
    if stop is not None:
        with pytest.raises(
            WorkerCannotRead, match=f"cannot import dlconform.reference from .*: {re.escape(str(stop))} "
        ):
            open_target("dlconform.reference", isolation=FAST)
    else:
        with open_target("dlconform.reference", isolation=FAST) as target:
            report = execute(Plan(target, tuple(cases("softmax", "L1"))))
        assert report.ok
    with pytest.raises(TargetNotFound):
        open_target("no/such/file.py", isolation=FAST)
    with pytest.raises(TargetNotFound):
        open_target("no_such_module_anywhere", isolation=FAST)


def test_notebooks_load_in_the_worker(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "code", "source": ["%matplotlib inline\n", "import numpy as np"]},
        {"cell_type": "code", "source": ["from lr_utils import load_dataset"]},
        {"cell_type": "code", "source": ["def relu(x):\n", "    return np.maximum(x, False)"]},
    ]
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    path = write(tmp_path, "homework.ipynb", json.dumps(notebook))
    with open_target(path, isolation=FAST) as target:
        report = execute(Plan(target, tuple(cases("relu"))))
    assert report.ok
    assert report.target["kind"] == "notebook" and report.target["path"] == path
    assert any("lr_utils" in w for w in report.warnings)


@ROOT_ONLY
@pytest.mark.parametrize("mode", MODES)
def test_the_worker_runs_unprivileged(tmp_path: Path, mode: str) -> None:
    secret = tmp_path / "secret"
    secret.mkdir(mode=0o700)
    (secret / "hidden.yaml").write_text("answers", encoding="utf-8")
    results_dir = tmp_path / "results"
    results_dir.mkdir(mode=0o755)
    source = f"""
import os, signal
def relu(x):
    seen = [os.getuid(), os.getgid(), os.getgroups()]
    for attempt in (lambda: open({str(secret / "hidden.yaml")!r}).read(),
                    lambda: open({str(results_dir / "results.json")!r}, "w").write("{{}}"),
                    lambda: os.kill(os.getppid(), signal.SIGKILL),
                    lambda: os.setuid(0)):
        try:
            attempt()
            seen.append("allowed")
        except OSError as exc:
            seen.append(type(exc).__name__)
    raise RuntimeError(repr(seen))
"""
    with open_target(write(tmp_path, "probe.py", source), isolation=replace(FAST, sandbox=mode)) as target:
        report = execute(Plan(target, tuple(cases("relu")[:1])))
    seen = report.results[0].message.split("RuntimeError at probe.py:14: ", 1)[1]
    uid, gid, groups, *attempts = eval(seen)
    assert uid != 0 and gid != 0 and groups == []
    if mode == "bwrap":  # the files are not there; uid 0 is unmapped; the grader is outside its PID namespace, so
        # getppid() is 0 and the kill reaches only the worker's own process group
        assert attempts == ["FileNotFoundError", "FileNotFoundError", "allowed", "OSError"]
    else:
        assert attempts == ["PermissionError"] * 4
    assert not (results_dir / "results.json").exists()
    assert target.info["isolation"]["user"] == "unprivileged uid of its own"


def dlconform(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "dlconform", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)


def test_run_isolate_reports_like_run() -> None:
    done = dlconform("run", CAREFUL, "--isolate", "--exclude-tag", "large", "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["summary"]["ok"] and doc["target"]["isolation"]["timeout"] == 10
    plain = json.loads(dlconform("run", CAREFUL, "--exclude-tag", "large", "--format", "json").stdout)
    assert [c["key"] for c in every_case(doc)] == [c["key"] for c in every_case(plain)]


def test_run_with_a_timeout_isolates_and_fails_a_hang() -> None:
    done = dlconform("run", str(ROOT / "tests" / "hostile" / "infinite_loop.py"), "-f", "sigmoid", "--timeout", "1")
    assert done.returncode == 1
    assert "no result within 1 s (--timeout)" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith("0 passed, 0 failed")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--memory", "lots"], "--memory: 'lots' is not a size"),
        (["--timeout", "0"], "--timeout"),
        (["--isolate", "--profile", "numpy"], "--isolate (and --timeout, --memory) check a TARGET"),
    ],
)
def test_run_isolate_usage_errors(args: list[str], fragment: str) -> None:
    target = [] if "--profile" in args else [CAREFUL]
    done = dlconform("run", *target, *args)
    assert done.returncode == 2 and fragment in done.stderr and "Traceback" not in done.stderr


def test_run_adds_random_cases_with_their_seed() -> None:
    done = dlconform(
        "run", "dlconform.reference", "-f", "relu", "-t", "article", "--random", "3", "--seed", "7", "--format", "json"
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [c["key"] for c in every_case(doc) if "::random-" in c["key"]] == [f"relu::random-7-{i}" for i in range(3)]
    assert "3 random cases per function drawn with --seed 7" in doc["warnings"]
