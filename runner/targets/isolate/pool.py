"""A root grader's bubblewrap pool started as an unprivileged host uid, so that nothing in it is root on the host.

Run by root as a script (``python -I -S pool.py SPEC``, standard library only): it
makes a private mount namespace in which every folder the pool shows (the Python
installation, site-packages, the runner's code) is bind-mounted under a fresh
tmpfs that the uid can traverse (a Python under ``/root``, mode 0700, say), becomes
that uid with no supplementary groups, and executes bubblewrap, which builds the
pool without privilege: its user namespace maps the pool's root, and each
worker's ``nobody``, to the uid. No one else sees the private mounts.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x1000, 0x4000, 1 << 18
PR_SET_PDEATHSIG = 1


def staged(stage: str, index: int) -> str:
    """Where the ``index``-th folder shown to the pool is mounted for the uid to reach it."""
    return f"{stage}/{index}"


def _mount(libc: ctypes.CDLL, source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    args = [s.encode() if s is not None else None for s in (source, target, fstype)]
    if libc.mount(*args, ctypes.c_ulong(flags), data.encode() or None) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {target}: {os.strerror(errno)}")


def launch(spec: dict[str, Any]) -> None:
    """Stage ``spec["sources"]`` under ``spec["stage"]``, become ``spec["uid"]`` and execute ``spec["argv"]``."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)
    stage = spec["stage"]
    _mount(libc, "tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k")
    for index, source in enumerate(spec["sources"]):
        point = staged(stage, index)
        if os.path.isdir(source):
            os.mkdir(point)
        else:
            os.close(os.open(point, os.O_CREAT | os.O_WRONLY, 0o644))
        _mount(libc, source, point, None, MS_BIND | MS_REC)
    uid = spec["uid"]
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # setuid cleared it: die with the grader
    os.execv(spec["argv"][0], spec["argv"])


if __name__ == "__main__":
    launch(json.loads(sys.argv[1]))
