"""Attacks on batched calls (runner/targets/isolate/batch.py): a worker that answers a batch out of place, short,
twice, or with a forged time; a hang or crash inside a batch; a call the batch did not foresee. Each submission
patches its own worker, as a student who has read the code may."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from dlconform import reference
from dlconform.format.suite import iter_cases, load_files
from dlconform.results import CaseResult
from dlconform.run.pipeline import Plan, execute
from dlconform.targets.isolate.batch import BATCH_CALLS, encode_call, plan_batch
from dlconform.targets.isolate.protocol import ProtocolError
from dlconform.targets.isolate.replies import check_call_reply
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.open import open_target

LIMITS = Limits(timeout=2.0, memory=1 << 30)
CASES = tuple(c for c in iter_cases(load_files()) if c.function in ("sigmoid", "relu") and "large" not in c.tags)

HONEST = """
import sys
import numpy as np

_worker = sys.modules["dlconform.targets.isolate.worker"]
_reply = _worker._reply
_state = {"function": "", "calls": 0}


def sigmoid(x):
    _state["function"] = "sigmoid"
    _state["calls"] += 1
    MISBEHAVE
    x = np.asarray(x, dtype=float)
    return np.exp(-np.logaddexp(0.0, -x))


def relu(x):
    _state["function"] = "relu"
    return np.maximum(x, False)
"""


def grade(tmp_path: Path, misbehave: str = "pass", patch: str = "") -> dict[str, list[CaseResult]]:
    """Results by function of a submission whose sigmoid runs ``misbehave`` at each call and whose worker gets
    ``patch`` (source run at import, after the honest definitions)."""
    tmp_path.chmod(0o755)
    path = tmp_path / "hw.py"
    path.write_text(HONEST.replace("MISBEHAVE", misbehave) + patch, encoding="utf-8")
    with open_target(str(path), isolation=LIMITS) as target:
        report = execute(Plan(target, CASES))
    return {f: [r for r in report.results if r.function == f] for f in ("sigmoid", "relu")}


def all_errors_after_a_break(results: list[CaseResult], first: int) -> None:
    """Every case before ``first`` passed; case ``first`` broke the protocol."""
    assert all(r.outcome == "passed" for r in results[:first]), [r.message for r in results[:first]]
    assert "broke the protocol" in results[first].message, results[first].message
    assert results[first].failure == "raised:WorkerCrash"


def test_a_reply_claiming_the_next_call_breaks_the_protocol(tmp_path: Path) -> None:
    """Each sigmoid reply names the call after its own: an answer to a call not asked yet."""
    patch = """
def _shifted(sock, reply, out):
    if _state["function"] == "sigmoid" and "i" in reply:
        reply = {**reply, "i": reply["i"] + 1}
    _reply(sock, reply, out)

_worker._reply = _shifted
"""
    got = grade(tmp_path, patch=patch)
    all_errors_after_a_break(got["sigmoid"], 0)
    assert all(r.outcome == "error" for r in got["sigmoid"])
    assert all(r.outcome == "passed" for r in got["relu"])


def test_a_reply_left_out_breaks_the_protocol_at_that_call(tmp_path: Path) -> None:
    """The worker skips the reply to the third sigmoid call and answers the fourth in its place."""
    patch = """
def _skipping(sock, reply, out):
    if not (_state["function"] == "sigmoid" and reply.get("i") == 2):
        _reply(sock, reply, out)

_worker._reply = _skipping
"""
    got = grade(tmp_path, patch=patch)
    all_errors_after_a_break(got["sigmoid"], 2)
    assert all(r.outcome == "passed" for r in got["relu"])


def test_a_batch_answered_short_is_a_timeout_of_the_first_call_unanswered(tmp_path: Path) -> None:
    """The worker answers two calls of each sigmoid batch and then nothing: that third call never returned."""
    patch = """
def _short(sock, reply, out):
    if not (_state["function"] == "sigmoid" and reply.get("i", 0) >= 2):
        _reply(sock, reply, out)

_worker._reply = _short
"""
    got = grade(tmp_path, patch=patch)
    sigmoid = got["sigmoid"]
    assert [r.outcome for r in sigmoid[:2]] == ["passed", "passed"]
    assert sigmoid[2].failure == "raised:CallTimeout" and "no result within 2 s" in sigmoid[2].message
    assert all("not run: an earlier call of sigmoid ran past 2 s" in r.message for r in sigmoid[3:])
    assert all(r.outcome == "passed" for r in got["relu"])


def test_a_reply_sent_twice_answers_no_other_call(tmp_path: Path) -> None:
    """Each sigmoid reply is sent twice: the copy arrives where the next call's reply is due."""
    patch = """
def _twice(sock, reply, out):
    _reply(sock, reply, out)
    if _state["function"] == "sigmoid":
        _reply(sock, reply, out)

_worker._reply = _twice
"""
    got = grade(tmp_path, patch=patch)
    sigmoid = got["sigmoid"]
    all_errors_after_a_break(sigmoid, 1)
    assert sum(r.outcome == "passed" for r in sigmoid) <= 3  # one per fresh worker, three crashes, then none run
    assert all(r.outcome == "passed" for r in got["relu"])


