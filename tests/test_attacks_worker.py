"""Attacks on the host from inside a worker (issue 18, part 1): a worker is nobody on the host, in both sandboxes.

Each attack is a submission that reports what it achieved (the last line it prints at import), so the test asserts
that nothing was. Nothing here changes a host setting: a kernel setting is only opened for writing, never written.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from dlconform.format.suite import bundled_dir, iter_cases, load_files
from dlconform.grading.batch import GradeSettings, grade_all
from dlconform.targets.isolate import sandbox, spawn, uids
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.isolate.target import IsolatedTarget

from tests.sandboxes import NEEDS_BWRAP

IS_ROOT = os.geteuid() == 0
ROOT_ONLY = pytest.mark.skipif(not IS_ROOT, reason="worker uids and cgroups are a root grader's")
LIMITS = {mode: Limits(timeout=5.0, memory=1 << 30, sandbox=mode) for mode in ("uid", "bwrap")}
MODES = [pytest.param("uid", id="uid"), pytest.param("bwrap", id="bwrap", marks=NEEDS_BWRAP)]

# Opens host kernel settings and cgroup limits for writing (nothing is written), directly and from a nested user
# namespace, and mounts cgroup file systems there; prints what succeeded as JSON.
REACHES_THE_HOST = r"""
import ctypes, glob, json, os
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUSER = 0x00020000, 0x02000000, 0x10000000
SETTINGS = ["/proc/sys/kernel/core_pattern", "/proc/sys/kernel/pid_max", "/proc/sys/vm/panic_on_oom",
            "/proc/sys/net/ipv4/ip_forward", "/proc/sysrq-trigger"]
LIMIT_FILES = ["memory.max", "pids.max", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "cgroup.procs"]
got = {"writable": [], "capabilities": [], "mounted": [], "nested": False}

def writable(path):
    try:
        os.close(os.open(path, os.O_WRONLY))  # opened, never written: this is a real host
        return True
    except OSError:
        return False

def attempt(where):
    caps = next(int(l.split()[1], 16) for l in open("/proc/self/status") if l.startswith("CapEff:"))
    if caps:
        got["capabilities"].append(f"{where}: CapEff {caps:x}")
    got["writable"] += [f"{where}: {p}" for p in SETTINGS if writable(p)]
    own = glob.glob("/sys/fs/cgroup/*/dlconform-*/*") + glob.glob("/sys/fs/cgroup/dlconform-*/*")
    got["writable"] += [f"{where}: {p}" for p in own if os.path.basename(p) in LIMIT_FILES and writable(p)]
    for n, (fstype, options) in enumerate((("cgroup2", None), ("cgroup", "memory"), ("cgroup", "pids"))):
        folder = f"/tmp/cg-{where}-{n}"
        os.makedirs(folder, exist_ok=True)
        if libc.mount(b"none", folder.encode(), fstype.encode(), 0, options and options.encode()) == 0:
            got["mounted"].append(f"{where}: {fstype} {options or ''}")
            got["writable"] += [f"{where}: {folder}/{f}" for f in LIMIT_FILES if writable(f"{folder}/{f}")]

attempt("worker")
uid, gid = os.geteuid(), os.getegid()
if libc.unshare(CLONE_NEWUSER) == 0:
    got["nested"] = True
    for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
        try:
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
        except OSError:
            pass
    attempt("nested user namespace")
    if libc.unshare(CLONE_NEWNS | CLONE_NEWCGROUP) == 0:
        libc.mount(b"none", b"/", None, 0x4000 | (1 << 18), None)  # MS_REC | MS_PRIVATE
        attempt("nested mount and cgroup namespaces")
print(json.dumps(got))

def relu(x):
    return x
"""


def _reached(mode: str, tmp_path: Path) -> dict[str, object]:
    source = tmp_path / "reaches.py"
    source.write_text(REACHES_THE_HOST, encoding="utf-8")
    with IsolatedTarget(str(source), LIMITS[mode]) as target:
        assert target.load_error is None, target.load_error
        return json.loads(target.output.strip().splitlines()[-1])


@ROOT_ONLY
@pytest.mark.parametrize("mode", MODES)
def test_a_worker_can_write_no_kernel_setting_and_no_cgroup_limit(tmp_path: Path, mode: str) -> None:
    """core_pattern, pid_max, panic_on_oom (and the rest of /proc/sys), its own cgroup's memory and pids limits:
    none can be opened for writing, from the worker or from a user namespace it makes."""
    got = _reached(mode, tmp_path)
    assert got["writable"] == []


@ROOT_ONLY
@NEEDS_BWRAP
def test_a_bwrap_worker_makes_no_user_namespace_and_holds_no_capability(tmp_path: Path) -> None:
    got = _reached("bwrap", tmp_path)
    assert (got["nested"], got["capabilities"], got["mounted"]) == (False, [], [])


def _uids(pid: int) -> list[int]:
    """Real, effective, saved and file-system uid of ``pid`` on the host."""
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("Uid:"))
    return [int(u) for u in line.split()[1:]]


def _descendants(pid: int) -> set[int]:
    """``pid`` and every process it started, as the host sees them."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            parent = int((entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        found.add(todo[-1])
        todo += [c for c in children.get(todo.pop(), []) if c not in found]
    return found


