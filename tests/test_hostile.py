"""The hostile corpus (tests/hostile/): each submission is graded right, and none can hang or kill the grader.

Every file attacks through ``sigmoid`` (or on import) and implements ``relu`` correctly, so each also shows
that grading goes on after the attack. All are graded at once, two at a time, with a 2 s timeout.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from dlconform.format.suite import bundled_dir, iter_cases, load_files
from dlconform.grading.batch import GradeSettings, grade_all
from dlconform.results import Graded
from dlconform.run.random_cases import add_random
from dlconform.targets.isolate import uids
from dlconform.targets.isolate.access import blocked
from dlconform.targets.isolate.spawn import Limits
from dlconform.tools.generate import generate_file

from tests.sandboxes import NEEDS_BWRAP

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parent / "hostile"
LIMITS = Limits(timeout=2.0, memory=1 << 30)
IS_ROOT = os.geteuid() == 0
# Without a privilege drop these two reach the grader's own user: kill_parent would kill the test run itself.
ROOT_ONLY = {"kill_parent", "detached_child", "stops_uid_stopper"}
LEASED: set[int] = set()  # worker uids handed out while the corpus was graded
PRIVATE_CASES = """format: 1
function: sigmoid
params: [x]
description: "Instructor's hidden sigmoid cases."
accuracy: pointwise
tolerance:
  float64: {rtol: 1.7763568394002505e-15, atol: 1.7763568394002505e-15}
  float32: {rtol: 9.5367431640625e-07, atol: 9.5367431640625e-07}
  float16: {rtol: 0.00390625, atol: 0.00390625}
cases:
- id: private-quarter
  description: "A value no public case uses."
  tags: [x-private]
  hidden: true
  args: [{array: [0.25, -0.75], dtype: float64}]
- id: private-column
  description: "A column of values no public case uses."
  tags: [x-private]
  hidden: true
  args: [{array: [[1.5], [-2.5], [3.25]], dtype: float64}]
"""


MODES = [pytest.param("uid", id="uid"), pytest.param("bwrap", id="bwrap", marks=NEEDS_BWRAP)]


@pytest.fixture(scope="module", params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """The sandbox the corpus is graded in: each test runs in both."""
    return request.param


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, mode: str) -> tuple[dict[str, Graded], float]:
    """Every corpus file graded on sigmoid and relu: public, hidden (root-only folder) and random cases."""
    work = tmp_path_factory.mktemp("hostile")
    private = work / "private"
    private.mkdir(mode=0o700)
    (private / "sigmoid_private.yaml").write_text(PRIVATE_CASES, encoding="utf-8")
    assert not generate_file(private / "sigmoid_private.yaml").problems
    submissions = []
    for source in sorted(CORPUS.glob("*.py")) + sorted(CORPUS.glob("*.txt")):
        if source.stem in ROOT_ONLY and not IS_ROOT:
            continue
        copy = work / f"{source.stem}.py"
        copy.write_text(source.read_text(encoding="utf-8").replace("__PRIVATE__", str(private)), encoding="utf-8")
        submissions.append(str(copy))
    files = load_files([bundled_dir(), private])
    selected = [c for c in iter_cases(files) if c.function in ("sigmoid", "relu") and "large" not in c.tags]
    cases, warnings = add_random(selected, files, 10, 4242)
    assert warnings == []
    start = time.monotonic()
    original = uids.UidLease.__init__

    def recorded(lease: uids.UidLease) -> None:
        original(lease)
        LEASED.add(lease.uid)

    with pytest.MonkeyPatch.context() as patch:  # the uids this grading used (other graders may run on the host)
        patch.setattr(uids.UidLease, "__init__", recorded)
        results = grade_all(submissions, cases, GradeSettings(limits=replace(LIMITS, sandbox=mode)), jobs=2)
    return {Path(g.submission).stem: g for g in results}, time.monotonic() - start


def vectors_blocked() -> Path | None:
    """What keeps a root grader's worker uid from listing the bundled vector files, or None (a non-root grader's
    worker runs as the grader's own user and reads what the test can)."""
    files = (bundled_dir(), bundled_dir() / "sigmoid.yaml")
    return next(filter(None, map(blocked, files)), None) if IS_ROOT else None


