"""The ``--out`` folder of ``grade`` and ``merge``: made by the grader, private to it, and holding only what its
last run wrote, each file under a safe name.

A folder someone else made first (a submission, in a world-writable place) is
refused rather than written into, and so is a folder holding files no dlconform
run recorded writing (the record: ``.dlconform-out``, one name a line). A rerun
removes what the run before wrote and this one did not, so no report of a
submission graded before but not now is left to be read as current. Reports
that show hidden cases are readable by their owner only. A report's name is the
submission's path with unusual characters made ``_``, cut when long; two
submissions whose names come out alike (``bob hw.py``, ``bob_hw.py``), and every
cut name, get a short hash of the path, so names are distinct, stable and
independent of the order of the submissions.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import os
import re
import stat
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path

from dlconform.atomic import write_atomic

PRIVATE = 0o600  # reports that show hidden cases
RECORD = ".dlconform-out"  # the names of the files the last run wrote into the folder
MAX_STEM = 120  # characters of a report's name kept from the submission's path (file names stop at 255 bytes)
LEFTOVER = re.compile(r"\..+\.tmp")  # dlconform.atomic's temporary file, left by a run that was killed


def prepare(out_dir: str | Path) -> Path:
    """``out_dir``, made 0700 if missing; PermissionError when it is a link, belongs to someone else, or holds
    files no dlconform run recorded writing."""
    out = Path(out_dir)
    if not out.exists() and not out.is_symlink():
        out.parent.mkdir(parents=True, exist_ok=True)
        out.mkdir(mode=0o700)
    info = out.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise PermissionError(f"{out} is not a folder (a link?): refusing to write reports there")
    if info.st_uid != os.geteuid():
        raise PermissionError(f"{out} belongs to uid {info.st_uid}, not to this grader: refusing to write there")
    foreign = sorted(set(os.listdir(out)) - recorded(out) - {RECORD})
    foreign = [name for name in foreign if not LEFTOVER.fullmatch(name)]
    if foreign:
        raise PermissionError(
            f"{out} holds files not written by dlconform ({', '.join(foreign[:3])}"
            f"{', ...' if len(foreign) > 3 else ''}): give a new or empty folder"
        )
    return out


def recorded(out: Path) -> set[str]:
    """The names the last run recorded writing into ``out`` (plain names in it, never paths elsewhere)."""
    try:
        text = (out / RECORD).read_text(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return set()
    return {name for name in text.split("\n") if name and name == os.path.basename(name) and name not in (".", "..")}


@contextlib.contextmanager
def writing(out: Path, names: Collection[str]) -> Iterator[None]:
    """Around writing the files ``names`` into ``out`` (a folder ``prepare`` accepted) all at once: ``begin``
    before, ``finish`` after."""
    before = begin(out, names)
    yield
    finish(out, names, before)


def begin(out: Path, names: Collection[str]) -> set[str]:
    """Before writing the files ``names`` into ``out`` (a folder ``prepare`` accepted): the record lists them with
    those of the run before (a run stopped half-way leaves nothing unrecorded); returns the run before's names."""
    before = recorded(out)
    _record(out, before | set(names))
    return before


def remove(out: Path, names: Collection[str]) -> None:
    """Remove the files ``names`` (recorded ones) from ``out``, those that are there."""
    for name in sorted(names):
        path = out / name
        if path.is_file() or path.is_symlink():
            path.unlink()


def finish(out: Path, names: Collection[str], before: Collection[str]) -> None:
    """Once the files ``names`` are written: the files of the run before (``before``) that this one did not write
    are removed, and so are temporary files a killed run left; the record lists ``names``."""
    remove(out, set(before) - set(names))
    for name in os.listdir(out):
        if LEFTOVER.fullmatch(name):
            (out / name).unlink(missing_ok=True)
    _record(out, set(names))


def _record(out: Path, names: Collection[str]) -> None:
    """Write the record of ``out``: one name a line, sorted."""
    text = "".join(f"{name}\n" for name in sorted(names))
    write_atomic(out / RECORD, text.encode("utf-8", "surrogateescape"), mode=PRIVATE)


def report_names(submissions: Sequence[str], name: Callable[[str], str]) -> dict[str, str]:
    """A report file name per submission: ``name(submission)``, or, where two submissions would share it, that name
    with a short hash of the submission's path before ``.json``."""
    plain = {s: name(s) for s in submissions}
    shared = {n for n, count in collections.Counter(plain.values()).items() if count > 1}
    return {s: _hashed(n, s) if n in shared else n for s, n in plain.items()}


def safe_name(submission: str) -> str:
    """A submission's path as a file name stem: letters, digits, ``.``, ``_`` and ``-`` only, never starting with
    ``.`` or ``-``; a long one keeps its last MAX_STEM characters and gets a hash of the whole path."""
    plain = re.sub(r"[^A-Za-z0-9._-]", "_", submission.strip("/")).lstrip(".-")
    if len(plain) <= MAX_STEM:
        return plain
    return f"{plain[-MAX_STEM:].lstrip('.-')}-{digest(submission)}"


def digest(submission: str) -> str:
    """8 hex digits of the SHA-256 of a submission's path (its bytes, whatever their encoding)."""
    return hashlib.sha256(os.fsencode(submission)).hexdigest()[:8]


def _hashed(name: str, submission: str) -> str:
    """``name`` with the submission's ``digest`` before its ``.json``."""
    return f"{name.removesuffix('.json')}-{digest(submission)}.json"
