"""The ``--out`` folder of ``grade``: made by the grader and private to it, with one distinct report name each.

A folder someone else made first (a submission, in a world-writable place) is
refused rather than written into; reports that show hidden cases are readable
by their owner only; two submissions whose names sanitize alike (``bob hw.py``,
``bob_hw.py``) get names told apart by a short hash of their paths, and a name
depends only on the submissions graded together, never on their order.
"""

from __future__ import annotations

import collections
import hashlib
import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

PRIVATE = 0o600  # reports that show hidden cases


def prepare(out_dir: str | Path) -> Path:
    """``out_dir``, made 0700 if missing; PermissionError when it is a link or belongs to someone else."""
    out = Path(out_dir)
    if not out.exists() and not out.is_symlink():
        out.parent.mkdir(parents=True, exist_ok=True)
        out.mkdir(mode=0o700)
    info = out.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise PermissionError(f"{out} is not a folder (a link?): refusing to write reports there")
    if info.st_uid != os.geteuid():
        raise PermissionError(f"{out} belongs to uid {info.st_uid}, not to this grader: refusing to write there")
    return out


def report_names(submissions: Sequence[str], name: Callable[[str], str]) -> dict[str, str]:
    """A report file name per submission: ``name(submission)``, or, where two submissions would share it, that name
    with a short hash of the submission's path before ``.json``."""
    plain = {s: name(s) for s in submissions}
    shared = {n for n, count in collections.Counter(plain.values()).items() if count > 1}
    return {s: _hashed(n, s) if n in shared else n for s, n in plain.items()}


def _hashed(name: str, submission: str) -> str:
    """``name`` with 8 hex digits of the SHA-256 of ``submission`` before its ``.json``."""
    digest = hashlib.sha256(os.fsencode(submission)).hexdigest()[:8]
    return f"{name.removesuffix('.json')}-{digest}.json"
