"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: str | Path, data: str | bytes, mode: int | None = None) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then rename it into place (with permissions
    ``mode`` from the start when given, else the replaced file's or the usual ones)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8", "backslashreplace") if isinstance(data, str) else data  # a lone surrogate as \udcff
    import tempfile  # here, not at start-up: it imports random and shutil, which a run that writes nothing never uses

    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(
            fd, _mode(target) if mode is None else mode
        )  # mkstemp makes the file 0600; a written file keeps the usual permissions
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(path: str | Path, text: str) -> None:
    """``write_atomic`` for a file the user named: one that cannot be written is a DlconformError (one line, exit 2)."""
    from dlconform.errors import DlconformError

    try:
        write_atomic(path, text)
    except OSError as exc:
        raise DlconformError(f"cannot write {path}: {exc.strerror or exc}") from None


def _mode(target: Path) -> int:
    """The permissions the file should have: the replaced file's, or 0666 less the umask for a new one."""
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
