"""A submission that writes a forged reply into the grader's channel is told what was observed: the worker broke the
protocol. How the stopped worker then ended (a reply of its own cut short when the grader hung up, or an exit) is
not the cause, and the student's report says neither that it "could not set itself up", nor that the code "ended
the process running it", nor shows the worker's own traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from dlconform.format.suite import iter_cases, load_files
from dlconform.judge.hints import function_hint
from dlconform.results import Outcome
from dlconform.run.pipeline import Plan, execute
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.open import open_target

from tests.sandboxes import NEEDS_BWRAP

BROKE = "the worker broke the protocol"
CASES = tuple(c for c in iter_cases(load_files()) if c.function in ("sigmoid", "relu") and "large" not in c.tags)

# Each sigmoid call writes a reply to another request into the channel (fd 3), then returns 32 MB: the grader has
# stopped reading and hung up long before the worker's own reply is sent, so that send is cut short every time.
FORGER = """
import json, os, struct
import numpy as np


def sigmoid(x):
    head = json.dumps({"status": "returned", "result": {"t": "none"}, "seq": 1, "blobs": []}).encode()
    body = struct.pack(">I", len(head)) + head
    os.write(3, struct.pack(">I", len(body)) + body)
    return np.zeros(4_000_000)


def relu(x):
    return np.maximum(x, False)
"""


@pytest.mark.parametrize("mode", ["uid", pytest.param("bwrap", marks=NEEDS_BWRAP)])
def test_a_forged_reply_is_reported_as_a_broken_protocol_whatever_the_worker_did_next(
    tmp_path: Path, mode: str
) -> None:
    tmp_path.chmod(0o755)
    path = tmp_path / "forger.py"
    path.write_text(FORGER, encoding="utf-8")
    with open_target(str(path), isolation=Limits(timeout=5.0, memory=1 << 30, sandbox=mode)) as target:
        report = execute(Plan(target, CASES, hints=True))
    sigmoid = [r for r in report.results if r.function == "sigmoid"]
    relu = [r for r in report.results if r.function == "relu"]
    assert relu and all(r.outcome == Outcome.PASSED for r in relu)
    assert sigmoid and all(r.outcome == Outcome.ERROR for r in sigmoid)
    assert all(r.message.startswith("raised WorkerCrash: ") and BROKE in r.message for r in sigmoid), {
        r.message for r in sigmoid
    }
    assert not any("set itself up" in r.message for r in sigmoid)
    assert "dlconform worker" not in str(report.target.get("output", ""))  # no traceback of the worker's own
    top = function_hint(sigmoid)
    assert top is not None and "other than a call's reply" in top and "ended the process" not in top


# At import, a frame that is not the protocol (a header without its blob list), then 32 MB more to import: the
# grader hangs up long before the worker's own load reply, whose send is cut short.
IMPORT_FORGER = """
import json, os, struct
import numpy as np

head = json.dumps({"status": "loaded", "seq": 1}).encode()
body = struct.pack(">I", len(head)) + head
os.write(3, struct.pack(">I", len(body)) + body)
BIG = np.zeros(4_000_000)


def relu(x):
    return np.maximum(x, False)
"""


@pytest.mark.parametrize("mode", ["uid", pytest.param("bwrap", marks=NEEDS_BWRAP)])
def test_a_forged_frame_at_import_is_reported_as_a_broken_protocol(tmp_path: Path, mode: str) -> None:
    tmp_path.chmod(0o755)
    path = tmp_path / "import_forger.py"
    path.write_text(IMPORT_FORGER, encoding="utf-8")
    with open_target(str(path), isolation=Limits(timeout=5.0, memory=1 << 30, sandbox=mode)) as target:
        error = target.load_error
    assert error is not None and error.startswith(f"{BROKE} while importing the submission ("), error
