"""Under --sandbox uid as root each worker is another uid, which may read whatever every user may: a batch of
submissions left readable by all lets each read, and run, its classmates' code. grade says so, in one line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RELU = "import numpy as np\n\ndef relu(x):\n    return np.maximum(x, 0)\n"
# The attack the warning is about: a submission that runs the classmate's code it can read.
BORROWS = (
    "import glob, os\n"
    "mine = None\n"
    "for path in glob.glob(os.path.join(os.environ.get('SUBS', ''), '*.py')):\n"
    "    try:\n"
    "        code = open(path).read()\n"
    "    except OSError:\n"
    "        continue\n"
    "    if 'BORROW' not in code:\n"
    "        scope = {}\n"
    "        exec(code, scope)\n"
    "        mine = scope['relu']\n"
    "def relu(x):\n"
    "    return mine(x) if mine else x * 0 - 1\n"
)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="uid mode as root leases a uid per submission")


def grade(folder: Path, sandbox: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "dlconform", "grade", str(folder), "-f", "relu", "--sandbox", sandbox]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture
def folder() -> Iterator[Path]:
    """Two submissions in a folder every user may enter (pytest's own temporary folders are 0700)."""
    top = Path(tempfile.mkdtemp(prefix="dlconform-classmates-"))
    top.chmod(0o755)
    (top / "honest.py").write_text(RELU)
    (top / "borrows.py").write_text(BORROWS.replace("os.environ.get('SUBS', '')", repr(str(top))) + "# BORROW\n")
    for path in top.iterdir():
        path.chmod(0o644)
    yield top
    shutil.rmtree(top, ignore_errors=True)


def scores(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """Each submission's score as grade prints it (``path: 0.5 / 1 (...)``), by file name."""
    lines = [line.split(": ", 1) for line in done.stdout.splitlines() if ".py: " in line]
    return {Path(path).name: rest.split(" (")[0] for path, rest in lines}


def test_submissions_every_user_may_read_are_named_in_one_warning_and_it_is_true(folder: Path) -> None:
    """The borrowing submission gets full marks on its classmate's code, and the warning says why."""
    done = grade(folder, "uid")
    warnings = [line for line in done.stderr.splitlines() if "readable by every user" in line]
    assert done.returncode == 0 and len(warnings) == 1, done.stderr
    assert "2 of 2 submissions" in warnings[0] and "chmod o-r" in warnings[0]
    assert scores(done) == {"borrows.py": "1 / 1", "honest.py": "1 / 1"}, done.stdout


def test_chmod_o_r_ends_both_the_borrowing_and_the_warning(folder: Path) -> None:
    for path in folder.iterdir():
        path.chmod(0o640)
    done = grade(folder, "uid")
    assert done.returncode == 0 and "readable by every user" not in done.stderr, done.stderr
    got = scores(done)
    assert got["honest.py"] == "1 / 1" and float(got["borrows.py"].split(" / ")[0]) < 0.1, done.stdout


def test_bwrap_shows_a_worker_its_own_submission_only(folder: Path) -> None:
    from dlconform.targets.isolate.sandbox import unavailable

    if unavailable():
        pytest.skip(f"--sandbox bwrap: {unavailable()}")
    done = grade(folder, "bwrap")
    assert done.returncode == 0 and "readable by every user" not in done.stderr, done.stderr
    got = scores(done)
    assert got["honest.py"] == "1 / 1" and float(got["borrows.py"].split(" / ")[0]) < 0.1, done.stdout