@pytest.mark.parametrize("took", ["-1.0", "1e300", "True", "'0.1'"])
def test_a_forged_call_time_breaks_the_protocol(tmp_path: Path, took: str) -> None:
    patch = f"""
def _timed(sock, reply, out):
    if _state["function"] == "sigmoid" and "took" in reply:
        reply = {{**reply, "took": {took}}}
    _reply(sock, reply, out)

_worker._reply = _timed
"""
    got = grade(tmp_path, patch=patch)
    all_errors_after_a_break(got["sigmoid"], 0)
    assert all(r.outcome == "passed" for r in got["relu"])


def test_a_hang_inside_a_batch_is_that_calls_timeout(tmp_path: Path) -> None:
    got = grade(tmp_path, 'if _state["calls"] == 3:\n        while True: pass')
    sigmoid = got["sigmoid"]
    assert [r.outcome for r in sigmoid[:2]] == ["passed", "passed"]
    assert all(0 < r.duration < 1 for r in sigmoid[:2])  # their own time, not the batch's
    assert sigmoid[2].failure == "raised:CallTimeout"
    assert all("not run: an earlier call of sigmoid ran past 2 s" in r.message for r in sigmoid[3:])
    assert sum(r.duration for r in sigmoid) < 2 * LIMITS.timeout + 1
    assert all(r.outcome == "passed" for r in got["relu"])


def test_a_crash_inside_a_batch_runs_the_rest_in_a_fresh_worker(tmp_path: Path) -> None:
    """The third sigmoid call of each worker process exits it: the calls after it run again in a fresh worker."""
    got = grade(tmp_path, 'if _state["calls"] == 3:\n        import os; os._exit(0)')
    outcomes = [r.outcome for r in got["sigmoid"]]
    assert outcomes[:9] == ["passed", "passed", "error"] * 3  # each crash costs its own call only
    assert all("crashed the worker 3 times" in r.message for r in got["sigmoid"][9:])
    assert all(r.outcome == "passed" for r in got["relu"])


def test_a_call_the_batch_did_not_foresee_gets_its_own_reply(tmp_path: Path) -> None:
    """While a batch of sigmoid's cases runs, a call on other inputs is answered for those inputs, not with the
    reply the batch had coming for its next case."""
    tmp_path.chmod(0o755)
    path = tmp_path / "hw.py"
    path.write_text(HONEST.replace("MISBEHAVE", "pass"), encoding="utf-8")
    sigmoid = [c for c in CASES if c.function == "sigmoid" and not c.raises]
    with open_target(str(path), isolation=LIMITS) as target:
        target.expect(sigmoid)
        target.calls.case = sigmoid[0].key
        target.call("sigmoid", *[np.array(a, copy=True) for a in sigmoid[0].args])
        assert target._batch is not None and len(target._batch.calls) > 1  # the rest is on its way
        other = np.linspace(-3.0, 3.0, 7)
        target.calls.case = sigmoid[1].key
        got = target.call("sigmoid", other)
    assert np.allclose(got, reference.sigmoid(other))


def test_a_batch_never_mixes_visible_and_hidden_cases_nor_functions() -> None:
    relu = [c for c in CASES if c.function == "relu"]
    mixed = [replace(c, hidden=i % 5 == 4) for i, c in enumerate(relu[:20])]
    first = encode_call("relu", mixed[0].args)
    assert len(plan_batch(first, mixed[1:], hidden=False).calls) == 4  # up to the first hidden case
    assert len(plan_batch(first, [replace(c, hidden=True) for c in relu[1:3]], hidden=False).calls) == 1
    sigmoid = next(c for c in CASES if c.function == "sigmoid")
    assert len(plan_batch(first, [*relu[1:3], sigmoid, *relu[3:5]], hidden=False).calls) == 3
    assert len(plan_batch(first, relu[1:] * 10, hidden=False).calls) == BATCH_CALLS


def test_a_reply_must_name_its_place_as_an_int() -> None:
    base = {"status": "returned", "result": {"t": "none"}, "mutated": [], "seq": 2, "blobs": []}
    check_call_reply({**base, "i": 3, "took": 0.5}, [], 1, 3)
    for forged in ({}, {"i": 2}, {"i": True}, {"i": 3.0}, {"i": "3"}, {"i": 3, "took": 5}, {"i": 3, "took": -1e-9}):
        with pytest.raises(ProtocolError):
            check_call_reply({**base, **forged}, [], 1, 3)
