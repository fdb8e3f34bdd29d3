"""The fork server: a clean process that has imported NumPy and the runner, and forks one worker per request.

The grader starts it once (``python -m dlconform.targets.isolate.zygote FD``) and talks to
it over a ``SOCK_SEQPACKET`` socket. The zygote never loads vector files or
submissions, so a forked worker holds no expected values; forking it costs
milliseconds where a fresh interpreter would cost a NumPy import. Each worker,
right after the fork and before any submission code runs: starts its own
session, gets /dev/null as stdin and the capture pipe as stdout and stderr,
resource limits (address space, no core files, file size, processes), a private
working folder, and when the grader is root drops to an unprivileged uid of its
own. Only the zygote reaps its children, and only when asked, so a pid it names
is never reused while the grader still means it.
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
    "dlconform.targets.load",
    "dlconform.targets.notebook",
    "jsonschema",  # dlconform.format.suite validates vector files with it, imported on first use
)
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
WORKER_FD = 3  # the protocol socket's descriptor in a worker
MAX_OPEN_FILES = 256
MAX_FILE_SIZE = 64 * 1024 * 1024
MAX_PROCESSES = 64  # per worker uid (only with a uid of its own: the limit counts every process of the uid)
BOOT_FAILURE = 70  # a worker's exit code when it could not be set up


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


def _become_worker(config: dict[str, Any], proto: int, out: int) -> NoReturn:
    """In the forked child: isolate this process, then serve the protocol on WORKER_FD until the grader hangs up."""
    try:
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

        serve(WORKER_FD)
    except BaseException:
        with contextlib.suppress(BaseException):
            os.write(2, f"dlconform worker could not start:\n{traceback.format_exc()}".encode())
        os._exit(BOOT_FAILURE)
    os._exit(0)


def _sweep(uid: int) -> None:
    """Kill every process left running as ``uid`` (what a worker spawned and detached), from a child of that uid."""
    pid = os.fork()
    if pid == 0:
        with contextlib.suppress(BaseException):
            os.setgroups([])
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)  # every process of this uid but the caller
        os._exit(0)
    os.waitpid(pid, 0)


def _kill_group(pid: int) -> None:
    """SIGKILL a worker's process group and the worker itself (in case it left its group)."""
    for kill, target in ((os.killpg, pid), (os.kill, pid)):
        with contextlib.suppress(OSError):
            kill(target, signal.SIGKILL)


def _reap(pid: int, grace: float, uid: int | None) -> dict[str, Any]:
    """Wait up to ``grace`` seconds for worker ``pid`` to end, kill it if it has not, and say how it ended."""
    deadline = time.monotonic() + grace
    killed = False
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() >= deadline:
            _kill_group(pid)
            killed = True
            _, status = os.waitpid(pid, 0)
            break
        time.sleep(0.002)
    _kill_group(pid)  # helpers it forked into its group
    if uid is not None:
        _sweep(uid)
    return {"exitcode": os.waitstatus_to_exitcode(status), "killed": killed}


def serve(sock: socket.socket) -> None:
    """Answer spawn and reap requests until the grader closes the socket; then kill what is left."""
    children: dict[int, int | None] = {}
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 4)
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
                _become_worker(config, fds[0], fds[1])
            children[pid] = config.get("uid")
            reply: dict[str, Any] = {"pid": pid}
        else:
            pid = request["pid"]
            reply = _reap(pid, request.get("grace", 0.0), children.pop(pid, None))
        for fd in fds:
            os.close(fd)
        sock.send(json.dumps(reply).encode())
    for pid, uid in children.items():
        _reap(pid, 0.0, uid)


def main() -> None:
    """Entry point: preload, die with the grader, say ready, serve."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    sock = socket.socket(fileno=int(sys.argv[1]))
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the grader died before the line above took effect
        return
    import importlib

    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    sock.send(b'{"ready": true}')
    serve(sock)


if __name__ == "__main__":
    main()
