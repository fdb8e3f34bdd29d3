"""The isolated call path (runner/targets/isolate/target.py, batch.py, channel.py): the plan's next batch is sent
behind a batch while its replies come, replies are read in chunks, and each call still takes only its own reply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dlconform.format.suite import iter_cases, load_files
from dlconform.run.pipeline import Plan, execute
from dlconform.targets.isolate.batch import Call, encode_call, planned_call
from dlconform.targets.isolate.channel import Inbox
from dlconform.targets.isolate.protocol import ProtocolError, pack
from dlconform.targets.isolate.spawn import Limits, Worker
from dlconform.targets.open import open_target

LIMITS = Limits(timeout=2.0, memory=1 << 30)
ALL = [c for c in iter_cases(load_files()) if "large" not in c.tags]
# sigmoid's cases first, then relu's: relu's first batch is queued behind them while sigmoid's replies come
CASES = tuple([c for c in ALL if c.function == "sigmoid"] + [c for c in ALL if c.function == "relu"])

SUBMISSION = """
import sys
import numpy as np

_worker = sys.modules.get("dlconform.targets.isolate.worker")  # None when checked in process
_reply = getattr(_worker, "_reply", None)
_state = {"function": ""}


def sigmoid(x):
    _state["function"] = "sigmoid"
    x = np.asarray(x, dtype=float)
    return np.exp(-np.logaddexp(0.0, -x))


def relu(x):
    _state["function"] = "relu"
    return np.maximum(x, False)
"""


def grade(tmp_path: Path, patch: str = "", isolated: bool = True) -> dict[str, list[Any]]:
    tmp_path.chmod(0o755)
    path = tmp_path / "hw.py"
    path.write_text(SUBMISSION + patch, encoding="utf-8")
    with open_target(str(path), isolation=LIMITS if isolated else None) as target:
        report = execute(Plan(target, CASES))
    return {f: [r for r in report.results if r.function == f] for f in ("sigmoid", "relu")}


def test_the_next_batch_is_queued_behind_and_every_call_gets_its_own_reply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    original = Worker.request

    def spy(self: Worker, header: dict[str, Any], blobs: list[Any], timeout: float, *rest: Any) -> Any:
        if len(rest) > 1 and rest[1] is not None:  # due: sent while a reply of an earlier request is awaited
            queued.append(len(header["calls"]))
        return original(self, header, blobs, timeout, *rest)

    monkeypatch.setattr(Worker, "request", spy)
    got, checked = grade(tmp_path), grade(tmp_path, isolated=False)
    assert {f: [(r.key, r.outcome, r.message) for r in got[f]] for f in got} == {
        f: [(r.key, r.outcome, r.message) for r in checked[f]] for f in checked
    }
    assert queued and sum(queued) < len(CASES)  # batches were queued; the first of each phase was not


def test_a_reply_to_the_queued_batch_while_one_is_due_breaks_the_protocol_there(tmp_path: Path) -> None:
    """The worker answers two calls of each sigmoid batch, then goes on to the batch queued behind it: its replies
    there answer no sigmoid call."""
    patch = """
def _short(sock, reply, out):
    if not (_state["function"] == "sigmoid" and reply.get("i", 0) >= 2):
        _reply(sock, reply, out)

_worker._reply = _short
"""
    got = grade(tmp_path, patch)
    sigmoid = got["sigmoid"]
    assert [r.outcome for r in sigmoid[:9]] == ["passed", "passed", "error"] * 3  # each fresh worker does it again
    assert all("broke the protocol during the call: a reply to another request" in r.message for r in sigmoid[2:9:3])
    assert all("not run: the worker broke the protocol in sigmoid 3 times" in r.message for r in sigmoid[9:])
    assert all(r.outcome == "passed" for r in got["relu"])


def test_a_planned_call_matches_only_the_very_same_inputs() -> None:
    case = next(c for c in CASES if c.function == "sigmoid" and c.layout == "fortran")
    planned = planned_call(case)
    assert planned is planned_call(case)  # encoded once for the case's life
    same = [np.array(a, order="F", copy=True) if isinstance(a, np.ndarray) else a for a in case.args]
    assert planned.matches("sigmoid", same) and planned.same(encode_call("sigmoid", same))
    c_order = [np.ascontiguousarray(a) if isinstance(a, np.ndarray) else a for a in case.args]
    assert not planned.matches("sigmoid", c_order)  # the same values in another layout are another call
    changed = [a.copy() for a in same]
    changed[0].reshape(-1).view(np.uint8)[0] ^= 1
    assert not planned.matches("sigmoid", changed) and not planned.matches("relu", same)
    assert Call("f", [], [], 0, (0.0,)).matches("f", (0.0,)) and not Call("f", [], [], 0, (0.0,)).matches("f", (-0.0,))
    assert not Call("f", [], [], 0, (1,)).matches("f", (True,)) and not Call("f", [], [], 0, (1,)).matches("f", (1.0,))


class Chunks:
    """A socket whose reads give the bytes of ``data`` in pieces of at most ``size`` bytes."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size = data, size

    def recv(self, n: int) -> bytes:
        if not self.data:
            raise BlockingIOError
        piece, self.data = self.data[: min(n, self.size)], self.data[min(n, self.size) :]
        return piece

    def recv_into(self, view: memoryview) -> int:
        piece = self.recv(len(view))
        view[: len(piece)] = piece
        return len(piece)


def frame(header: dict[str, Any], blobs: list[bytes] = ()) -> bytes:  # type: ignore[assignment]
    return b"".join(bytes(p) for p in pack(header, blobs))


@pytest.mark.parametrize("size", [1, 7, 1 << 16])
def test_replies_read_together_come_out_one_at_a_time_each_checked_against_its_limit(size: int) -> None:
    frames = [frame({"i": 0}, [b"x" * 10]), frame({"i": 1}), frame({"i": 2}, [b"y" * 5000])]
    sock, inbox = Chunks(b"".join(frames), size), Inbox()
    bodies = []
    while len(bodies) < 2:
        try:
            body = inbox.feed(sock, 1 << 20)  # type: ignore[arg-type]
        except BlockingIOError:
            break
        if body is not None:
            bodies.append(body)
    assert [bytes(b) for b in bodies] == [f[4:] for f in frames[:2]]
    assert len(inbox.data) <= 1 << 16  # at most a chunk read ahead
    with pytest.raises(ProtocolError, match="at most 1000"):  # the third is refused at its prefix, not read
        while inbox.feed(sock, 1000) is None:  # type: ignore[arg-type]
            pass
    assert inbox.body is None