def outcomes(g: Graded, function: str) -> list[tuple[str, str, str]]:
    """(id, outcome, failure) of every case of ``function``."""
    return [(r.id, r.outcome, r.failure) for r in g.report.results if r.function == function]


def test_every_submission_is_graded_in_bounded_time(graded: tuple[dict[str, Graded], float]) -> None:
    by_name, elapsed = graded
    expected = {p.stem for p in [*CORPUS.glob("*.py"), *CORPUS.glob("*.txt")]} - (set() if IS_ROOT else ROOT_ONLY)
    assert set(by_name) == expected
    assert elapsed < 60


@pytest.mark.parametrize(
    ("name", "first", "failure"),
    [
        ("infinite_loop", "no result within 2 s (--timeout)", "raised:CallTimeout"),
        ("long_sleep", "no result within 2 s (--timeout)", "raised:CallTimeout"),
        ("exit_mid_call", "the worker exited with code 0", "raised:WorkerCrash"),
        ("segfault", "the worker died of a segmentation fault (SIGSEGV)", "raised:WorkerCrash"),
        ("memory_bomb", "MemoryError", "raised:MemoryError"),
        ("reads_stdin", "raised EOFError", "raised:EOFError"),
        ("forges_protocol", "broke the protocol", "raised:WorkerCrash"),
        ("forges_big_int", "broke the protocol", "raised:WorkerCrash"),
        ("forges_mutations", "broke the protocol", "raised:WorkerCrash"),
        ("forges_digits", "broke the protocol", "raised:WorkerCrash"),
    ],
)
def test_attacks_in_sigmoid_are_errors_and_relu_still_passes(
    graded: tuple[dict[str, Graded], float], name: str, first: str, failure: str
) -> None:
    g = graded[0][name]
    sigmoid = [r for r in g.report.results if r.function == "sigmoid"]
    assert first in sigmoid[0].message
    assert sigmoid[0].failure == failure
    assert all(r.outcome == "error" for r in sigmoid)
    assert all(outcome == "passed" for _, outcome, _ in outcomes(g, "relu"))
    assert g.score.functions["sigmoid"][0] == 0 and g.score.functions["relu"] == (1.0, 1.0)


def test_a_timeout_is_paid_once_per_function(graded: tuple[dict[str, Graded], float]) -> None:
    sigmoid = [r for r in graded[0]["infinite_loop"].report.results if r.function == "sigmoid"]
    assert all("not run: an earlier call of sigmoid ran past 2 s" in r.message for r in sigmoid[1:])
    assert sum(r.duration for r in sigmoid) < 2 * LIMITS.timeout + 1


@pytest.mark.parametrize("name", ["patch_numpy", "lying_array", "fake_verdict"])
def test_lies_about_results_fail(graded: tuple[dict[str, Graded], float], name: str) -> None:
    g = graded[0][name]
    sigmoid = outcomes(g, "sigmoid")
    assert sum(o == "failed" for _, o, _ in sigmoid) > 0.8 * len(sigmoid)  # zeros: right only where sigmoid is 0
    assert all(o == "passed" for _, o, _ in outcomes(g, "relu"))
    assert g.score.functions["sigmoid"][0] < 0.2 and g.score.functions["relu"] == (1.0, 1.0)


def test_printed_verdicts_are_only_output(graded: tuple[dict[str, Graded], float]) -> None:
    g = graded[0]["fake_verdict"]
    assert "100 passed, 0 failed" in g.report.target["output"]
    assert g.report.summary_line().startswith(f"{sum(r.outcome == 'passed' for r in g.report.results)} passed")
    assert g.report.counts()["failed"] > 0


