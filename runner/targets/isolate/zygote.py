"""The fork server: a clean process that has imported NumPy and the runner, and forks one worker per request.

The grader starts it once (``python -m dlconform.targets.isolate.zygote FD``) and talks to
it over a ``SOCK_SEQPACKET`` socket. The zygote never loads vector files or
submissions, so a forked worker holds no expected values; forking it costs
milliseconds where a fresh interpreter would cost a NumPy import. Each worker,
right after the fork and before any submission code runs: starts its own
session, gets /dev/null as stdin and the capture pipe as stdout and stderr,
resource limits (address space, no core files, file size, processes), a private
working folder, and when the grader is root drops to an unprivileged uid of its
own, in a network namespace of its own where the kernel allows it (no network:
``offline.py``). Only the zygote reaps its children, and only when asked, so a
pid it names is never reused while the grader still means it.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import json
import os
import resource
import signal
import socket
import sys
import time
import traceback
from typing import Any, NoReturn

from dlconform.targets.isolate.offline import leave_network
from dlconform.threads import THREAD_VARIABLES

# Modules a submission commonly imports, loaded once here: after dropping privileges a worker may be unable to
# read the interpreter's own files (say, a Python installed under /root), so what it needs must already be loaded.
PRELOAD = (
    "numpy",
    "numpy.linalg",
    "numpy.fft",
    "numpy.random",
    "numpy.testing",
    "math",
    "cmath",
    "random",
    "statistics",
    "itertools",
    "functools",
    "operator",
    "collections",
    "copy",
    "time",
    "re",
    "json",
    "typing",
    "dataclasses",
    "fractions",
    "decimal",
    "warnings",
    "string",
    "textwrap",
    "ctypes",
    "glob",
    "pathlib",
    "importlib.resources",
    "importlib.readers",
    "csv",
    "datetime",
    "heapq",
    "bisect",
    "array",
    "struct",
    "pprint",
    "numbers",
    "enum",
    "inspect",
    "traceback",
    "dlconform.targets.isolate.worker",
    "dlconform.targets.isolate.namespaces",
    "dlconform.targets.load",
    "dlconform.targets.notebook",
    "jsonschema",  # dlconform.format.suite validates vector files with it, imported on first use
)
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
WORKER_FD = 3  # the protocol socket's descriptor in a worker
MAX_OPEN_FILES = 256
MAX_FILE_SIZE = 64 * 1024 * 1024
MAX_PROCESSES = 64  # per worker uid (only with a uid of its own: the limit counts every process of the uid)
BOOT_FAILURE = 70  # a worker's exit code when it could not be set up
SERVE_FAILURE = 71  # a worker's exit code when serving the protocol failed (not the grader hanging up)
HELLO = b"\x00"  # a namespaced worker's first byte on the protocol socket, carrying its credentials
STOP_WAIT = 5.0  # seconds a namespaced worker's keeper has to end its namespace before SIGKILL


def _prctl(option: int, value: int) -> None:
    """Linux prctl(2), a no-op where there is none."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def _limits(config: dict[str, Any]) -> None:
    """Resource limits of one worker: memory, no core files, bounded files, and processes when it has its own uid."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_SIZE, MAX_FILE_SIZE))
    resource.setrlimit(resource.RLIMIT_NOFILE, (MAX_OPEN_FILES, MAX_OPEN_FILES))
    if config.get("memory"):
        resource.setrlimit(resource.RLIMIT_AS, (config["memory"], config["memory"]))
    if config.get("uid") is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))


def _drop_privileges(uid: int, gid: int) -> None:
    """Become ``uid``:``gid`` with no supplementary groups, for good: regaining root must fail."""
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid or os.getegid() != gid:
        raise OSError("privileges were not dropped")
    try:
        os.setuid(0)
    except PermissionError:
        return
    raise OSError("root could be regained after dropping privileges")


def _become_worker(config: dict[str, Any], fds: list[int]) -> NoReturn:
    """In the forked child: isolate this process, then serve the protocol on WORKER_FD until the grader hangs up."""
    proto, out = fds[0], fds[1]
    try:
        if config.get("namespaces"):
            _own_namespaces(config, proto, fds[2] if len(fds) > 2 else None)
        if config.get("offline"):  # told so only where the grader's probe showed it can (sandbox.network_refusal)
            leave_network()
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.dup2(proto, WORKER_FD)
        os.closerange(WORKER_FD + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _limits(config)
        os.chdir(config["workdir"])
        os.umask(0o077)
        if config.get("uid") is not None:
            _drop_privileges(config["uid"], config["gid"])
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after setuid, which clears it
        os.environ.clear()
        os.environ.update(
            {
                "HOME": config["workdir"],
                "TMPDIR": config["workdir"],
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "LANG": "C.UTF-8",
                **dict.fromkeys(THREAD_VARIABLES, "1"),
            }
        )
        for stream in (sys.stdout, sys.stderr):
            if isinstance(stream, io.TextIOWrapper):  # as Python starts it, unless something replaced it
                stream.reconfigure(line_buffering=True)  # prints interleave with raw writes as they happened
        from dlconform.targets.isolate.worker import serve
    except BaseException:
        _fail("could not start", BOOT_FAILURE)
    try:
        serve(WORKER_FD)
    except (BrokenPipeError, ConnectionResetError):  # the grader hung up mid-reply: it has stopped this worker
        pass
    except BaseException:
        _fail("failed while serving", SERVE_FAILURE)
    os._exit(0)


def _fail(what: str, code: int) -> NoReturn:
    """End a worker that could not go on, its traceback in its output (the forked child never returns)."""
    with contextlib.suppress(BaseException):
        os.write(2, f"dlconform worker {what}:\n{traceback.format_exc()}".encode())
    os._exit(code)


def _own_namespaces(config: dict[str, Any], proto: int, source: int | None) -> None:
    """In a bubblewrap pool: become PID 1 of a namespace of one's own with private mounts, tell the grader one's
    pid (SO_PASSCRED: the grader moves this process into its cgroup before any submission code runs), as uid
    nobody with no capability and no way to make a user namespace."""
    from dlconform.targets.isolate import namespaces

    namespaces.enter_pid_namespace()
    settings = namespaces.private_mounts(source, config.get("name"), config.get("tmpfs") or namespaces.TMPFS_SIZE)
    namespaces.become_nobody(settings)
    namespaces.drop_capabilities()
    os.write(proto, HELLO)


def _kill_group(pid: int) -> None:
    """SIGKILL a worker's process group and the worker itself (in case it left its group)."""
    for kill, target in ((os.killpg, pid), (os.kill, pid)):
        with contextlib.suppress(OSError):
            kill(target, signal.SIGKILL)


