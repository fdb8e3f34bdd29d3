"""Workers started ahead and stopped behind (targets/isolate/ahead.py): one submission's worker is no neighbour of
the next one's, a worker started ahead runs nothing before its turn, and nothing a batch started outlives it.

Each submission reports what it found (the last line it prints at import, through the worker's captured output).
"""

from __future__ import annotations

import glob
import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest
from dlconform.format.suite import bundled_dir, iter_cases, load_files
from dlconform.grading.batch import GradeSettings, grade_all
from dlconform.targets.isolate import ahead, spawn, uids
from dlconform.targets.isolate.leftovers import processes_of
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.isolate.target import IsolatedTarget

from tests.sandboxes import NEEDS_BWRAP

IS_ROOT = os.geteuid() == 0
LIMITS = {mode: Limits(timeout=5.0, memory=1 << 30, sandbox=mode) for mode in ("uid", "bwrap")}
MODES = [
    pytest.param("uid", id="uid", marks=pytest.mark.skipif(not IS_ROOT, reason="worker uids are a root grader's")),
    pytest.param("bwrap", id="bwrap", marks=NEEDS_BWRAP),
]
RELU = "\nimport numpy as np\n\ndef relu(x):\n    return np.maximum(x, 0)\n"

# Leaves a file in every folder it may write: its private ones, and (bwrap) every other mount it sees.
LEAVES = r"""
import json, os
folders = {"/tmp", "/var/tmp", "/dev/shm", "/", "/dev"}
folders.update(line.split()[4] for line in open("/proc/self/mountinfo") if not line.split()[4].startswith("/proc"))
left = []
for folder in sorted(folders):
    try:
        with open(os.path.join(folder, "dlconform-left-MARK"), "w") as f:
            f.write("a hidden case's inputs")
        left.append(folder)
    except OSError:
        pass
print(json.dumps(left))
"""
# Looks for those files wherever the one before may have left them.
FINDS = r"""
import json, os
folders = {"/tmp", "/var/tmp", "/dev/shm", "/", "/dev"}
folders.update(line.split()[4] for line in open("/proc/self/mountinfo") if not line.split()[4].startswith("/proc"))
print(json.dumps(sorted(f for f in folders if os.path.exists(os.path.join(f, "dlconform-left-MARK")))))
"""


def _relu_cases() -> list:
    return [c for c in iter_cases(load_files([bundled_dir()])) if c.function == "relu" and "large" not in c.tags]


def _said(graded) -> object:
    """What a submission printed last at import."""
    return json.loads(graded.report.target["output"].strip().splitlines()[-1])


@pytest.mark.parametrize("mode", MODES)
def test_a_submission_leaves_nothing_for_the_next_to_find(tmp_path: Path, mode: str) -> None:
    mark = f"{os.getpid()}-{time.monotonic_ns()}"
    (tmp_path / "a_leaves.py").write_text(LEAVES.replace("MARK", mark) + RELU, encoding="utf-8")
    (tmp_path / "b_finds.py").write_text(FINDS.replace("MARK", mark) + RELU, encoding="utf-8")
    try:
        leaves, finds = grade_all(
            sorted(map(str, tmp_path.glob("*.py"))), _relu_cases(), GradeSettings(limits=LIMITS[mode])
        )
        assert "/tmp" in _said(leaves)  # it did leave files
        assert _said(finds) == []
    finally:
        for path in glob.glob(f"/tmp/dlconform-left-{mark}"):  # uid mode removes them; in case it did not
            os.unlink(path)


# Says when it was started and when it ran, by the clock every process of the host shares.
STAMPS = r"""
import json, os, time
ticks = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])
print(json.dumps({"started": ticks / os.sysconf("SC_CLK_TCK"), "ran": time.clock_gettime(time.CLOCK_BOOTTIME)}))
"""


