"""The faster call path (issue 22): a call's usual reply in a fixed binary form, checked as strictly as the JSON one
(dtype from a fixed table, dimensions bounded, bytes filling them exactly, its place, time and request checked);
what a call printed still read right after its reply; a planned call compared with the engine's by its inputs'
bytes, kept once. Attacks send forged binary frames from a patched worker, as a student who read the code may."""

from __future__ import annotations

import os
import struct
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from dlconform.format.layouts import ARRAY_LAYOUTS, lay_out, layout_of
from dlconform.format.suite import iter_cases, load_files
from dlconform.results import CaseResult
from dlconform.run.pipeline import Plan, execute
from dlconform.targets.isolate import worker
from dlconform.targets.isolate.batch import encode_call
from dlconform.targets.isolate.protocol import (
    BINARY_DTYPES,
    MAX_DIMS,
    RETURNED,
    ProtocolError,
    Returned,
    encode_value,
    pack,
    pack_returned,
    unpack_reply,
)
from dlconform.targets.isolate.replies import check_call_reply, check_load_reply
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.open import open_target

from tests.sandboxes import NEEDS_BWRAP

LIMITS = Limits(timeout=2.0, memory=1 << 30, sandbox="uid")
MODES = [pytest.param("uid", id="uid"), pytest.param("bwrap", id="bwrap", marks=NEEDS_BWRAP)]
CASES = tuple(c for c in iter_cases(load_files()) if c.function in ("sigmoid", "relu") and "large" not in c.tags)


def body_of(parts: list) -> bytes:
    """A frame's body as the grader's inbox hands it on: without its length prefix."""
    return b"".join(bytes(p) for p in parts)[4:]


def returned(value: np.ndarray, seq: int = 7, i: int = 3, took: float = 1.5e-6) -> dict:
    """A worker's reply to a call that returned ``value`` (its blob appended to ``reply["out"]``)."""
    out: list = []
    return {
        "status": "returned",
        "mutated": [],
        "took": took,
        "seq": seq,
        "i": i,
        "result": encode_value(value, out),
    }, out


def binary(seq: int, i: int, took: float, code: int, layout: int, shape: tuple[int, ...], data: bytes) -> bytes:
    """A frame body in the binary form, written by hand (as a patched worker would)."""
    head = RETURNED.pack(seq, i, took, code, layout, len(shape)) + b"".join(struct.pack(">Q", n) for n in shape)
    return bytes(4) + head + data


@pytest.mark.parametrize("dtype", BINARY_DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (1, 0, 2)])
def test_a_returned_array_travels_in_the_binary_form_and_back_the_same(dtype: np.dtype, shape: tuple) -> None:
    value = (np.arange(int(np.prod(shape))) % 3 - 1).astype(dtype).reshape(shape)
    reply, out = returned(value)
    parts = pack_returned(reply, out)
    assert parts is not None
    got, blobs = unpack_reply(body_of(parts))
    assert isinstance(got, Returned) and blobs == []
    assert (got.seq, got.i, got.took) == (7, 3, 1.5e-6)
    assert got.value.dtype == value.dtype and got.value.shape == value.shape
    assert got.value.tobytes() == value.tobytes() and got.value.flags.writeable  # a copy of its own, not the frame
    check_call_reply(got, blobs, 1, 3)


@pytest.mark.parametrize("layout", ARRAY_LAYOUTS)
def test_a_result_in_another_memory_layout_comes_back_in_it(layout: str) -> None:
    value = lay_out(np.arange(12.0).reshape(3, 4), layout)
    reply, out = returned(value)
    got, _ = unpack_reply(body_of(pack_returned(reply, out) or []))
    assert isinstance(got, Returned)
    assert layout_of(got.value) == layout_of(value) and np.array_equal(got.value, value)


def test_a_reply_that_says_more_than_an_array_goes_as_json() -> None:
    """Changed inputs, warnings, an exception, a field the protocol does not have, a dtype outside the table: the
    JSON form, whose checks see all of it."""
    reply, out = returned(np.ones(3))
    assert pack_returned(reply, out) is not None
    changed = {**reply, "mutated": [{"i": 0, "v": {"t": "none"}}]}
    forged_result = {**reply, "result": {**reply["result"], "verdict": "passed"}}
    big_endian = {**reply, "result": {**reply["result"], "dtype": ">f8"}}
    for other in (changed, {**reply, "warned": ["w"]}, {**reply, "outcome": "passed"}, forged_result, big_endian):
        assert pack_returned(other, out) is None
        header, _ = unpack_reply(body_of(pack(other, out)))
        assert isinstance(header, dict)
    raised = {"status": "raised", "mro": ["ValueError"], "message": "m", "took": 0.0, "seq": 1, "i": 0}
    assert pack_returned(raised, []) is None


