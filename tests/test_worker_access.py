"""What a root grader's worker uid can read, and the one line an isolated run gives when it cannot read its module.

The folders here are made with ``tempfile.mkdtemp`` under the system's temporary folder, not pytest's
``tmp_path`` (under a root-only ``/tmp/pytest-of-root``): their modes are the test's to set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from dlconform.targets.isolate.access import WorkerCannotRead, blocked, check_module_target

ROOT = Path(__file__).resolve().parents[1]
IS_ROOT = os.geteuid() == 0
ROOT_ONLY = pytest.mark.skipif(not IS_ROOT, reason="a worker runs as a uid of its own only when the grader is root")
MODULE = "def relu(x):\n    import numpy as np\n    return np.maximum(x, False)\n"


@pytest.fixture
def folder() -> Iterator[Path]:
    """A fresh folder (mode 0700, as mktemp -d makes it) in the system's temporary folder, removed afterwards."""
    made = Path(tempfile.mkdtemp(prefix="dlconform-access-"))
    yield made
    shutil.rmtree(made, ignore_errors=True)


def open_to_others(folder: Path) -> None:
    """Let other users into ``folder``; skip, naming it, when a folder above it keeps them out anyway."""
    folder.chmod(0o755)
    above = blocked(folder)
    if above is not None:
        pytest.skip(f"{above} lets no other user in: a test folder under it cannot be made readable to a worker")


def run_isolated(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``dlconform run ... --isolate`` as a user types it, from ``cwd``."""
    command = [sys.executable, "-m", "dlconform", "run", *args, "--isolate", "--no-color"]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_blocked_names_the_folder_or_file_that_keeps_others_out(folder: Path) -> None:
    open_to_others(folder)
    inner = folder / "pkg"
    inner.mkdir(mode=0o755)
    file = inner / "mod.py"
    file.write_text(MODULE, encoding="utf-8")
    file.chmod(0o644)
    assert blocked(file) is None and blocked(inner) is None
    folder.chmod(0o711)  # others may pass through, not list
    assert blocked(file) is None and blocked(folder) == folder
    folder.chmod(0o700)  # as mktemp -d makes it
    assert blocked(file) == folder
    folder.chmod(0o755)
    file.chmod(0o600)
    assert blocked(file) == file
    inner.chmod(0o700)
    assert blocked(file) == inner


def test_a_link_is_followed_to_where_it_leads(folder: Path) -> None:
    open_to_others(folder)
    private = folder / "private"
    private.mkdir(mode=0o700)
    (private / "mod.py").write_text(MODULE, encoding="utf-8")
    (folder / "mod.py").symlink_to(private / "mod.py")
    assert blocked(folder / "mod.py") == private


def test_no_check_where_the_worker_runs_as_the_grader_or_in_bwrap(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (folder / "privmod.py").write_text(MODULE, encoding="utf-8")
    monkeypatch.chdir(folder)
    check_module_target("privmod", "bwrap")  # bwrap shows a worker the code it needs
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    check_module_target("privmod", "uid")  # a non-root grader's worker is the grader's own user


@ROOT_ONLY
def test_a_module_target_the_worker_cannot_read_is_one_line(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "privmod.py").write_text(MODULE, encoding="utf-8")
    with monkeypatch.context() as patch, pytest.raises(WorkerCannotRead) as caught:
        patch.chdir(folder)
        check_module_target("privmod:relu", "uid")  # the module of a pkg.mod:obj spec
    assert str(folder / "privmod.py") in str(caught.value) and f"{folder} (mode 0700)" in str(caught.value)
    done = run_isolated(folder, "privmod", "-f", "relu")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""  # no case ran, none is reported as an error
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("dlconform: error: --isolate: ")
    assert "uid of its own (64000-64999" in lines[0] and str(folder / "privmod.py") in lines[0]
    assert "run without --isolate" in lines[0]


@ROOT_ONLY
def test_a_package_module_in_a_private_folder_is_found_without_importing_it(folder: Path) -> None:
    """``pkg.mod`` is located through ``pkg``'s folder; ``pkg``'s own code never runs in the grader."""
    package = folder / "sidepkg"
    package.mkdir()
    (package / "__init__.py").write_text("raise SystemExit('imported in the grader')\n", encoding="utf-8")
    (package / "ops.py").write_text(MODULE, encoding="utf-8")
    done = run_isolated(folder, "sidepkg.ops", "-f", "relu")
    assert done.returncode == 2 and str(package / "ops.py") in done.stderr, done.stdout + done.stderr


@ROOT_ONLY
def test_the_same_module_in_a_readable_folder_runs(folder: Path) -> None:
    open_to_others(folder)
    module = folder / "privmod.py"
    module.write_text(MODULE, encoding="utf-8")
    module.chmod(0o644)
    done = run_isolated(folder, "privmod", "-f", "relu")
    assert done.returncode == 0, done.stdout + done.stderr