@pytest.mark.parametrize("mode", MODES)
def test_a_worker_started_ahead_runs_nothing_before_its_turn(
    tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a_slow.py").write_text("import time\ntime.sleep(0.6)\n" + RELU, encoding="utf-8")
    (tmp_path / "b_stamps.py").write_text(STAMPS + RELU, encoding="utf-8")
    closed: dict[str, float] = {}
    close = IsolatedTarget.close

    def noted(self: IsolatedTarget) -> None:
        closed[self.source.name] = time.clock_gettime(time.CLOCK_BOOTTIME)
        close(self)

    monkeypatch.setattr(IsolatedTarget, "close", noted)
    _, stamps = grade_all(sorted(map(str, tmp_path.glob("*.py"))), _relu_cases(), GradeSettings(limits=LIMITS[mode]))
    said = _said(stamps)
    assert said["started"] < closed["a_slow.py"] - 0.1  # started ahead, while the one before ran
    assert said["ran"] > closed["a_slow.py"]  # and ran nothing until that one was done


@pytest.mark.parametrize("mode", MODES)
def test_nothing_a_batch_started_outlives_it(tmp_path: Path, mode: str) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.py").write_text(RELU, encoding="utf-8")
    live, cgroups = set(spawn._LIVE), set(_cgroups())  # a test before this one's, if any
    graded = grade_all(
        sorted(map(str, tmp_path.glob("*.py"))), _relu_cases(), GradeSettings(limits=LIMITS[mode]), jobs=2
    )
    assert [g.score.points for g in graded] == [1.0, 1.0, 1.0]
    assert not spawn._LIVE - live  # every worker stopped, those started ahead included
    assert set(_cgroups()) <= cgroups


def _cgroups() -> list[str]:
    """This process's workers' cgroups (v1: memory and pids; v2)."""
    return glob.glob(f"/sys/fs/cgroup/*/dlconform-{os.getpid()}-*") + glob.glob(
        f"/sys/fs/cgroup/dlconform-{os.getpid()}-*"
    )


@pytest.mark.parametrize("mode", MODES)
def test_a_worker_started_ahead_and_never_taken_is_stopped_with_the_batch(tmp_path: Path, mode: str) -> None:
    paths = []
    for name in ("a", "b"):
        (tmp_path / f"{name}.py").write_text(RELU, encoding="utf-8")
        paths.append(str(tmp_path / f"{name}.py"))
    live = set(spawn._LIVE)
    batch = ahead.Lookahead(paths, LIMITS[mode], jobs=1)
    with batch.job():
        first = ahead.start_worker(Path(paths[0]).resolve(), LIMITS[mode])  # starts b's
        ahead.stop_worker(first)
    left = batch._ahead[Path(paths[1]).resolve()].result()  # b's turn never comes
    batch.close()
    assert left.status is not None and not spawn._LIVE - live
    if left.cgroup is not None:
        assert not any(folder.exists() for folder in left.cgroup.folders)
    if left.identity is not None:
        assert processes_of(left.identity[0]) == set()


def test_a_link_out_of_its_folder_is_never_read_ahead(tmp_path: Path) -> None:
    secret = tmp_path / "instructor" / "solution.py"
    secret.parent.mkdir()
    secret.write_text(RELU, encoding="utf-8")
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "a.py").write_text(RELU, encoding="utf-8")
    (folder / "b.py").symlink_to(secret)
    mode = "bwrap" if spawn.sandbox.unavailable() is None else "uid"
    limits = replace(LIMITS[mode], sandbox=mode)
    batch = ahead.Lookahead([str(folder / "a.py"), str(folder / "b.py")], limits, jobs=1)
    with batch.job():
        ahead.stop_worker(ahead.start_worker((folder / "a.py").resolve(), limits))
    assert batch._ahead == {}
    batch.close()


@pytest.mark.skipif(not IS_ROOT, reason="worker uids are a root grader's")
def test_a_uid_is_handed_on_only_once_its_staged_folder_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "a.py"
    source.write_text("open('mine.txt', 'w').write('a hidden case')" + RELU, encoding="utf-8")
    folders: list[Path] = []
    seen: list[bool] = []
    remove = uids.remove_files_of

    def noted(uid: int, *args: object) -> None:  # the last step before the uid is let go
        seen.extend(folder.exists() for folder in folders)
        remove(uid, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(uids, "remove_files_of", noted)
    with IsolatedTarget(str(source), LIMITS["uid"]) as target:
        assert target.load_error is None and target._worker is not None
        folders.append(target._worker.workdir)  # root's, open to the uid's group: the next holder of the uid
    assert seen == [False]