def _wait(pid: int, seconds: float) -> int | None:
    """Worker ``pid``'s wait status once it ended within ``seconds``, else None."""
    deadline = time.monotonic() + seconds
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.002)


def _reap(pid: int, grace: float, namespaced: bool) -> dict[str, Any]:
    """Wait up to ``grace`` seconds for worker ``pid`` to end, kill it if it has not, and say how it ended.
    A namespaced worker's keeper is asked to end the namespace (its exit means every process of it is gone); the
    grader stops what else runs as a uid worker's uid (``UidLease.release``)."""
    status = _wait(pid, grace)
    killed = status is None
    if killed and namespaced:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
        status = _wait(pid, STOP_WAIT)
    if status is None:
        _kill_group(pid)
        _, status = os.waitpid(pid, 0)
    _kill_group(pid)  # helpers it forked into its group
    return {"exitcode": os.waitstatus_to_exitcode(status), "killed": killed}


def serve(sock: socket.socket) -> None:
    """Answer spawn and reap requests until the grader closes the socket; then kill what is left."""
    children: dict[int, dict[str, Any]] = {}
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 3)
        except OSError:
            break
        if not data:
            break
        request = json.loads(data)
        if request["op"] == "spawn":
            config = request["config"]
            pid = os.fork()
            if pid == 0:
                sock.close()
                _become_worker(config, fds)
            children[pid] = config
            reply: dict[str, Any] = {"pid": pid}
        else:
            pid = request["pid"]
            config = children.pop(pid, {})
            reply = _reap(pid, request.get("grace", 0.0), bool(config.get("namespaces")))
        for fd in fds:
            os.close(fd)
        sock.send(json.dumps(reply).encode())
    for pid, config in children.items():
        _reap(pid, 0.0, bool(config.get("namespaces")))


def _batch_policy() -> None:
    """Run as ``SCHED_BATCH``, which every worker inherits: the same share of the CPUs, but a worker woken by a
    request no longer preempts the grader that sent it (on a busy machine the grader then waited in its ``sendmsg``
    while the worker ran a whole batch of calls on its CPU)."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or refused: the default policy
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


def main() -> None:
    """Entry point: preload, die with the grader, say ready, serve."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    sock = socket.socket(fileno=int(sys.argv[1]))
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the grader died before the line above took effect
        return
    _batch_policy()
    import importlib

    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    sock.send(b'{"ready": true}')
    serve(sock)


if __name__ == "__main__":
    main()
