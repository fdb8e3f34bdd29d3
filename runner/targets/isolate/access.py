"""What a root grader's worker can read, said before a run depends on it.

In uid mode a root grader's worker runs as an unprivileged uid of its own with no
groups: it reads a host file only where every folder on the way lets others in
(``o+x``) and the file lets others read it (``o+r``). A submission file is copied
into the worker's own folder, so that never matters for ``grade``; a module target
(``run pkg.mod --isolate``) is imported where it lies, and in a private folder (a
checkout under a 0700 home or in ``mktemp -d``) every case would fail with the
same PermissionError. ``check_module_target`` says it once, in one line, instead.
"""

from __future__ import annotations

import importlib.machinery
import os
import stat
import sys
from importlib.machinery import ModuleSpec
from pathlib import Path

from dlconform.errors import DlconformError
from dlconform.targets.isolate.uids import UID_BASE, UID_SLOTS


class WorkerCannotRead(DlconformError):
    """The worker's uid cannot read a file the isolated run needs: which file, what stops it, what to do."""


def blocked(path: str | os.PathLike[str]) -> Path | None:
    """What stops a uid that owns nothing here and has no groups from reading ``path`` (listing it, for a folder):
    the first folder on the way that others may not enter, or ``path`` itself; None when nothing does.
    Mode bits only (an ACL could grant more); a symbolic link is followed, as ``open`` follows it."""
    for chain in _chains(Path(os.path.abspath(path))):
        for folder in reversed(chain.parents):
            if not os.stat(folder).st_mode & stat.S_IXOTH:
                return folder
        mode = os.stat(chain).st_mode
        needed = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)
        if mode & needed != needed:
            return chain
    return None


def _chains(path: Path) -> list[Path]:
    """The path as given and, if a link on the way leads elsewhere, the path it resolves to: both are walked."""
    real = Path(os.path.realpath(path))
    return [path] if real == path else [path, real]


def check_module_target(spec: str, mode: str) -> None:
    """Raise WorkerCannotRead when a root grader's uid worker could not read the module ``spec`` names (found from
    the working directory, as the worker finds it, without importing anything); a module not found here is left
    to the worker, which reports it as not found."""
    if mode != "uid" or os.geteuid() != 0:
        return  # bwrap shows the code it needs; a non-root grader's worker runs as the grader's own user
    module = _find(spec.partition(":")[0], [os.getcwd()])
    if module is None or not module.has_location or not module.origin:
        return
    stop = blocked(module.origin)
    if stop is None:
        return
    info = os.stat(stop)
    verb = "let other users in" if stat.S_ISDIR(info.st_mode) else "let other users read it"
    why = f"{stop} (mode {stat.S_IMODE(info.st_mode):04o}) does not {verb}"
    raise WorkerCannotRead(
        f"--isolate: the worker runs as an unprivileged uid of its own ({UID_BASE}-{UID_BASE + UID_SLOTS - 1}, no "
        f"groups) and cannot import {spec} from {module.origin}: {why}; install it where other users may read it "
        f"(`pip install .` into a virtual environment outside private folders), or run without --isolate"
    )


def _find(name: str, extra: list[str]) -> ModuleSpec | None:
    """Module ``name``'s spec as an import would find it with ``extra`` after sys.path, its parents' code unrun:
    a parent already imported gives its ``__path__``, one not imported is looked up the same way."""
    parts = name.split(".")
    search: list[str] | None = None
    spec: ModuleSpec | None = None
    for i in range(len(parts)):
        fullname = ".".join(parts[: i + 1])
        loaded = sys.modules.get(fullname)
        spec = getattr(loaded, "__spec__", None) if loaded is not None else _lookup(fullname, search, extra)
        if spec is None:
            return None
        search = list(spec.submodule_search_locations or []) or None
        if search is None and i < len(parts) - 1:
            return None
    return spec


def _lookup(fullname: str, search: list[str] | None, extra: list[str]) -> ModuleSpec | None:
    """The first meta path finder's spec for ``fullname`` (the path-based finder searching ``extra`` too)."""
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        if find is None:
            continue
        where = [*sys.path, *extra] if search is None and finder is importlib.machinery.PathFinder else search
        try:
            spec = find(fullname, where)
        except (ImportError, ValueError):
            continue
        if spec is not None:
            return spec
    return None
