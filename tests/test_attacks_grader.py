"""Attacks on what the grader believes and writes (issue 18, parts 2-5), each in both sandbox modes.

A worker's replies carry values only: a forged outcome, failure or extra field is that submission's error
(tests/hostile_grader/forges_*.py). Hidden cases stay hidden: a submission that keeps the inputs it sees and shows
them on every later call gets none of the hidden ones into anything its student sees, and hidden cases carry no
duration there. Any file name is graded, and the gradebook written with no formula in it. ``--out`` is the grader's
own folder, made before any submission runs, and a rerun leaves nothing of the run before.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from dlconform.format.suite import bundled_dir, iter_cases, load_files
from dlconform.grading import gradescope as gs
from dlconform.grading.batch import GradeSettings, grade_all
from dlconform.judge.compare import DEFAULTS
from dlconform.report import render
from dlconform.results import Graded
from dlconform.run.engine import run_case
from dlconform.run.random_cases import add_random
from dlconform.targets.isolate.protocol import ProtocolError
from dlconform.targets.isolate.replies import check_call_reply
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.isolate.target import remote_exception
from dlconform.tools.generate import generate_file

from tests.sandboxes import NEEDS_BWRAP

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parent / "hostile_grader"
LIMITS = Limits(timeout=5.0, memory=1 << 30)
IS_ROOT = os.geteuid() == 0
HIDDEN_VALUES = ("0.3193", "0.7771", "1.6183", "2.7191", "3.1467")  # each digit string is in no public case
HIDDEN_CASES = """format: 1
function: sigmoid
params: [x]
description: "Instructor's hidden sigmoid cases."
accuracy: pointwise
tolerance:
  float64: {rtol: 1.7763568394002505e-15, atol: 1.7763568394002505e-15}
  float32: {rtol: 9.5367431640625e-07, atol: 9.5367431640625e-07}
  float16: {rtol: 0.00390625, atol: 0.00390625}
cases:
- id: private-pair
  description: "Values no public case uses."
  tags: [x-private]
  hidden: true
  args: [{array: [0.3193, -0.7771], dtype: float64}]
- id: private-column
  description: "A column of values no public case uses."
  tags: [x-private]
  hidden: true
  args: [{array: [[1.6183], [-2.7191], [3.1467]], dtype: float64}]
"""
MODES = [pytest.param("uid", id="uid"), pytest.param("bwrap", id="bwrap", marks=NEEDS_BWRAP)]
GOOD = "import numpy as np\n\ndef relu(x):\n    return np.maximum(x, False)\n"


@pytest.fixture(scope="module", params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, mode: str) -> dict[str, Graded]:
    """Every attack of tests/hostile_grader graded on sigmoid and relu: public, hidden (a root-only folder), random."""
    work = tmp_path_factory.mktemp("attacks")
    private = work / "private"
    private.mkdir(mode=0o700)
    (private / "sigmoid_hidden.yaml").write_text(HIDDEN_CASES, encoding="utf-8")
    assert not generate_file(private / "sigmoid_hidden.yaml").problems
    submissions = []
    for source in sorted(CORPUS.glob("*.py")):
        copy = work / source.name
        copy.write_bytes(source.read_bytes())
        submissions.append(str(copy))
    files = load_files([bundled_dir(), private])
    selected = [c for c in iter_cases(files) if c.function in ("sigmoid", "relu") and "large" not in c.tags]
    cases, _ = add_random(selected, files, 3, 1818)
    first = next(i for i, c in enumerate(cases) if c.hidden)
    assert sum(c.hidden for c in cases) == 2 and not cases[-1].hidden and first < len(cases) - 2  # amid public ones
    results = grade_all(submissions, cases, GradeSettings(limits=replace(LIMITS, sandbox=mode)), jobs=2)
    return {Path(g.submission).stem: g for g in results}


def _of(g: Graded, function: str) -> list:
    return [r for r in g.report.results if r.function == function]


def test_a_forged_load_reply_passes_nothing(graded: dict[str, Graded]) -> None:
    """No function, and a load reply saying every missing one passed: every case an error, score 0."""
    g = graded["forges_load_missing"]
    assert {(r.outcome, r.failure) for r in g.report.results} == {("error", "missing")}
    assert g.score.points == 0


def test_an_extra_field_in_the_load_reply_is_an_import_error(graded: dict[str, Graded]) -> None:
    g = graded["forges_load_key"]
    assert "broke the protocol" in str(g.report.target["load_error"])
    assert {(r.outcome, r.failure) for r in g.report.results} == {("error", "import-error")}
    assert g.score.points == 0


@pytest.mark.parametrize("name", ["forges_call_outcome", "forges_raised_outcome", "forges_result_key", "forges_line"])
def test_a_forged_field_in_a_call_reply_is_that_functions_error(graded: dict[str, Graded], name: str) -> None:
    g = graded[name]
    sigmoid = _of(g, "sigmoid")
    assert "broke the protocol" in sigmoid[0].message, sigmoid[0].message
    assert all(r.outcome == "error" and r.failure == "raised:WorkerCrash" for r in sigmoid)
    assert all(r.outcome == "passed" for r in _of(g, "relu"))
    assert g.score.functions["sigmoid"][0] == 0 and g.score.functions["relu"] == (1.0, 1.0)


def _student_facing(g: Graded) -> dict[str, str]:
    """Everything a student may be shown of ``g``: each report format redacted, and Gradescope's results.json."""
    shown = {fmt: render(g.report, fmt, redact_hidden=True) for fmt in ("json", "text", "markdown", "html")}
    return {**shown, "gradescope": gs.dump(gs.results(g, 3.0))}


