"""Starting, talking to and stopping worker processes, from the grader's side.

``ForkServer`` is the grader's handle on the zygote (one per grader process).
``Worker`` is one confined worker: its own copy of the submission in a fresh
folder (a root grader's copy, read-only to the worker's uid), a protocol socket,
and a pipe that captures what the submission prints. Every wait has a deadline;
a worker that misses one is killed, never waited for again; when it stops,
nothing of it is left (its uid's processes and files, or its cgroup).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import math
import os
import queue
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dlconform.errors import DlconformError
from dlconform.targets.isolate import sandbox
from dlconform.targets.isolate.channel import Inbox, send_some
from dlconform.targets.isolate.namespaces import WORKDIR
from dlconform.targets.isolate.protocol import MAX_FRAME, ProtocolError, Reply, Returned, pack, unpack_reply
from dlconform.targets.isolate.uids import UidLease
from dlconform.targets.isolate.zygote import BOOT_FAILURE, HELLO, SERVE_FAILURE
from dlconform.threads import THREAD_VARIABLES

GIB = 1 << 30
CLOSED = "closed its end of the protocol"
STOPPED = "was stopped by the grader"
STARTUP_TIMEOUT = 60.0  # seconds for the zygote to import NumPy and the runner
REPLY_TIMEOUT = 30.0  # seconds for the zygote to answer a request (a reap waits at most about 10)
SIGNAL_NAMES = {
    signal.SIGSEGV: "a segmentation fault (SIGSEGV)",
    signal.SIGBUS: "a bus error (SIGBUS)",
    signal.SIGFPE: "a floating-point exception (SIGFPE)",
    signal.SIGABRT: "an abort (SIGABRT)",
    signal.SIGILL: "an illegal instruction (SIGILL)",
    signal.SIGKILL: "SIGKILL (out of memory, or killed)",
}


@dataclass(frozen=True)
class Limits:
    """What a worker may use: seconds per call (and for the import), bytes of address space, characters of output."""

    timeout: float = 10.0
    memory: int = 2 * GIB  # 0: no limit
    output: int = 20_000
    sandbox: str = "auto"  # auto, bwrap or uid (see dlconform.targets.isolate.sandbox)
    budget: float | None = 300.0  # wall-clock seconds per submission, import included (None: no budget)
    support: tuple[str, ...] = ()  # files copied beside the submission before it loads (an assignment's support_files)


DEFAULT_LIMITS = Limits()


def parse_size(text: str) -> int:
    """A memory size such as ``512M``, ``2G``, ``2GiB`` or a plain number of MiB, in bytes; 0 means no limit."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*", text, re.IGNORECASE)
    if not match:
        raise ValueError(f"{text!r} is not a size like 512M or 2G")
    number, unit = float(match.group(1)), (match.group(2) or "M").upper()
    return int(number * (1 << (10 * " KMGT".index(unit))))


class WorkerTimeout(Exception):
    """The worker did not answer before the deadline."""


class WorkerDied(Exception):
    """The worker's end of the protocol closed, or it sent something that is not the protocol."""


class WorkerBroke(WorkerDied):
    """The worker sent something that is not the protocol (``why``): it is alive, and a liar; how it ends once
    stopped says nothing about the call."""

    def __init__(self, why: str) -> None:
        super().__init__(f"broke the protocol: {why}")
        self.why = why