@ROOT_ONLY
@pytest.mark.parametrize("mode", MODES)
def test_every_process_of_the_sandbox_is_an_unprivileged_host_uid(tmp_path: Path, mode: str) -> None:
    """Seen from the host (/proc/PID/status): the bubblewrap pool, its fork server and the worker run as no uid 0."""
    source = tmp_path / "idle.py"
    source.write_text("def relu(x):\n    return x\n", encoding="utf-8")
    with IsolatedTarget(str(source), LIMITS[mode]) as target:
        worker = target._worker
        assert worker is not None and worker.pid is not None
        if mode == "bwrap":
            assert worker.cgroup is not None
            pool = spawn._SERVERS["bwrap"]._proc
            assert pool is not None
            processes = worker.cgroup.pids() | _descendants(pool.pid)
        else:
            processes = {worker.pid}
        seen = {pid: _uids(pid) for pid in processes if Path(f"/proc/{pid}").exists()}
    assert seen and all(0 not in ids for ids in seen.values()), seen


# uid mode: a thread that outlives its process's main thread looks like a zombie. It kills every later process of
# its uid and rewrites every staged submission it can write: classmates graded after it lose their points.
THREAD_SURVIVOR = r"""
import ctypes, glob, os, platform, signal, threading, time
import numpy as np

SYS_EXIT = {"x86_64": 60, "aarch64": 93}[platform.machine()]

def haunt(spared):
    while True:
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) not in spared:
                try:
                    if os.stat(f"/proc/{name}").st_uid == os.getuid():
                        os.kill(int(name), signal.SIGKILL)
                except OSError:
                    pass
        for path in glob.glob("/tmp/dlconform-worker-*/*.py"):
            try:
                with open(path, "w") as f:
                    f.write("def relu(x):\n    return x * 0\n")
            except OSError:
                pass
        time.sleep(0.002)

worker = os.getpid()
if os.fork() == 0:
    os.setsid()
    threading.Thread(target=haunt, args=({worker, os.getpid()},)).start()
    ctypes.CDLL(None).syscall(SYS_EXIT, 0)  # this thread ends, the process lives on in the other

def relu(x):
    return np.maximum(x, 0)
"""
HONEST = "import numpy as np\n\ndef relu(x):\n    return np.maximum(x, 0)\n"


def _live_tasks(uid: int) -> set[int]:
    """Threads of ``uid`` that have not ended, whatever state their process's main thread is in."""
    found = set()
    for task in Path("/proc").glob("[0-9]*/task/[0-9]*"):
        with contextlib.suppress(OSError, IndexError):
            if task.stat().st_uid == uid and (task / "stat").read_bytes().rsplit(b")", 1)[1].split()[0] not in b"ZX":
                found.add(int(task.name))
    return found


@pytest.fixture
def one_uid(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """Every worker of this test gets the same uid, as soon as the last one released it (a class of 120 sees the
    same reuse among 1000 uids); whatever of it is left is killed afterwards."""
    uid = uids.UID_BASE + random.randrange(uids.UID_SLOTS)
    monkeypatch.setattr(uids, "UID_BASE", uid)
    monkeypatch.setattr(uids, "UID_SLOTS", 1)
    yield uid
    for tid in _live_tasks(uid):
        with contextlib.suppress(OSError):
            os.kill(tid, signal.SIGKILL)


@ROOT_ONLY
def test_a_thread_that_outlives_its_main_thread_is_stopped_and_its_uid_not_handed_out(
    tmp_path: Path, one_uid: int
) -> None:
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "a_survivor.py").write_text(THREAD_SURVIVOR, encoding="utf-8")
    for n in range(3):
        (folder / f"b_honest_{n}.py").write_text(HONEST, encoding="utf-8")
    cases = [c for c in iter_cases(load_files([bundled_dir()])) if c.function == "relu" and "large" not in c.tags]
    graded = grade_all(
        sorted(map(str, folder.iterdir())), cases, GradeSettings(limits=replace(LIMITS["uid"], timeout=2)), jobs=1
    )
    scores = {Path(g.submission).stem: g.score.points for g in graded}
    assert scores == {"a_survivor": 1.0, "b_honest_0": 1.0, "b_honest_1": 1.0, "b_honest_2": 1.0}
    assert _live_tasks(one_uid) == set()