def test_an_ordinary_call_replies_in_the_binary_form() -> None:
    """What the worker makes of a call that returns an array: the form the grader reads fastest."""
    call = encode_call("sigmoid", (np.array([0.0, 1.0]),))
    reply, out = worker.call(lambda x: 1 / (1 + np.exp(-x)), call.tagged, [memoryview(b) for b in call.blobs])
    got, _ = unpack_reply(body_of(pack_returned({**reply, "seq": 1, "i": 0}, out) or []))
    assert isinstance(got, Returned) and np.allclose(got.value, [0.5, 0.7310585786300049])


F8 = BINARY_DTYPES.index(np.dtype(np.float64))


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (binary(1, 0, 0.0, len(BINARY_DTYPES), 0, (1,), bytes(8)), "unknown dtype"),
        (binary(1, 0, 0.0, F8, len(ARRAY_LAYOUTS) + 1, (1,), bytes(8)), "unknown dtype or layout"),
        (binary(1, 0, 0.0, F8, 0, (1,) * (MAX_DIMS + 1), bytes(8)), "too many dimensions"),
        (binary(1, 0, 0.0, F8, 0, (2,), bytes(8)), "do not fill"),
        (binary(1, 0, 0.0, F8, 0, (1,), bytes(16)), "do not fill"),
        (binary(1, 0, 0.0, F8, 0, (1 << 62, 4), b""), "do not fill"),
        (binary(1, 0, 0.0, F8, 0, (3,), bytes(24))[:-30], "truncated"),
        (bytes(4) + b"\0\0", "truncated"),
    ],
    ids=["dtype", "layout", "dims", "short", "long", "huge", "cut-dims", "cut-head"],
)
def test_a_binary_reply_that_does_not_add_up_is_refused(body: bytes, says: str) -> None:
    with pytest.raises(ProtocolError, match=says):
        unpack_reply(body)


@pytest.mark.parametrize("took", [float("nan"), -1.0, 1e7, float("inf")])
def test_a_binary_reply_with_a_forged_time_is_refused(took: float) -> None:
    got, blobs = unpack_reply(binary(1, 0, took, F8, 0, (1,), bytes(8)))
    with pytest.raises(ProtocolError, match="number of seconds"):
        check_call_reply(got, blobs, 1, 0)


def test_a_binary_reply_out_of_its_place_or_to_a_load_is_refused() -> None:
    got, blobs = unpack_reply(binary(1, 4, 0.0, F8, 0, (1,), bytes(8)))
    with pytest.raises(ProtocolError, match="does not answer call 3"):
        check_call_reply(got, blobs, 1, 3)
    with pytest.raises(ProtocolError, match="not a mapping"):
        check_load_reply(got, ("sigmoid",), module_target=False)


CAREFUL = Path(__file__).resolve().parents[1] / "examples" / "careful.py"
PATCH = """
import os
import struct
import sys

_worker = sys.modules["dlconform.targets.isolate.worker"]
_pack_returned = _worker.pack_returned
_state = {"function": ""}
_sigmoid, _relu = sigmoid, relu


def sigmoid(x):
    _state["function"] = "sigmoid"
    return _sigmoid(x)


def relu(x):
    _state["function"] = "relu"
    return _relu(x)


def _forged(reply, out):
    parts = _pack_returned(reply, out)
    if parts is None or _state["function"] != "sigmoid":
        return parts
    seq, i, took, code, layout, _ = struct.unpack_from(">IIdBBB", bytes(parts[0]), 8)
    shape, data = reply["result"]["shape"], bytes(out[0])
    FORGE
    head = struct.pack(">IIdBBB", seq, i, took, code, layout, len(shape))
    head += b"".join(struct.pack(">Q", n) for n in shape)
    return [struct.pack(">II", 4 + len(head) + len(data), 0) + head, data]


_worker.pack_returned = _forged
"""


def grade(tmp_path: Path, forge: str, mode: str = "uid") -> dict[str, list[CaseResult]]:
    """Results by function of examples/careful.py (every case passes) whose worker, in sandbox ``mode``, writes each
    of sigmoid's binary replies by hand after ``forge`` (a line changing ``seq``, ``i``, ``took``, ``shape``,
    ``data``, ``code`` or ``layout``)."""
    tmp_path.chmod(0o755)
    path = tmp_path / "hw.py"
    path.write_text(CAREFUL.read_text(encoding="utf-8") + PATCH.replace("FORGE", forge), encoding="utf-8")
    with open_target(str(path), isolation=replace(LIMITS, sandbox=mode)) as target:
        report = execute(Plan(target, CASES))
    return {f: [r for r in report.results if r.function == f] for f in ("sigmoid", "relu")}


