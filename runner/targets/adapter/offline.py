"""A root grader's uid-mode adapter started with no network (``confine.py``).

Run by root as a script (``python -I -S offline.py UID PROGRAM ARGV...``, standard library only), after /bin/sh
set the adapter's limits (``channel.limited``): it enters a network namespace of its own (no interface but a
loopback that is down, which only root could bring up), becomes ``UID`` with no supplementary groups, checks that
root cannot be regained, and executes ``PROGRAM`` (found on PATH by the grader: as the uid, the interpreter may
not read its own modules, a Python under /root, say). Popen cannot take this step itself (its ``user`` drops
privileges before anything else of the child runs, and a ``preexec_fn`` would fork the grader), so this does.
"""

from __future__ import annotations

import ctypes
import os
import sys

CLONE_NEWNET = 0x40000000


def launch(uid: int, program: str, argv: list[str]) -> None:
    """Leave the host's network, become ``uid`` for good and execute ``program`` with ``argv``."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare(CLONE_NEWNET): {os.strerror(errno)}")
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    try:
        os.setuid(0)
    except PermissionError:
        os.execv(program, argv)
    raise OSError("root could be regained after dropping privileges")


if __name__ == "__main__":
    launch(int(sys.argv[1]), sys.argv[2], sys.argv[3:])