def test_hidden_inputs_reach_no_student_facing_report(graded: dict[str, Graded]) -> None:
    g = graded["stashes_hidden"]
    hidden = [r for r in g.report.results if r.hidden]
    assert len(hidden) == 2
    for fmt, text in _student_facing(g).items():
        assert "seen:" in text, fmt  # the channel is open: public inputs are shown as it printed them
        assert not [v for v in HIDDEN_VALUES if v in text], fmt


def test_hidden_cases_carry_no_duration(graded: dict[str, Graded]) -> None:
    g = graded["stashes_hidden"]
    doc = json.loads(render(g.report, "json", redact_hidden=True))
    hidden = [c for c in doc["cases"] if c["hidden"]]
    assert all(c["duration"] == 0 for c in hidden)
    assert any(r.duration > 0 for r in g.report.results if r.hidden)  # measured, for the instructor
    assert all(c["duration"] > 0 for c in doc["cases"] if not c["hidden"])
    assert gs.results(g, 3.7)["execution_time"] == 4  # the submission's total time, in whole seconds only


def test_a_valid_source_line_reaches_the_case_result() -> None:
    """A raised reply may name the submission's line (1 to 10,000,000) or null; anything else breaks the protocol."""
    base = {"status": "raised", "mro": ["ValueError", "Exception"], "message": "no", "seq": 1, "blobs": []}
    for line in (1, 12, 10_000_000, None):
        check_call_reply({**base, "line": line}, [], 1)
    for line in (0, -3, 10_000_001, True, 1.5, "7", [7]):
        with pytest.raises(ProtocolError):
            check_call_reply({**base, "line": line}, [], 1)
    case = next(c for c in iter_cases(load_files()) if c.function == "relu" and not c.raises)

    def raising(*args: object) -> None:
        raise remote_exception(["ValueError", "Exception"], "no", "hw.py:12")

    assert run_case(case, raising, DEFAULTS).details["raised_at"] == "hw.py:12"


def dlconform(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "dlconform", *args], cwd=cwd, capture_output=True, timeout=300, env=dict(os.environ)
    )


NAMES = [
    b"a" * 250 + b".py",  # 253 bytes: its report's name would pass the 255-byte limit
    b"\xff\xfenot-utf8.py",
    b"\x1b]0;owned\x07\x1b[2K\ralice: 1 of 1.py",
    b"=HYPERLINK(1).py",
    b"+1.py",
    b"-2.py",
    b"@SUM(1).py",
    b"\tTAB.py",
]


@pytest.mark.parametrize("sandbox", MODES)
def test_any_file_name_is_graded_and_the_gradebook_written(tmp_path: Path, sandbox: str) -> None:
    folder = tmp_path / "subs"
    folder.mkdir()
    for name in NAMES:
        with open(os.path.join(os.fsencode(folder), name), "w", encoding="utf-8") as out:
            out.write(GOOD)
    out = tmp_path / "out"
    args = ["-f", "relu", "-t", "core", "--timeout", "5", "--sandbox", sandbox, "--html"]
    done = dlconform("grade", str(folder), *args, "--out", str(out))
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert not [c for c in b"\x1b\x07\r" if c in done.stdout + done.stderr]  # escaped, not sent to the terminal
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8"))))
    assert len(rows) == len(NAMES) and {r["score"] for r in rows} == {"1"}
    assert not [r for r in rows for cell in r.values() if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    written = os.listdir(os.fsencode(out))
    assert all(len(name) <= 255 for name in written)
    assert sum(name.endswith(b".json") for name in written) == len(NAMES)
    assert sum(name.endswith(b".html") for name in written) == len(NAMES) + 1  # and the index


def _write(folder: Path, *names: str) -> list[str]:
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / name).write_text(GOOD, encoding="utf-8")
    return [str(folder / n) for n in names]