@pytest.mark.parametrize("mode", MODES)
def test_an_honest_binary_reply_passes(tmp_path: Path, mode: str) -> None:
    """The hand-made frame, unchanged, is what the worker sends: every case passes (the attacks below differ from it
    by one field)."""
    got = grade(tmp_path, "pass", mode)
    assert all(r.outcome == "passed" for rs in got.values() for r in rs), [r.message for r in got["sigmoid"]]


@pytest.mark.parametrize(
    "forge",
    [
        "seq += 1",  # a reply to a request not sent yet
        "i += 1",  # the next call's place
        "took = float('nan')",
        "code = 200",  # a dtype outside the table
        f"code = {F8} if code != {F8} else {F8 - 1}",  # another float dtype announced: the bytes do not fill it
        "shape = [*shape, 2]; data = data or bytes(8)",  # more elements than bytes
        "data = data + bytes(8)",  # bytes beyond the shape
        "data = bytes(1 << 21); shape = [1 << 18]",  # past the call's reply limit: refused before it is allocated
    ],
    ids=["seq", "place", "time", "dtype", "reinterpreted", "shape", "extra-bytes", "over-limit"],
)
@pytest.mark.parametrize("mode", MODES)
def test_a_forged_binary_reply_breaks_the_protocol_and_only_for_its_function(
    tmp_path: Path, forge: str, mode: str
) -> None:
    got = grade(tmp_path, forge, mode)
    first = got["sigmoid"][0]
    assert first.outcome == "error" and first.failure == "raised:WorkerCrash", first.message
    assert "broke the protocol" in first.message
    assert all(r.outcome == "error" for r in got["sigmoid"])
    assert all(r.outcome == "passed" for r in got["relu"])


CHATTY = """
import numpy as np


def relu(x):
    print("CALLED", np.asarray(x).tolist())
    return np.maximum(x, 0)
"""


def test_what_each_visible_call_prints_is_kept_up_to_the_last_one(tmp_path: Path) -> None:
    """Read right after each reply (the pipe polled, not read blind): the last visible call's output is there, as
    every other's, before the hidden phase begins."""
    tmp_path.chmod(0o755)
    path = tmp_path / "chatty.py"
    path.write_text(CHATTY, encoding="utf-8")
    relu = tuple(c for c in CASES if c.function == "relu")
    with open_target(str(path), isolation=LIMITS) as target:
        report = execute(Plan(target, relu))
    printed = report.target["output"]
    assert printed.count("CALLED") == len(relu)
    assert f"CALLED {np.asarray(relu[-1].args[0]).tolist()}" in printed


@pytest.mark.parametrize(
    "other",
    [
        np.array([0.0, -0.0]),  # the sign of a zero
        np.array([0.0, 0.0], dtype=np.float32),  # the dtype
        np.array([[0.0, 0.0]]),  # the shape
        np.zeros(2) + 0.0,  # the same inputs, another copy: the very call
        np.zeros(4)[::2],  # the same values in another memory layout
        np.float64(0.0),  # a NumPy scalar for an array
        [0.0, 0.0],  # a list
    ],
    ids=["sign", "dtype", "shape", "copy", "strided", "scalar", "list"],
)
def test_a_planned_call_matches_only_its_very_inputs(other: object) -> None:
    call = encode_call("relu", (np.zeros(2),))
    assert call.matches("relu", (np.zeros(2),))
    assert not call.matches("sigmoid", (np.zeros(2),))
    same = isinstance(other, np.ndarray) and other.dtype == np.float64 and other.shape == (2,)
    same = same and other.tobytes() == np.zeros(2).tobytes() and layout_of(other) is None
    assert call.matches("relu", (other,)) is same
    scalars = encode_call("relu", (0.0, True, np.float64(1.0)))
    assert scalars.matches("relu", (0.0, True, np.float64(1.0)))
    assert not scalars.matches("relu", (-0.0, True, np.float64(1.0)))
    assert not scalars.matches("relu", (0.0, 1, np.float64(1.0)))
    assert not scalars.matches("relu", (0.0, True, np.float32(1.0)))
    assert not scalars.matches("relu", (0.0, True, 1.0))


POLICY = """
import os
import numpy as np


def relu(x):
    return np.array([os.sched_getscheduler(0)])
"""


@pytest.mark.parametrize("mode", MODES)
def test_a_worker_runs_as_a_batch_task_that_does_not_preempt_the_grader(tmp_path: Path, mode: str) -> None:
    """SCHED_BATCH (zygote.py): the same share of the CPUs as any task, but woken by a request it waits for its turn
    instead of taking the CPU of the grader that sent it."""
    tmp_path.chmod(0o755)
    path = tmp_path / "policy.py"
    path.write_text(POLICY, encoding="utf-8")
    with open_target(str(path), isolation=replace(LIMITS, sandbox=mode)) as target:
        relu = target.resolve("relu")
        assert callable(relu)
        assert relu(np.zeros(1)).tolist() == [os.SCHED_BATCH]
