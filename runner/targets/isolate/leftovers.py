"""What a worker uid leaves behind, found and removed from root: its processes (every thread) and its files.

``stop_uid`` ends every process of a uid with no step at which that uid can
signal the grader: root scans /proc, stops each process of the uid it finds (a
stopped process cannot fork), scans again until a scan finds no process it has
not stopped, then kills them all. A process counts while any of its threads
lives: one whose main thread has exited looks like a zombie but runs on in its
other threads. ``remove_files_of`` removes what the uid left in the host's shared
temporary folders (uid mode has no private /tmp).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import time

STOP_SECONDS = 5.0  # at most, for one uid
SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm")  # world-writable: where any uid may leave files


def processes_of(uid: int) -> set[int]:
    """The pids of the processes of ``uid`` that have a live thread (a zombie-looking main thread included)."""
    found = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if os.stat(f"/proc/{name}").st_uid == uid and _alive(name):
                    found.add(int(name))
    return found


def _ended(path: str) -> bool:
    """Whether the task whose /proc folder is ``path`` has ended (a zombie waiting to be reaped, or dead)."""
    with open(f"{path}/stat", "rb") as stat_file:
        return stat_file.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")


def _alive(pid: str) -> bool:
    """Whether some thread of process ``pid`` still runs: its main thread, or another once that one has exited."""
    if not _ended(f"/proc/{pid}"):
        return True
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(OSError, IndexError):
            if not _ended(f"/proc/{pid}/task/{tid}"):
                return True
    return False


def stop_uid(uid: int, seconds: float = STOP_SECONDS) -> bool:
    """Stop, then kill, every process of ``uid``; False if some were still found after ``seconds``."""
    deadline = time.monotonic() + seconds
    stopped: set[int] = set()
    while fresh := processes_of(uid) - stopped:
        for pid in fresh:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGSTOP)  # the whole thread group, whichever thread is left
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


def remove_files_of(uid: int, folders: tuple[str, ...] = SHARED_FOLDERS) -> None:
    """Remove every file and folder ``uid`` owns in ``folders`` and in the world-writable folders inside them (call
    once its processes are gone: nothing can add more meanwhile). Links are removed, never followed."""
    for folder in folders:
        with contextlib.suppress(OSError):
            _remove_from(folder, uid)


def _remove_from(folder: str, uid: int) -> None:
    with os.scandir(folder) as entries:
        for entry in list(entries):
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if info.st_uid == uid:
                    if stat.S_ISDIR(info.st_mode):
                        shutil.rmtree(entry.path)
                    else:
                        os.unlink(entry.path)
                elif stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_IWOTH:
                    _remove_from(entry.path, uid)