@pytest.mark.parametrize("name", ["syntax_error", "forges_not_found"])
def test_import_failures_score_zero(graded: tuple[dict[str, Graded], float], name: str) -> None:
    """A file that does not parse, and one forging a 'not found' load reply, load nothing: zero."""
    g = graded[0][name]
    assert {(o, f) for _, o, f in outcomes(g, "sigmoid") + outcomes(g, "relu")} == {("error", "import-error")}
    assert g.score.points == 0 and g.score.max_points == 2


def test_exit_at_import_is_one_skipped_statement(graded: tuple[dict[str, Graded], float]) -> None:
    g = graded[0]["exit_on_import"]
    assert {(o, f) for _, o, f in outcomes(g, "relu")} == {("passed", "")}
    assert {(o, f) for _, o, f in outcomes(g, "sigmoid")} == {("error", "missing")}
    assert any("SystemExit: 0" in w for w in g.report.warnings)


@pytest.mark.skipif(not IS_ROOT, reason="only a root grader drops the worker's privileges")
@pytest.mark.parametrize("name", ["kill_parent", "detached_child", "stops_uid_stopper"])
def test_attacks_on_processes_change_nothing(graded: tuple[dict[str, Graded], float], name: str) -> None:
    g = graded[0][name]
    assert g.report.ok, [r.message for r in g.report.results if r.outcome != "passed"][:3]
    assert (g.score.points, g.score.max_points) == (2.0, 2.0)


@pytest.mark.skipif(not IS_ROOT, reason="stopping a worker uid's processes needs a root grader")
def test_no_worker_process_outlives_grading(graded: tuple[dict[str, Graded], float], mode: str) -> None:
    assert mode == "bwrap" or LEASED  # the uid mode leased a uid per worker
    cgroups = [p for p in Path("/sys/fs/cgroup").glob(f"*/dlconform-{os.getpid()}-*") if p.is_dir()]
    assert cgroups == []  # removed only once empty
    left = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                uid = entry.stat().st_uid
                state = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if uid in LEASED and state not in (b"Z", b"X"):  # a zombie has ended
                left.append(entry.name)
    assert left == []


def test_reading_the_vector_files_only_helps_with_public_cases(
    graded: tuple[dict[str, Graded], float], mode: str
) -> None:
    sigmoid = [r for r in graded[0]["reads_vectors"].report.results if r.function == "sigmoid"]
    public = [r for r in sigmoid if "random" not in r.tags and not r.hidden]
    hidden = [r for r in sigmoid if r.hidden]
    random = [r for r in sigmoid if "random" in r.tags]
    if mode == "bwrap":  # the sandbox shows no vector file at all: its lookup loop is a skipped statement
        assert any("reads_vectors.py line" in w for w in graded[0]["reads_vectors"].report.warnings)
        assert any(r.outcome == "failed" for r in public)  # it answers zeros: right only where zero is expected
        assert all(r.outcome == "failed" for r in hidden + random)
        return
    if vectors_blocked() is None:  # it answers the public cases from the files
        assert public and all(r.outcome == "passed" for r in public)
    else:  # a checkout in a folder the worker's uid cannot enter (a clone in `mktemp -d`): it found no file
        assert any(r.outcome == "failed" for r in public)
    assert len(hidden) == 2 and all(r.outcome == "failed" for r in hidden)
    assert len(random) == 10 and all(r.outcome == "failed" for r in random)


@pytest.mark.skipif(not IS_ROOT, reason="kill_parent would reach the grader's own user")
def test_the_grade_command_survives_and_prints_no_fake_verdict(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "dlconform",
        "grade",
        str(CORPUS / "kill_parent.py"),
        str(CORPUS / "fake_verdict.py"),
    ]
    command += ["-f", "sigmoid", "-f", "relu", "--exclude-tag", "large", "--timeout", "2", "--jobs", "2"]
    command += ["--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "100 passed, 0 failed" not in done.stdout + done.stderr
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8"))))
    assert [Path(r["submission"]).stem for r in rows] == ["fake_verdict", "kill_parent"]
    assert float(rows[0]["score"]) < 1.2 and rows[0]["relu"] == "1"
    assert [(r["score"], r["max_score"]) for r in rows[1:]] == [("2", "2")]
