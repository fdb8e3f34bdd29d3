"""Ending every process of a worker's uid from root, with no step at which that uid can signal the sweeper.

The old sweep forked, became the uid and called ``kill(-1)``: between the two the
uid's own processes could stop the sweeper and hang the grader. Here root
scans /proc, stops each process of the uid it finds (a stopped process cannot
fork), scans again until a scan finds no process it has not stopped, then
kills them all. Root's signals cannot be refused, and nothing runs as the uid.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

SWEEP_SECONDS = 5.0  # at most, for one uid


def processes_of(uid: int) -> set[int]:
    """The pids of the live (not zombie) processes whose /proc entry belongs to ``uid``."""
    found = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if os.stat(f"/proc/{name}").st_uid == uid and not _zombie(name):
                    found.add(int(name))
    return found


def _zombie(pid: str) -> bool:
    """Whether process ``pid`` has ended and waits only to be reaped (it can do nothing more)."""
    with open(f"/proc/{pid}/stat", "rb") as stat:
        return stat.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")


def sweep(uid: int, seconds: float = SWEEP_SECONDS) -> bool:
    """Stop, then kill, every process of ``uid``; False if some were still found after ``seconds``."""
    deadline = time.monotonic() + seconds
    stopped: set[int] = set()
    while fresh := processes_of(uid) - stopped:
        for pid in fresh:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGSTOP)
        stopped |= fresh
        if time.monotonic() >= deadline:
            break
    for pid in stopped | processes_of(uid):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return not processes_of(uid) or _gone(uid, deadline)


def _gone(uid: int, deadline: float) -> bool:
    """Wait (until ``deadline``, at least briefly) for killed processes of ``uid`` to disappear."""
    end = max(deadline, time.monotonic() + 0.5)
    while time.monotonic() < end:
        if not processes_of(uid):
            return True
        time.sleep(0.005)
    return False
