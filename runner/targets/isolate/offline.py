"""Leaving the host's network: a network namespace of one's own, for a root grader's uid-mode workers and adapters.

A new network namespace has no interface but a loopback that is down, which only root could bring up: no
network, not the host's loopback, nor the abstract unix sockets of the host or of another worker.
``leave_network`` is the one step; three places take it:

- a uid worker, in the fork server's child before it drops to its uid (``zygote.py`` imports it);
- the grader's one-off probe (``python -I -S offline.py probe``: ``sandbox.network_refusal``), so that workers
  are told to leave only where the kernel allows it (a container without CAP_SYS_ADMIN or with seccomp refuses);
- a uid-mode adapter (``python -I -S offline.py UID PROGRAM ARGV...``, run by root after /bin/sh set its limits:
  ``adapter/confine.py``): leave, become ``UID`` with no supplementary groups for good, execute ``PROGRAM`` (found
  on PATH by the grader: as the uid, the interpreter may not read its own modules). Popen cannot take the step
  itself (its ``user`` drops privileges before anything else of the child runs, and a ``preexec_fn`` would fork
  the grader).

Standard library only: the two commands run with ``-I -S``.
"""

from __future__ import annotations

import ctypes
import os
import sys

CLONE_NEWNET = 0x40000000


def leave_network() -> None:
    """Enter a network namespace of one's own; OSError where the kernel refuses."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare(CLONE_NEWNET): {os.strerror(errno)}")


def launch(uid: int, program: str, argv: list[str]) -> None:
    """Leave the host's network, become ``uid`` for good and execute ``program`` with ``argv``."""
    leave_network()
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    try:
        os.setuid(0)
    except PermissionError:
        os.execv(program, argv)
    raise OSError("root could be regained after dropping privileges")


if __name__ == "__main__":
    if sys.argv[1:] == ["probe"]:
        try:
            leave_network()
        except OSError as exc:
            sys.exit(exc.strerror)
    else:
        launch(int(sys.argv[1]), sys.argv[2], sys.argv[3:])
