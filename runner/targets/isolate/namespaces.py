"""Per-worker namespaces inside a bubblewrap pool: the steps a forked worker takes before any submission code runs.

The zygote of ``--sandbox bwrap`` runs inside one bubblewrap sandbox per grader
(read-only host files, no network, its own user namespace, an unprivileged host
uid: ``pool.py``). Each worker it forks gets, in addition, a PID namespace of its
own (it is PID 1, so when it ends the kernel ends everything it started), its
own mount, IPC, network and UTS namespaces, private tmpfs on /tmp, /dev/shm,
/var/tmp and its working folder, its own /proc with /proc/sys and the other
kernel knobs read-only, a user namespace in which it is ``nobody`` and may make
no other, and then drops every capability for good. Only Linux syscalls
through ctypes: bubblewrap built the sandbox; this only subdivides it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from typing import NoReturn

from dlconform.targets.isolate.offline import CLONE_NEWNET

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID = 0x10000000, 0x20000000
NOBODY = 65534  # the worker's uid and gid, in a user namespace of its own
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 1 << 18
PROC_COVERS = ("sys", "sysrq-trigger", "irq", "bus")  # read-only in a worker's /proc, as bubblewrap does in its own
PR_CAPBSET_DROP, PR_SET_SECUREBITS, PR_SET_PDEATHSIG = 24, 28, 1
SECURE_ALL_LOCKED = 0x3F  # noroot, no-setuid-fixup, keep-caps-off, each with its lock
LAST_CAP = 63
PRIVATE_FOLDERS = ("/tmp", "/dev/shm", "/var/tmp")
POOL_FOLDERS = ("/", "/dev")  # the pool's own tmpfs, shared by all its workers: read-only in each, or one could
# leave a file there (hidden inputs it saw, say) for the next submission to read
WORKDIR = "/submission"  # the worker's folder as it sees it
TMPFS_SIZE = 256 << 20  # bytes per private tmpfs (the sandbox's memory cgroup also counts them)

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encoded = (s.encode() if s is not None else None for s in (source, target, fstype, data))
    src, tgt, fs, opts = encoded
    _check(_libc.mount(src, tgt, fs, ctypes.c_ulong(flags), opts), f"mount {target}")


def enter_pid_namespace() -> int:
    """In a forked child: fork again into a fresh PID namespace. Returns 0 in the new namespace's first process;
    in this one, waits for it and exits as it did (killing it when asked to stop with SIGTERM), so that when this
    process ends, every process of the namespace has ended."""
    inner: list[int] = []

    def stop(*_: object) -> None:
        if not inner:
            os._exit(1)
        with contextlib.suppress(OSError):  # it may have ended already
            os.kill(inner[0], signal.SIGKILL)

    signal.signal(signal.SIGTERM, stop)
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")
    _check(_libc.unshare(CLONE_NEWPID), "unshare(CLONE_NEWPID)")
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")
        return 0
    inner.append(pid)
    _forward_exit(pid)


def _forward_exit(inner: int) -> NoReturn:
    """Wait for ``inner`` (PID 1 of its namespace, so all of it) and end the same way."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # nothing of this keeper reaches the grader's terminal
        os.dup2(null, fd)
    os.closerange(3, 1024)  # hold nothing of the worker's open: its end of the protocol closes with it
    _, status = os.waitpid(inner, 0)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        with contextlib.suppress(OSError, ValueError):  # SIGKILL and SIGSTOP have no handler to reset
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        os.kill(os.getpid(), sig)
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def private_mounts(source_fd: int | None, name: str | None, size: int = TMPFS_SIZE) -> int:
    """Own mount, IPC, network and UTS namespaces; private tmpfs folders, the pool's own folders read-only; a /proc
    of this PID namespace whose kernel settings are read-only; the submission (read from ``source_fd``) written to
    ``WORKDIR/name``. Returns a descriptor of the settings folder as still writable, for ``become_nobody`` alone."""
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS), "unshare")
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    for folder in (*PRIVATE_FOLDERS, WORKDIR):
        _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode=1777")
    for folder in POOL_FOLDERS:  # this mount only: the private tmpfs on it stay writable
        _mount("none", folder, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    settings = os.open("/proc/sys", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    for cover in PROC_COVERS:
        path = f"/proc/{cover}"
        if os.path.exists(path):
            _mount(path, path, None, MS_BIND | MS_REC)
            _mount("none", path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    if source_fd is not None and name is not None:
        with os.fdopen(source_fd, "rb") as source, open(os.path.join(WORKDIR, name), "xb") as copy:
            while chunk := source.read(1 << 20):
                copy.write(chunk)
    return settings


def become_nobody(settings: int) -> None:
    """A user namespace of one's own in which one is ``NOBODY`` (the same host uid as the pool: no new power) and
    which may hold no other (its ``user.max_user_namespaces`` is 0, set through ``settings``, the writable
    /proc/sys that ``private_mounts`` kept; the setting is per user namespace, and without a capability no
    process of it can raise it again)."""
    _check(_libc.unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
    for name, text in (("uid_map", f"{NOBODY} 0 1"), ("setgroups", "deny"), ("gid_map", f"{NOBODY} 0 1")):
        with open(f"/proc/self/{name}", "w") as file:
            file.write(text)
    limit = os.open("user/max_user_namespaces", os.O_WRONLY | os.O_CLOEXEC, dir_fd=settings)
    try:
        os.write(limit, b"0")
    finally:
        os.close(limit)
        os.close(settings)


def drop_capabilities() -> None:
    """Give up every capability, for this process and whatever it executes (root in the namespace gains none)."""
    _check(_libc.prctl(PR_SET_SECUREBITS, SECURE_ALL_LOCKED, 0, 0, 0), "prctl(PR_SET_SECUREBITS)")
    for cap in range(LAST_CAP + 1):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == 22:  # EINVAL: past the last
            break
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable, twice: all zero
    _check(_libc.capset(header, data), "capset")