@ROOT_ONLY
def test_a_uid_is_not_let_go_while_a_process_of_it_outlives_the_stop(
    monkeypatch: pytest.MonkeyPatch, one_uid: int
) -> None:
    lease = uids.UidLease()
    stop = uids.stop_uid
    monkeypatch.setattr(uids, "stop_uid", lambda uid: False)  # as when a process of it cannot be stopped
    assert lease.release() is False
    with pytest.raises(uids.NoFreeUid):  # the only uid of the range stays leased
        uids.UidLease()
    monkeypatch.setattr(uids, "stop_uid", stop)
    assert lease.release() is True
    uids.UidLease().release()


# uid mode: the staged copy of the submission is the grader's, not the worker's to change.
OWN_COPY = r"""
import json, os
mine = os.path.abspath(__file__)
info = os.stat(mine)
print(json.dumps({"owner": info.st_uid, "me": os.getuid(), "mode": info.st_mode & 0o7777,
                  "writable": os.access(mine, os.W_OK)}))
def relu(x):
    return x
"""


@ROOT_ONLY
def test_a_uid_worker_cannot_change_its_staged_submission(tmp_path: Path) -> None:
    source = tmp_path / "own_copy.py"
    source.write_text(OWN_COPY, encoding="utf-8")
    with IsolatedTarget(str(source), LIMITS["uid"]) as target:
        got = json.loads(target.output.strip().splitlines()[-1])
    assert got["owner"] == 0 and got["me"] != 0 and got["mode"] & 0o222 == 0 and not got["writable"]


# uid mode: files, folders and shared memory left in the host's world-writable folders.
LITTERS = r"""
import ctypes, os
for folder in ("/tmp", "/var/tmp", "/dev/shm", "SHARED"):
    with open(os.path.join(folder, "dlconform-litter-MARK"), "w") as f:
        f.write("left behind")
    os.makedirs(os.path.join(folder, "dlconform-litter-MARK-dir", "deeper"))
    with open(os.path.join(folder, "dlconform-litter-MARK-dir", "deeper", "file"), "w") as f:
        f.write("left behind")
block = ctypes.CDLL(None).shm_open(b"/dlconform-litter-MARK-shm", os.O_CREAT | os.O_RDWR, 0o600)  # POSIX shared memory
def relu(x):
    return x
"""


@ROOT_ONLY
def test_what_a_uid_worker_leaves_in_tmp_and_shm_is_removed(tmp_path: Path) -> None:
    mark = f"{os.getpid()}-{random.randrange(1 << 30)}"
    shared = Path("/tmp") / f"dlconform-shared-{mark}"  # a world-writable folder inside /tmp, as X11's is
    shared.mkdir()
    shared.chmod(0o1777)
    source = tmp_path / "litters.py"
    source.write_text(LITTERS.replace("MARK", mark).replace("SHARED", str(shared)), encoding="utf-8")
    left = [
        Path(f, f"dlconform-litter-{mark}{end}")
        for f in ("/tmp", "/var/tmp", "/dev/shm", shared)
        for end in ("", "-dir")
    ]
    left.append(Path(f"/dev/shm/dlconform-litter-{mark}-shm"))
    try:
        with IsolatedTarget(str(source), LIMITS["uid"]) as target:
            assert (target.load_error, target.warnings) == (None, [])
            assert all(p.exists() for p in left)
        assert [p for p in left if p.exists()] == []
        assert shared.is_dir()  # not the worker's: kept
    finally:
        for path in [*left, shared]:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def test_auto_says_in_one_line_why_it_chose_uid_and_how_to_get_bwrap(monkeypatch: pytest.MonkeyPatch) -> None:
    if sandbox.bwrap_path() is None:
        pytest.skip("bubblewrap is not installed (Debian/Ubuntu package bubblewrap)")
    monkeypatch.setattr(sandbox, "_host_folders", lambda: ["/usr", "/tmp/tmp.x/venv"])
    line = sandbox.describe("auto")
    assert "\n" not in line and line.startswith("sandbox uid")
    assert line.endswith(
        "(auto chose uid: /tmp/tmp.x/venv lies in a folder each worker gets private and empty: "
        "install Python and dlconform elsewhere)"
    )


def test_auto_says_bubblewrap_is_missing_and_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    line = sandbox.describe("auto")
    assert "\n" not in line and line.startswith("sandbox uid")
    assert line.endswith("(auto chose uid: bubblewrap is not installed (Debian/Ubuntu package `bubblewrap`))")


def test_a_chosen_sandbox_gives_no_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    assert "auto chose" not in sandbox.describe("uid")


def test_grade_prints_why_auto_chose_uid(tmp_path: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    env = {**os.environ, "PATH": str(bare)}  # no bwrap on PATH
    submission = Path(__file__).resolve().parents[1] / "examples" / "careful.py"
    command = [sys.executable, "-m", "dlconform", "grade", str(submission), "-f", "relu", "--out", str(tmp_path / "o")]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("dlconform: sandbox uid")]
    assert len(lines) == 1 and lines[0].endswith(
        "(auto chose uid: bubblewrap is not installed (Debian/Ubuntu package `bubblewrap`))"
    )
