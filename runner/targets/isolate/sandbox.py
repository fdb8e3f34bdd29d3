"""Which sandbox confines workers (``--sandbox auto|bwrap|uid``), the bubblewrap command, and per-worker cgroups.

``bwrap``: the zygote runs inside one bubblewrap sandbox per grader, which shows it
read-only only the Python installation, its site-packages and the runner's own
code (not the vectors, the cache, the submissions or ``--out``), with no network,
as an unprivileged host uid (a root grader leases one: ``pool.py``); each worker
then gets namespaces of its own (``namespaces.py``) and a cgroup bounding the
memory and processes of everything it starts. ``uid``: a fork
server on the host, each worker as an unprivileged uid of its own (when root), in a network namespace of its own
where the kernel allows one (``network_refusal``).
``auto`` picks ``bwrap`` where bubblewrap can make namespaces and a cgroup
is writable, else ``uid``, saying why (``describe``).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from dlconform.targets.isolate import pool
from dlconform.targets.isolate.uids import LEASE_DIR, UidLease

MODES = ("auto", "bwrap", "uid")
SYSTEM_FOLDERS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")  # under /, shown read-only to any sandbox
PACKAGE_MOUNT = "/opt/dlconform"  # where the runner's code appears inside the sandbox when it lives elsewhere
HIDDEN_SUBPACKAGES = ("vectors",)  # never shown to a worker: expected values
MAX_PROCESSES = 64  # processes (and threads) of one worker's whole sandbox
TMPFS_LIMIT = 256 << 20  # bytes of each private tmpfs, at most
CGROUP_ROOT = Path("/sys/fs/cgroup")
STAGE = str(LEASE_DIR)  # a root-only folder that pool.py covers, in its own mount namespace, to stage the pool's mounts
# Tries what a root grader's uid worker does before it drops to its uid (offline.py): unshare(CLONE_NEWNET).
NETWORK_PROBE = [sys.executable, "-I", "-S", str(Path(__file__).with_name("offline.py")), "probe"]


class SandboxError(Exception):
    """The sandbox asked for cannot be made here (one line for the user)."""


def bwrap_path() -> str | None:
    """The bubblewrap executable, or None."""
    return shutil.which("bwrap")


@functools.cache
def bwrap_works() -> bool:
    """Whether bubblewrap can make the namespaces a worker pool needs, as the pool will run (an unprivileged uid
    when root), tried once."""
    exe = bwrap_path()
    if exe is None or not sys.platform.startswith("linux"):
        return False
    try:
        with pool_uid() as uid:
            done = subprocess.run(
                pool_command(exe, [sys.executable, "-I", "-S", "-c", ""], uid),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=60,
            )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@contextlib.contextmanager
def pool_uid() -> Iterator[int | None]:
    """The host uid a pool runs as while in use: a leased worker uid when root (never 0), else None (the grader's)."""
    if os.geteuid() != 0:
        yield None
        return
    lease = UidLease()
    try:
        yield lease.uid
    finally:
        lease.release()


def unavailable() -> str | None:
    """Why ``auto`` cannot choose ``bwrap`` here (bubblewrap missing or unable to make namespaces, no writable
    cgroup), or None."""
    if bwrap_path() is None:
        return "bubblewrap is not installed (Debian/Ubuntu package `bubblewrap`)"
    hidden = _under_private_folders()
    if hidden:
        return f"{hidden} lies in a folder each worker gets private and empty: install Python and dlconform elsewhere"
    if not bwrap_works():
        return (
            "bubblewrap cannot make namespaces as an unprivileged uid here: allow unprivileged user namespaces "
            "(sysctls user.max_user_namespaces, kernel.unprivileged_userns_clone, "
            "kernel.apparmor_restrict_unprivileged_userns)"
        )
    if Cgroup.kind() is None:
        return (
            "no cgroup (v1 memory and pids, or v2) is writable for the sandbox's limits: "
            "grade as root where /sys/fs/cgroup is writable"
        )
    return None


def resolve(mode: str, module_target: bool = False) -> str:
    """The sandbox that ``mode`` means here: ``bwrap`` or ``uid``; raises SandboxError when ``bwrap`` cannot be had."""
    if mode not in MODES:
        raise SandboxError(f"--sandbox {mode}: choose one of {', '.join(MODES)}")
    if mode == "uid" or (mode == "auto" and (module_target or unavailable() is not None)):
        return "uid"
    if module_target:
        raise SandboxError("--sandbox bwrap checks a .py file or notebook, not a module name (it cannot see the cwd)")
    why = unavailable()
    if why is not None and not why.startswith("no cgroup"):  # without a cgroup: per-process limits only
        raise SandboxError(f"--sandbox bwrap: {why}; use --sandbox uid")
    return "bwrap"


@functools.cache
def network_refusal() -> str | None:
    """Why a root grader's uid workers (and adapters) keep the host's network here: the kernel refused a network
    namespace (a container without CAP_SYS_ADMIN, seccomp); None when each gets one of its own. Tried once, off
    the per-submission path; what the workers are told to do (``spawn.Worker``), and each worker that is told and
    cannot, does not run, so ``describe`` never claims more than holds."""
    if os.geteuid() != 0 or not sys.platform.startswith("linux"):
        return "the grader is not root on Linux"
    try:
        done = subprocess.run(
            NETWORK_PROBE,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the network probe did not run ({exc})"
    if done.returncode == 0:
        return None
    lines = done.stderr.strip().splitlines()
    return lines[-1] if lines else f"the network probe exited with code {done.returncode}"


def describe(mode: str) -> str:
    """One line for ``grade``'s output: the sandbox in use and what it guarantees (docs/grading.md has the table);
    when ``auto`` chose uid, why, and what would give bwrap."""
    if resolve(mode) == "bwrap":
        return "sandbox bwrap: namespaces and a cgroup per submission; no network, no host files, nothing left behind"
    if os.geteuid() == 0:
        refused = network_refusal()
        line = "sandbox uid: an unprivileged uid per submission; it can read world-readable files" + (
            f" and use the network (no network namespace here: {refused})" if refused else "; no network"
        )
    else:
        line = "sandbox uid, not root: submissions run as you and can read and signal what you can"
    why = unavailable() if mode == "auto" else None
    return f"{line} (auto chose uid: {why})" if why else line


def _host_folders() -> list[str]:
    """What a worker must read: the interpreter's installation, the virtual environment, site-packages."""
    return list(_folders_for(tuple(sys.path)))


@functools.cache
def _folders_for(path: tuple[str, ...]) -> tuple[str, ...]:
    """``_host_folders`` for this ``sys.path`` (worked out once: every worker's sandbox is checked against it)."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, os.path.dirname(sys.executable)}
    paths.add(os.path.dirname(os.path.realpath(sys.executable)))
    paths.update(p for key in ("stdlib", "platstdlib", "purelib", "platlib") if (p := sysconfig.get_path(key)))
    paths.update(p for p in path if "-packages" in p)
    found = sorted(p for p in paths if p and os.path.isdir(p))
    return tuple(p for p in found if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in found))


def _under_private_folders() -> str | None:
    """A folder workers must read at its own path (Python, the venv, site-packages) that lies in /tmp, /var/tmp or
    /dev/shm, which each worker gets as a fresh private tmpfs (a venv made in `mktemp -d`, say), or None. A
    checkout's code is shown at PACKAGE_MOUNT, wherever it lives."""
    from dlconform.targets.isolate.namespaces import PRIVATE_FOLDERS

    folders = _host_folders()
    return next((p for p in folders for private in PRIVATE_FOLDERS if p.startswith(private.rstrip("/") + "/")), None)


def _folder_of(package: str) -> Path:
    """Where ``package`` lives (found, not imported: this layer must not import the top of the package)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SandboxError(f"cannot find the {package} package to show it to workers")
    return Path(next(iter(spec.submodule_search_locations)))


def _package_mounts(reach: Callable[[str], str]) -> tuple[list[str], str | None]:
    """bwrap arguments showing the runner's code (not its vectors) to the worker, and the PYTHONPATH they need."""
    package, reference = (_folder_of(name) for name in ("dlconform", "dlconform.reference"))
    hidden = [package / name for name in HIDDEN_SUBPACKAGES]
    if any(str(package).startswith(p.rstrip("/") + "/") for p in _host_folders()):  # an installed wheel
        return [a for h in hidden if h.is_dir() for a in ("--tmpfs", str(h))], None
    inside = f"{PACKAGE_MOUNT}/dlconform"
    args = ["--tmpfs", PACKAGE_MOUNT, "--dir", inside]
    for entry in sorted(package.iterdir()):
        if entry.name not in HIDDEN_SUBPACKAGES and entry.name != "reference":
            args += ["--ro-bind", reach(str(entry)), f"{inside}/{entry.name}"]
    args += ["--ro-bind", reach(str(reference)), f"{inside}/reference", "--remount-ro", PACKAGE_MOUNT]
    return args, PACKAGE_MOUNT


def system_arguments(reach: Callable[[str], str] = str) -> list[str]:
    """bwrap options showing the system's programs and libraries read-only (/usr, /bin, /lib...): what any
    sandbox here needs, a worker pool's or an adapter's (``targets.adapter.confine``)."""
    args: list[str] = []
    for top in SYSTEM_FOLDERS:
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", reach(str(path)), str(path)]
    return args


def pool_arguments(reach: Callable[[str], str] = str) -> list[str]:
    """bwrap options of a worker pool: read-only host files, private tmpfs, new namespaces, capabilities the
    zygote needs to subdivide it (each worker drops them). ``reach`` gives the path bubblewrap binds a host
    folder from (a staged copy of the mount, for a pool started as an unprivileged uid)."""
    from dlconform.targets.isolate.namespaces import PRIVATE_FOLDERS, WORKDIR

    args = [
        "--unshare-all",
        "--unshare-user",
        "--die-with-parent",
        "--new-session",
        "--as-pid-1",
        "--uid",
        "0",
        "--gid",
        "0",
    ]
    args += [
        "--cap-add",
        "CAP_SYS_ADMIN",
        "--cap-add",
        "CAP_SETPCAP",
        "--cap-add",
        "CAP_SETFCAP",
    ]  # SETFCAP: to map ids
    args += system_arguments(reach)
    for folder in _host_folders():
        args += ["--ro-bind", reach(folder), folder]
    mounts, pythonpath = _package_mounts(reach)
    args += mounts
    args += ["--proc", "/proc", "--dev", "/dev", "--dir", WORKDIR, "--chdir", "/"]
    for folder in PRIVATE_FOLDERS:
        args += ["--tmpfs", folder]
    if pythonpath:
        args += ["--setenv", "PYTHONPATH", pythonpath]
    return args


def pool_command(
    exe: str,
    command: list[str],
    uid: int | None = None,
    arguments: Callable[[Callable[[str], str]], list[str]] = pool_arguments,
) -> list[str]:
    """The command line running ``command`` (the zygote) in a fresh worker pool; with ``uid`` (a root grader's
    leased uid), a pool that ``pool.py`` starts as that uid. ``arguments`` gives the sandbox's bwrap options
    (an adapter's: ``targets.adapter.confine``)."""
    if uid is None:
        return [exe, *arguments(str), "--", *command]
    sources: list[str] = []

    def reach(path: str) -> str:
        sources.append(path)
        return pool.staged(STAGE, len(sources) - 1)

    argv = [exe, *arguments(reach), "--", *command]
    spec = {"stage": STAGE, "sources": sources, "uid": uid, "argv": argv}
    return [sys.executable, "-I", "-S", pool.__file__, json.dumps(spec)]


_NAMES = itertools.count()


class Cgroup:
    """A memory and process limit for one worker's whole sandbox: cgroup v1 (``memory`` and ``pids``) or v2."""

    @staticmethod
    @functools.cache
    def kind() -> str | None:
        """``v1`` or ``v2`` when this process may make limited cgroups, else None."""
        try:
            probe = Cgroup(64 << 20)
        except OSError:
            return None
        probe.remove()
        return probe.version

    def __init__(self, memory: int) -> None:
        name = f"dlconform-{os.getpid()}-{next(_NAMES)}-{uuid.uuid4().hex[:8]}"
        v1 = [CGROUP_ROOT / "memory" / name, CGROUP_ROOT / "pids" / name]
        self.version = "v1" if all(p.parent.is_dir() for p in v1) else "v2"
        self.folders = v1 if self.version == "v1" else [CGROUP_ROOT / name]
        made: list[Path] = []
        try:
            for folder in self.folders:
                folder.mkdir(mode=0o700)
                made.append(folder)
            self._limit(memory)
        except OSError:
            for folder in reversed(made):
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise

    def _limit(self, memory: int) -> None:
        """Write the limits (memory 0: processes only)."""
        if self.version == "v1":
            memory_folder, pids_folder = self.folders
            if memory:
                (memory_folder / "memory.limit_in_bytes").write_text(str(memory))
                swap = memory_folder / "memory.memsw.limit_in_bytes"
                if swap.exists():
                    swap.write_text(str(memory))
            (pids_folder / "pids.max").write_text(str(MAX_PROCESSES))
        else:
            (folder,) = self.folders
            if memory:
                (folder / "memory.max").write_text(str(memory))
                (folder / "memory.swap.max").write_text("0")
            (folder / "pids.max").write_text(str(MAX_PROCESSES))

    def add(self, pid: int) -> None:
        """Move process ``pid`` (which has not started any other yet) into the cgroup."""
        for folder in self.folders:
            (folder / "cgroup.procs").write_text(str(pid))

    def pids(self) -> set[int]:
        """The processes in the cgroup now."""
        found: set[int] = set()
        for folder in self.folders:
            with contextlib.suppress(OSError):
                found.update(int(line) for line in (folder / "cgroup.procs").read_text().split())
        return found

    def remove(self, timeout: float = 5.0) -> bool:
        """Kill what is left in the cgroup and remove it; False if something outlived ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while (left := self.pids()) and time.monotonic() < deadline:
            for pid in left:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)
        for folder in self.folders:
            with contextlib.suppress(OSError):
                folder.rmdir()
        return not left