class ForkServer:
    """The grader's handle on its zygote; started on first use, restarted if something killed it."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._uid = contextlib.ExitStack()  # holds a bubblewrap pool's host uid while the pool runs

    def _start(self) -> socket.socket:
        """Start the zygote (from the lasting thread: ``in_lasting_thread``) and wait until it has preloaded."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        root = Path(__file__).resolve().parents[2]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/"),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(root),
            "PYTHONDONTWRITEBYTECODE": "1",
            **dict.fromkeys(THREAD_VARIABLES, "1"),
        }
        command = [sys.executable, "-m", "dlconform.targets.isolate.zygote", str(theirs.fileno())]
        exe = sandbox.bwrap_path()
        if self.mode == "bwrap" and exe is not None:
            command = sandbox.pool_command(exe, command, self._uid.enter_context(sandbox.pool_uid()))
        self._proc = in_lasting_thread(
            lambda: subprocess.Popen(
                command,
                pass_fds=[theirs.fileno()],
                env=env,
                cwd=root,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        )
        theirs.close()
        ours.settimeout(STARTUP_TIMEOUT)
        try:
            ready = ours.recv(1 << 10)
        except OSError:
            ready = b""
        if not ready:
            ours.close()
            self._discard()
            raise RuntimeError("the isolation fork server did not start")
        ours.settimeout(REPLY_TIMEOUT)  # a zygote that stops answering is replaced, never waited for
        self._sock = ours
        return ours

    def _ask(self, request: dict[str, Any], fds: list[int]) -> dict[str, Any]:
        """One request and its reply; raises OSError when the zygote is gone."""
        sock = self._sock or self._start()
        socket.send_fds(sock, [json.dumps(request).encode()], fds)
        reply = sock.recv(1 << 16)
        if not reply:
            raise ConnectionError("the isolation fork server is gone")
        return json.loads(reply)

    def spawn(self, config: dict[str, Any], fds: list[int]) -> int:
        """Fork a worker with ``config`` whose protocol socket and output pipe are ``fds``; returns its pid."""
        with self._lock:
            try:
                return self._ask({"op": "spawn", "config": config}, fds)["pid"]
            except OSError:  # killed (by a submission of a non-root grader?): start a fresh one, once
                self._discard()
                return self._ask({"op": "spawn", "config": config}, fds)["pid"]

    def reap(self, pid: int, grace: float) -> dict[str, Any]:
        """Stop worker ``pid`` (after ``grace`` seconds) and say how it ended; empty when the zygote was lost."""
        with self._lock:
            try:
                return self._ask({"op": "reap", "pid": pid, "grace": grace}, [])
            except OSError:  # its workers died with it (PR_SET_PDEATHSIG)
                self._discard()
                return {}

    def _discard(self) -> None:
        """Forget a dead or unwanted zygote."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # hung: kill it (its workers die with it, PR_SET_PDEATHSIG)
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        self._uid.close()  # a pool's uid: stopped, its files removed, let go

    def close(self) -> None:
        """Hang up: the zygote kills what is left of its workers and exits."""
        with self._lock:
            self._discard()


_LAUNCHES: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
_LAUNCHER: list[threading.Thread] = []
_LAUNCHER_LOCK = threading.Lock()


def in_lasting_thread(start: Callable[[], Any]) -> Any:
    """``start()`` run in a thread that lasts as long as this process. A child's parent-death signal (the zygote's
    ``PR_SET_PDEATHSIG``, bubblewrap's ``--die-with-parent``) fires when the *thread* that forked it ends: a zygote
    started from a grading pool's thread would die with the pool, and every batch would pay for a new one."""
    with _LAUNCHER_LOCK:
        if not _LAUNCHER:
            _LAUNCHER.append(threading.Thread(target=_launch_forever, name="dlconform-launcher", daemon=True))
            _LAUNCHER[0].start()
    done: Future[Any] = Future()
    _LAUNCHES.put((start, done))
    return done.result()


def _launch_forever() -> None:
    while True:
        start, done = _LAUNCHES.get()
        try:
            done.set_result(start())
        except BaseException as exc:  # handed to the caller, raised there
            done.set_exception(exc)


_SERVERS = {mode: ForkServer(mode) for mode in ("bwrap", "uid")}
for _server in _SERVERS.values():
    atexit.register(_server.close)
_LIVE: set[Worker] = set()  # workers not yet stopped: stopped, and their folders removed, at exit


@atexit.register  # registered after the server's close, so it runs before it
def _stop_live_workers() -> None:
    for worker in list(_LIVE):
        worker.stop()


def describe_exit(status: dict[str, Any]) -> str:
    """How a worker ended, for messages: ``exited with code 0``, ``died of a segmentation fault (SIGSEGV)``."""
    code = status.get("exitcode")
    if code is None:
        return "was lost with the isolation server"
    if status.get("killed"):
        return STOPPED
    if code < 0:
        try:
            sig = signal.Signals(-code)
        except ValueError:
            return f"died of signal {-code}"
        return f"died of {SIGNAL_NAMES.get(sig, sig.name)}"
    if code == BOOT_FAILURE:
        return "could not set itself up (see the submission output)"
    if code == SERVE_FAILURE:
        return "failed while serving the grader (see the submission output)"
    return f"exited with code {code} (os._exit, or a crash in native code)"


class Worker:
    """One confined worker process serving one submission (or a module, for ``run --isolate``)."""

    def __init__(self, source: Path | None, limits: Limits) -> None:
        self.limits = limits
        self.mode = sandbox.resolve(limits.sandbox, module_target=source is None)
        self._lease = UidLease() if self.mode == "uid" and os.geteuid() == 0 else None
        self.identity = (self._lease.uid, self._lease.uid) if self._lease else None
        self.cgroup: sandbox.Cgroup | None = None
        self._host: Path | None = None  # the worker's folder on the host (uid mode)
        self.pid: int | None = None
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        read_end, write_end = os.pipe()
        fds = [theirs.fileno(), write_end]
        try:
            config = self._namespaced(source, fds, ours) if self.mode == "bwrap" else self._uid_folder(source)
            config["memory"] = limits.memory or None
            self.pid = _SERVERS[self.mode].spawn(config, fds)
            if self.mode == "bwrap":
                self._join_cgroup(ours)
        except BaseException:
            ours.close()
            os.close(read_end)
            if self.pid is not None:
                _SERVERS[self.mode].reap(self.pid, 0.0)
            self._cleanup()
            raise
        finally:
            for fd in fds[1:]:
                os.close(fd)
            theirs.close()
        self.sock = ours
        self.sock.setblocking(False)
        self.out = read_end
        os.set_blocking(self.out, False)
        self._captured = bytearray()
        self._dropped = 0
        self._seq = 0
        self._outbox: list[memoryview] = []  # requests (parts of) not yet taken by the socket
        self.status: dict[str, Any] | None = None
        _LIVE.add(self)

    def _uid_folder(self, source: Path | None) -> dict[str, Any]:
        """uid mode: a private host folder holding a copy of the submission (``stage``)."""
        gid = self.identity[1] if self.identity is not None else None
        self._host = self.workdir = stage([source] if source is not None else [], gid)
        self.spec_path = self.workdir / source.name if source is not None else None
        uid, gid = self.identity or (None, None)
        offline = uid is not None and sandbox.network_refusal() is None
        return {"workdir": str(self.workdir), "uid": uid, "gid": gid, "offline": offline}

    def _namespaced(self, source: Path | None, fds: list[int], ours: socket.socket) -> dict[str, Any]:
        """bwrap mode: the worker copies the submission from a descriptor into its own tmpfs; a cgroup bounds it."""
        assert source is not None  # sandbox.resolve sends module targets to uid mode
        self.workdir = Path(WORKDIR)
        self.spec_path = self.workdir / source.name
        fds.append(os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC))
        ours.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        if sandbox.Cgroup.kind() is not None:
            self.cgroup = sandbox.Cgroup(self.limits.memory)
        tmpfs = min(self.limits.memory or sandbox.TMPFS_LIMIT, sandbox.TMPFS_LIMIT)
        return {"workdir": WORKDIR, "namespaces": True, "name": source.name, "uid": None, "tmpfs": tmpfs}

    def _join_cgroup(self, sock: socket.socket) -> None:
        """Move the new worker into its cgroup (if any): its first byte carries its pid (as this process sees it),
        and it waits for the first request, which is sent only after this."""
        sock.settimeout(STARTUP_TIMEOUT)
        size = struct.calcsize("3i")
        try:
            data, ancillary, _, _ = sock.recvmsg(1, socket.CMSG_SPACE(size))
        except OSError:
            data, ancillary = b"", []
        creds = [d for level, kind, d in ancillary if (level, kind) == (socket.SOL_SOCKET, socket.SCM_CREDENTIALS)]
        if data != HELLO or not creds or len(creds[0]) < size:
            raise WorkerDied("could not start in its sandbox")  # its setup failed: see the capture pipe
        pid, _, _ = struct.unpack("3i", creds[0][:size])
        if self.cgroup is not None:
            self.cgroup.add(pid)

    def _cleanup(self) -> None:
        """Stop what is left of the worker (its uid's processes, or its cgroup's) and remove what it left: its uid's
        files in the shared temporary folders, its host folder, its cgroup."""
        if self._lease is not None:
            self._lease.release(self._host)  # the folder goes before the uid may be handed on
        if self._host is not None:  # what is left of it (a uid that could not be stopped keeps its lease)
            shutil.rmtree(self._host, ignore_errors=True)
        if self.cgroup is not None:
            self.cgroup.remove()

    def request(
        self, header: dict[str, Any], blobs: list[Any], timeout: float, limit: int = MAX_FRAME, due: int | None = None
    ) -> tuple[Reply, list[Any]]:
        """Send one request and wait up to ``timeout`` seconds for a reply of at most ``limit`` bytes, capturing
        output meanwhile: its first reply, or with ``due`` the next reply to that earlier request (this one is then
        queued behind it, for the worker to go on to)."""
        seq = self._queue(header, blobs, behind=due is not None)
        return self._exchange(timeout, limit, seq if due is None else due)

    def next_reply(self, timeout: float, limit: int = MAX_FRAME, seq: int | None = None) -> tuple[Reply, list[Any]]:
        """The next reply, to request ``seq`` (by default the last sent; a batch of calls has one per call), within
        ``timeout`` seconds."""
        return self._exchange(timeout, limit, self._seq if seq is None else seq)

    @property
    def seq(self) -> int:
        """The number of the last request sent."""
        return self._seq

    def _queue(self, header: dict[str, Any], blobs: list[Any], behind: bool = False) -> int:
        """Number a request and send what the socket takes of it now; the rest goes while replies are awaited. A
        request queued behind another to a worker that is gone is dropped: the replies it sent before it went are still read,
        and the first one missing says how it ended."""
        self._seq += 1
        parts = pack({**header, "seq": self._seq}, blobs)
        self._outbox = [*self._outbox, *(memoryview(p).cast("B") for p in parts if len(p))]
        try:
            self._outbox = self._send(self._outbox)
        except WorkerDied:
            if not behind:
                raise
            self._outbox = []
        return self._seq

    def _exchange(self, timeout: float, limit: int, seq: int) -> tuple[Reply, list[Any]]:
        """Read one reply frame, to request ``seq``, sending the requests not yet sent meanwhile; WorkerTimeout once
        ``timeout`` passed without one (a reply already waiting is still taken)."""
        deadline = time.monotonic() + timeout
        reply = self._receive(limit, seq)  # often read already, with the reply before it
        while reply is None:
            self._poll.modify(self.sock, select.POLLIN | (select.POLLOUT if self._outbox else 0))
            ready = self._poll.poll(math.ceil(max(deadline - time.monotonic(), 0.0) * 1000))
            if not ready:
                raise WorkerTimeout()
            for fd, events in ready:
                if fd == self.out:
                    if not self._read_output():
                        self._poll.unregister(self.out)
                    continue
                if events & select.POLLOUT and self._outbox:
                    self._outbox = self._send_queued(self._outbox)
                if events & ~select.POLLOUT and reply is None:
                    reply = self._receive(limit, seq)
            if reply is None and time.monotonic() > deadline:
                raise WorkerTimeout()
        if self._printed.poll(0):  # what the call printed came before its reply: taken now, as the call's
            self._read_output()
        return reply

    @functools.cached_property
    def _poll(self) -> select.poll:
        """What ``_exchange`` waits on: the protocol socket and, until it closes, the capture pipe."""
        poll = select.poll()
        poll.register(self.sock, select.POLLIN)
        poll.register(self.out, select.POLLIN)
        return poll

    @functools.cached_property
    def _printed(self) -> select.poll:
        """Whether the capture pipe has something to read now (``poll(0)``): cheaper, after each reply, than a read
        that finds nothing."""
        poll = select.poll()
        poll.register(self.out, select.POLLIN)
        return poll

    @functools.cached_property
    def _inbox(self) -> Inbox:
        """The replies read so far and not yet taken (channel.py)."""
        return Inbox()

    def _send(self, pending: list[memoryview]) -> list[memoryview]:
        """Send what the socket takes now; what is left."""
        try:
            return send_some(self.sock, pending)
        except OSError as exc:
            raise WorkerDied(f"closed its end of the protocol ({exc.strerror})") from None

    def _send_queued(self, pending: list[memoryview]) -> list[memoryview]:
        """Send more of what is left of the requests (queued: a reply is awaited meanwhile); nothing is left to
        send to a worker that is gone (the reply awaited, or its absence, says how it ended)."""
        try:
            return self._send(pending)
        except WorkerDied:
            return []

    def _receive(self, limit: int, seq: int) -> tuple[Reply, list[Any]] | None:
        """Read what is there; the reply once it is complete, None while it is not."""
        try:
            body = self._inbox.feed(self.sock, limit)
            if body is None:
                return None
            header, blobs = unpack_reply(body)
        except (BlockingIOError, InterruptedError):
            return None
        except (EOFError, ConnectionResetError):  # reset: it went with a queued request unread
            raise WorkerDied(CLOSED) from None
        except ProtocolError as exc:
            raise WorkerBroke(str(exc)) from None
        except OSError as exc:
            raise WorkerDied(f"closed its end of the protocol ({exc.strerror})") from None
        if (header.seq if isinstance(header, Returned) else header.get("seq")) != seq:
            raise WorkerBroke("a reply to another request")
        return header, blobs

    def _read_output(self) -> bool:
        """Take what the submission printed, keeping at most ``limits.output`` bytes; False once the pipe closed."""
        while True:
            try:
                chunk = os.read(self.out, 1 << 16)
            except BlockingIOError:
                return True
            except OSError:
                return False
            if not chunk:
                return False
            room = max(0, self.limits.output - len(self._captured))
            self._captured += chunk[:room]
            self._dropped += max(0, len(chunk) - room)

    def take_output(self) -> str:
        """What the submission printed since the last call of this method, as text (paths into the worker's
        folder shortened to the file name, as the student knows it)."""
        if not self._captured and not self._dropped:  # nothing printed: the usual call
            return ""
        text = self._captured.decode("utf-8", errors="replace").replace(f"{self.workdir}{os.sep}", "")
        if self._dropped:
            text += f"\n[... {self._dropped} more bytes of output dropped]\n"
        self._captured.clear()
        self._dropped = 0
        return text

    def stop(self, grace: float = 0.0) -> str:
        """End the worker (waiting ``grace`` seconds for it to end on its own), clean up, and say how it ended."""
        if self.status is None:
            assert self.pid is not None  # a worker that started has a pid
            _LIVE.discard(self)
            self.sock.close()
            self.status = _SERVERS[self.mode].reap(self.pid, grace)
            self._read_output()
            os.close(self.out)
            self._cleanup()
        return describe_exit(self.status)


