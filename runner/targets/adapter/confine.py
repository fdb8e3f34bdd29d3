"""An untrusted submission's adapter, confined as an isolated Python worker is (``grade --adapter``).

The command template names the staged submission with ``{submission}``. ``bwrap``: the adapter runs in a
bubblewrap sandbox of its own (every namespace new, so no network; a fresh PID namespace that dies with it),
seeing read-only only the system's programs and libraries, the folders of the program and of each file the
template names (the adapter and, say, its node_modules) and its submission's copy in a private ``/submission``;
as a leased unprivileged uid when the grader is root (``pool.py``), in a cgroup bounding its memory and
processes. ``uid``: the adapter runs as a leased uid in a private host folder holding the copy, in a network
namespace of its own where the kernel allows one (``offline.py``; ``sandbox.network_refusal``), and whatever
that uid left (processes, files in the shared temporary folders) is removed after each run of it.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from dlconform.errors import DlconformError
from dlconform.targets.adapter.channel import Launch
from dlconform.targets.isolate import offline, sandbox
from dlconform.targets.isolate.access import blocked
from dlconform.targets.isolate.leftovers import remove_files_of, stop_uid
from dlconform.targets.isolate.namespaces import PRIVATE_FOLDERS, WORKDIR
from dlconform.targets.isolate.spawn import Limits, stage
from dlconform.targets.isolate.uids import UID_BASE, UidLease

PLACEHOLDER = "{submission}"  # in a grade --adapter template: the staged submission's path, as the adapter sees it


class TemplateError(DlconformError):
    """A grade --adapter template that cannot confine a submission (no placeholder, files a uid cannot read)."""


def program(argv: Sequence[str]) -> str | None:
    """The real path of the program ``argv`` runs, or None when there is none."""
    found = shutil.which(argv[0]) if argv else None
    return os.path.realpath(found) if found else None


def shown_paths(argv: Sequence[str]) -> list[str]:
    """What the adapter must read besides the system: the program's folder and each file or folder the template
    names (a file's whole folder: an adapter's own modules and node_modules lie beside it)."""
    found = [os.path.dirname(p)] if (p := program(argv)) else []
    for arg in argv[1:]:
        if arg != PLACEHOLDER and os.path.exists(arg):
            real = os.path.realpath(arg)
            found.append(real if os.path.isdir(real) else os.path.dirname(real))
    return sorted({f for f in found if f.split(os.sep)[1] not in sandbox.SYSTEM_FOLDERS})


def check_template(argv: Sequence[str], limits: Limits) -> None:
    """Refuse, in one line, a template (split and its program found: ``target.split_command``) that names no
    submission, or whose files a root grader's uid cannot read."""
    if PLACEHOLDER not in argv:
        raise TemplateError(f"grade --adapter: the command must name the submission as {PLACEHOLDER}")
    if sandbox.resolve(limits.sandbox) != "uid" or os.geteuid() != 0:
        return
    for path in shown_paths(argv):
        stop = blocked(path)
        if stop is not None:
            raise TemplateError(
                f"grade --adapter: {stop} does not let other users in, so the adapter's uid ({UID_BASE}...) cannot "
                f"read {path}: install it where other users may read it, or use --sandbox bwrap"
            )


def _absolute(arg: str) -> str:
    """A template argument naming an existing file, as an absolute path (the adapter runs in another folder)."""
    return os.path.abspath(arg) if arg != PLACEHOLDER and os.path.exists(arg) else arg


class Confinement:
    """One submission staged for its adapter, and the sandbox each start of the adapter gets."""

    def __init__(self, argv: Sequence[str], submission: Path, limits: Limits) -> None:
        self.mode = sandbox.resolve(limits.sandbox)
        self.limits = limits
        self.name = submission.name
        self._lease = UidLease() if os.geteuid() == 0 else None  # bwrap's pool.py starts the sandbox as it too
        uid = self._lease.uid if self._lease is not None else None
        files = [submission, *map(Path, limits.support)]
        self.folder = stage(files, uid if self.mode == "uid" else None)
        self.argv = [_absolute(a) if i or os.sep in a else a for i, a in enumerate(argv)]
        self._cgroup: sandbox.Cgroup | None = None

    def launch(self) -> Launch:
        """How to start the adapter once more (after a crash too): in a fresh cgroup, or as the leased uid."""
        self.end_leftovers()
        uid = self._lease.uid if self._lease is not None else None
        if self.mode == "uid":
            inside = [str(self.folder / self.name) if a == PLACEHOLDER else a for a in self.argv]
            processes = sandbox.MAX_PROCESSES if uid else None
            found = shutil.which(inside[0]) if inside else None
            if uid is not None and found and sandbox.network_refusal() is None:  # offline.py becomes the uid
                return Launch(
                    [sys.executable, "-I", "-S", offline.__file__, str(uid), found, *inside],
                    str(self.folder),
                    None,
                    processes=processes,
                )
            return Launch(inside, str(self.folder), uid, processes=processes)
        exe = sandbox.bwrap_path()
        assert exe is not None  # sandbox.resolve chose bwrap
        if sandbox.Cgroup.kind() is not None:
            self._cgroup = sandbox.Cgroup(self.limits.memory)
        inside = [f"{WORKDIR}/{self.name}" if a == PLACEHOLDER else a for a in self.argv]
        argv = sandbox.pool_command(exe, inside, uid, self._arguments)
        joins = [str(f / "cgroup.procs") for f in self._cgroup.folders] if self._cgroup else []
        return Launch(argv, str(self.folder), None, joins)

    def _arguments(self, reach: Callable[[str], str]) -> list[str]:
        """bwrap options of the adapter's sandbox (``reach``: where bubblewrap finds a host path, ``pool.py``)."""
        args = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
        args += sandbox.system_arguments(reach)
        args += ["--proc", "/proc", "--dev", "/dev"]
        for folder in (*PRIVATE_FOLDERS, WORKDIR):  # first: an adapter kept in /tmp is shown inside the private one
            args += ["--tmpfs", folder]
        for path in shown_paths(self.argv):
            args += ["--ro-bind", reach(path), path]
        for entry in sorted(self.folder.iterdir()):
            args += ["--ro-bind", reach(str(entry)), f"{WORKDIR}/{entry.name}"]
        return [*args, "--chdir", WORKDIR]

    def end_leftovers(self) -> None:
        """End whatever the last start of the adapter left: its cgroup's processes, or its uid's processes and
        files in the shared temporary folders."""
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None
        if self._lease is not None and self.mode == "uid":
            stop_uid(self._lease.uid)
            remove_files_of(self._lease.uid)

    def close(self) -> None:
        """End the leftovers, remove the staged folder and let the uid go (in that order: the uid's group may enter
        the folder, so it is gone before the uid can be anyone else's)."""
        self.end_leftovers()
        if self._lease is not None:
            self._lease.release(self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)  # what is left of it (a uid not stopped keeps its lease)