def test_a_rerun_leaves_nothing_of_the_run_before(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["-f", "relu", "-t", "core", "--timeout", "5", "--html", "--out", str(out)]
    first = dlconform("grade", *_write(tmp_path / "subs", "alice.py", "bob.py"), *args)
    assert first.returncode == 0, first.stderr
    before = set(os.listdir(out))
    assert {n for n in before if "bob" in n}
    second = dlconform("grade", str(tmp_path / "subs" / "alice.py"), *args)
    assert second.returncode == 0, second.stderr
    after = set(os.listdir(out))
    assert not {n for n in after if "bob" in n}
    assert {n for n in after if "alice" in n} == {n for n in before if "alice" in n} != set()
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8"))))
    assert [Path(r["submission"]).name for r in rows] == ["alice.py"]


def _refused(done: subprocess.CompletedProcess[bytes], text: str) -> None:
    """Exit 2 with one error line naming ``text``, before any submission was graded."""
    assert done.returncode == 2, done.stderr
    assert done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert lines[-1].startswith("dlconform: error: ") and text in lines[-1] and "Traceback" not in done.stderr.decode()
    assert not [line for line in lines if "grading" in line]


def test_an_out_that_is_a_link_or_holds_others_files_is_refused_before_grading(tmp_path: Path) -> None:
    subs = _write(tmp_path / "subs", "alice.py")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    _refused(dlconform("grade", *subs, "-f", "relu", "--out", str(tmp_path / "link")), "link")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.json").write_text("{}", encoding="utf-8")
    _refused(dlconform("grade", *subs, "-f", "relu", "--out", str(tmp_path / "notes")), "not written by dlconform")
    assert (tmp_path / "notes" / "mine.json").read_text(encoding="utf-8") == "{}"


@pytest.mark.skipif(not IS_ROOT, reason="a folder of another owner needs root to make")
def test_an_out_of_another_owner_is_refused_before_grading(tmp_path: Path) -> None:
    planted = tmp_path / "out"
    planted.mkdir(mode=0o777)
    os.chown(planted, 64999, 64999)
    _refused(dlconform("grade", *_write(tmp_path / "subs", "a.py"), "-f", "relu", "--out", str(planted)), "64999")


@pytest.mark.skipif(not IS_ROOT, reason="only a root grader runs workers as another uid")
@pytest.mark.parametrize("sandbox", MODES)
def test_an_out_a_submission_squats_while_graded_is_still_written(tmp_path: Path, sandbox: str) -> None:
    """The worker makes ``--out`` first in a world-writable folder: the grader made it before any code ran."""
    shared = Path(tempfile.mkdtemp(prefix="dlconform-shared-"))  # pytest's own folders are root's alone
    shared.chmod(0o1777)
    out = shared / "out"
    squat = f"import os\ntry:\n    os.mkdir({str(out)!r}, 0o777)\nexcept OSError:\n    pass\n" + GOOD
    (tmp_path / "squat.py").write_text(squat, encoding="utf-8")
    args = ["-f", "relu", "-t", "core", "--timeout", "5", "--sandbox", sandbox, "--out", str(out)]
    done = dlconform("grade", str(tmp_path / "squat.py"), *args)
    try:
        assert done.returncode == 0, done.stderr
        assert out.stat().st_uid == 0 and (out / "gradebook.csv").is_file()
    finally:
        shutil.rmtree(shared)


def test_the_gradebook_is_written_whatever_stops_the_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A report that cannot be written (a full disk, say) stops the rest, but the gradebook is there already."""
    from dlconform import report as reports
    from dlconform.grading.gradebook import write_outputs

    (sub,) = _write(tmp_path / "subs", "alice.py")
    cases = [c for c in iter_cases(load_files()) if c.function == "relu" and "core" in c.tags][:2]
    graded = grade_all([sub], cases, GradeSettings(limits=replace(LIMITS, sandbox="uid")))

    def full_disk(*args: object, **kwargs: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reports, "render", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_outputs(graded, ["relu"], tmp_path / "out")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8"))))
    assert [r["submission"] for r in rows] == [sub]