def stage(files: Sequence[Path], gid: int | None) -> Path:
    """A fresh private host folder holding a copy of each of ``files``, for a uid-mode worker or adapter. With a
    worker ``gid`` (a root grader's): the folder is root's, open only to that group (mode 1770: it may add files,
    not replace the grader's), each copy root's and read-only (0440)."""
    folder = Path(tempfile.mkdtemp(prefix="dlconform-worker-"))
    for source in files:
        copy = folder / source.name
        shutil.copyfile(source, copy)
        if gid is not None:
            os.chown(copy, 0, gid)
            os.chmod(copy, 0o440)
    if gid is not None:
        os.chown(folder, 0, gid)
        os.chmod(folder, 0o1770)
    return folder


def start_worker(source: Path | None, limits: Limits) -> Worker:
    """A started worker; a sandbox that failed to start (a host limit on namespaces, say) is tried once more."""
    try:
        return Worker(source, limits)
    except (WorkerDied, ConnectionError):
        return Worker(source, limits)


def worker_limits(
    timeout: float | None,
    memory: str | None,
    sandbox_name: str | None = None,
    budget: float | None = None,
    support: tuple[str, ...] = (),
) -> Limits:
    """Worker limits from --timeout, --memory, --sandbox and --budget; a bad size, or a sandbox that cannot be
    made here, is a DlconformError (one line, exit 2)."""
    try:
        size = DEFAULT_LIMITS.memory if memory is None else parse_size(memory)
    except ValueError as exc:
        raise DlconformError(f"--memory: {exc}") from None
    try:
        sandbox.resolve(sandbox_name or DEFAULT_LIMITS.sandbox)
    except sandbox.SandboxError as exc:
        raise DlconformError(str(exc)) from None
    return replace(
        DEFAULT_LIMITS,
        timeout=DEFAULT_LIMITS.timeout if timeout is None else timeout,
        memory=size,
        sandbox=sandbox_name or DEFAULT_LIMITS.sandbox,
        budget=DEFAULT_LIMITS.budget if budget is None else budget or None,
        support=support,
    )
