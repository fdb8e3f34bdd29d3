"""Worker uids for a root grader, unique across every grader on the host: a uid is leased with a lock file.

Each lease is an exclusive ``flock`` on ``LEASE_DIR/<uid>`` (a root-only folder),
held for the worker's life and dropped by the kernel if the grader dies, so two
graders never hand out the same uid, whatever their pids. A uid is let go only
once nothing of it runs and its files in the shared temporary folders are gone;
one with a process that cannot be stopped stays leased until the grader exits.
A uid is stopped before it is handed out, in case a crashed grader left
processes behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import shutil
import stat
import threading
from pathlib import Path

from dlconform.targets.isolate.leftovers import processes_of, remove_files_of, stop_uid

UID_BASE, UID_SLOTS = 64000, 1000  # each live worker of a root grader runs as its own uid in this range
LEASE_DIR = Path("/run/dlconform-uids") if Path("/run").is_dir() else Path("/var/run/dlconform-uids")
_LOCK = threading.Lock()


class NoFreeUid(OSError):
    """Every uid of the range is leased (by this or another grader)."""


class UidLease:
    """One uid of ``UID_BASE`` .. ``UID_BASE + UID_SLOTS`` held by this process until ``release``."""

    def __init__(self) -> None:
        folder = _lease_folder()
        start = random.randrange(UID_SLOTS)
        with _LOCK:
            for step in range(UID_SLOTS):
                uid = UID_BASE + (start + step) % UID_SLOTS
                fd = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                if processes_of(uid):  # a crashed grader's
                    if not stop_uid(uid):
                        os.close(fd)
                        continue
                    remove_files_of(uid)
                self.uid, self._fd = uid, fd
                return
        raise NoFreeUid(f"all {UID_SLOTS} worker uids from {UID_BASE} are in use")

    def release(self, own: Path | None = None) -> bool:
        """Stop every process of the uid, remove ``own`` (the folder the grader staged for it) and its files from the
        shared temporary folders, and let it go; False (the uid stays leased, handed out to no one while this grader
        runs) when a process of it outlived the stop."""
        if self._fd < 0:
            return True
        if not stop_uid(self.uid):
            return False
        if own is not None:  # before the uid can be anyone else's: its group may enter the folder
            shutil.rmtree(own, ignore_errors=True)
        remove_files_of(self.uid)
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = -1
        return True


def _lease_folder() -> Path:
    """The root-only folder of lease files, made if missing; refused if someone else owns it or may write it."""
    with contextlib.suppress(FileExistsError):
        LEASE_DIR.mkdir(mode=0o700)
    info = LEASE_DIR.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
        raise OSError(f"{LEASE_DIR} is not a folder that only root may write")
    return LEASE_DIR
