"""Grading throughput: ``dlconform grade --jobs 2`` against one pytest process per submission.

Grades N copies of a correct submission (examples/careful.py) with the CLI, then, in the same run, grades them
the way many autograders do: one ``pytest`` process per submission, two at a time, each importing the
submission and checking the same cases: the bundled suite without its ``large`` cases (10^7-element inputs
that measure libraries, not students; they would dominate both sides). Prints submissions per second for both, their ratio (target >= 3x)
and the overhead per submission over checking it in process (target < 0.5 s).

    python3 benchmarks/grading.py [N] [MODE]   # default N = 20, MODE (--sandbox) = auto

Importable: ``measure(n, jobs)`` returns the figures as a dict.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBMISSION = ROOT / "examples" / "careful.py"
PYTEST_FILE = '''"""One submission checked case by case, as a pytest-based autograder would (SUBMISSION names the file)."""
import importlib.util
import os

import pytest

from dlconform.judge.compare import judge, judge_raised
from dlconform.format.model import fresh_inputs
from dlconform.format.suite import iter_cases, load_files

CASES = [c for c in iter_cases(load_files()) if "large" not in c.tags]
spec = importlib.util.spec_from_file_location("submission", os.environ["SUBMISSION"])
submission = importlib.util.module_from_spec(spec)
spec.loader.exec_module(submission)


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
def test_case(case):
    fn = getattr(submission, case.function)
    try:
        got = fn(*fresh_inputs(case.args))
    except Exception as exc:
        verdict = judge_raised(case, exc)
        assert verdict is not None and verdict.outcome == "passed", f"raised {exc!r}"
        return
    verdict = judge(case, got)
    assert verdict.outcome == "passed", verdict.message
'''


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def _copies(folder: Path, n: int) -> list[Path]:
    """``n`` copies of the correct submission, as students would hand them in."""
    paths = []
    for i in range(n):
        path = folder / f"student{i:03d}.py"
        shutil.copyfile(SUBMISSION, path)
        paths.append(path)
    return paths


def _grade(folder: Path, out: Path, jobs: int, sandbox: str) -> float:
    """Wall seconds of ``dlconform grade FOLDER --jobs J --out OUT --sandbox MODE``."""
    command = [sys.executable, "-m", "runner", "grade", str(folder), "--exclude-tag", "large", "--sandbox", sandbox]
    start = time.perf_counter()
    subprocess.run(
        [*command, "--jobs", str(jobs), "--out", str(out)],
        cwd=ROOT,
        env=_env(),
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def _pytest_each(paths: list[Path], test_file: Path, jobs: int) -> float:
    """Wall seconds of one ``pytest`` process per submission, ``jobs`` at a time."""

    def one(path: Path) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
            cwd=test_file.parent,
            env={**_env(), "SUBMISSION": str(path)},
            capture_output=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"pytest failed on {path}: {done.stdout[-500:]!r}")

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, paths))
    return time.perf_counter() - start


def _in_process_seconds() -> float:
    """Seconds to check one submission in the grader's own process (the work isolation adds overhead to)."""
    from dlconform.format.suite import iter_cases, load_files
    from dlconform.run.engine import run_cases
    from dlconform.targets.open import open_target

    cases = [c for c in iter_cases(load_files()) if "large" not in c.tags]
    start = time.perf_counter()
    run_cases(cases, open_target(str(SUBMISSION)).resolve)
    return time.perf_counter() - start


def measure(n: int = 20, jobs: int = 2, sandbox: str = "auto") -> dict[str, float]:
    """Grade ``n`` copies both ways; the figures as a dict."""
    with tempfile.TemporaryDirectory(prefix="dlconform-bench-") as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        Path(tmp).chmod(0o755)
        paths = _copies(folder, n)
        grade_s = _grade(folder, Path(tmp) / "out", jobs, sandbox)
        test_file = Path(tmp) / "test_submission.py"
        test_file.write_text(PYTEST_FILE, encoding="utf-8")
        pytest_s = _pytest_each(paths, test_file, jobs)
    check_s = _in_process_seconds()
    per_submission = grade_s * jobs / n
    return {
        "submissions": n,
        "jobs": jobs,
        "grade_seconds": grade_s,
        "grade_per_second": n / grade_s,
        "pytest_seconds": pytest_s,
        "pytest_per_second": n / pytest_s,
        "ratio": pytest_s / grade_s,
        "seconds_per_submission": per_submission,
        "in_process_seconds": check_s,
        "overhead_per_submission": per_submission - check_s,
    }


def main() -> None:
    """Print the figures for N (first argument, default 20) submissions."""
    sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the in-process figure imports the runner
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    sandbox = sys.argv[2] if len(sys.argv) > 2 else "auto"
    f = measure(n, sandbox=sandbox)
    print(f"{f['submissions']} submissions, --jobs {f['jobs']}, --sandbox {sandbox}")
    print(f"dlconform grade:        {f['grade_seconds']:7.2f} s  {f['grade_per_second']:6.2f} submissions/s")
    print(f"pytest per submission:  {f['pytest_seconds']:7.2f} s  {f['pytest_per_second']:6.2f} submissions/s")
    print(f"ratio:                  {f['ratio']:7.2f} x   (target >= 3)")
    print(
        f"overhead per submission: {f['overhead_per_submission']:6.3f} s  (target < 0.5; "
        f"{f['seconds_per_submission']:.3f} s per submission per job, {f['in_process_seconds']:.3f} s in process)"
    )


if __name__ == "__main__":
    main()
