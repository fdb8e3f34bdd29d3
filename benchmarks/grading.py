"""Grading throughput: ``dlconform grade --jobs 2`` against one pytest process per submission.

Grades N copies of a correct submission (examples/careful.py) with the CLI, then, in the same run, grades them
the way many autograders do: one ``pytest`` process per submission, two at a time, each importing the
submission and checking the same cases: the bundled suite without its ``large`` cases (10^7-element inputs
that measure libraries, not students; they would dominate both sides). Prints submissions per second for both,
their ratio (bound: at least 3x) and the overhead per submission over checking it in process (bound: under
0.5 s), each with PASS or FAIL; exit status 1 when one fails.

Then where a submission's time goes, graded in this process one at a time (``grade_all``, jobs 1) with timers
around the grader's own steps: the worker's spawn, the submission's load in it, the calls (the round trip to the
worker: sending the inputs, the target's work, the reply), the reply's decoding and checking, judging, hints,
the steps after, and writing the reports (JSON, gradebook). Each timer counts its own time, not the timers
nested in it; what no timer covers is "other". Instrumentation only: the grader's code is wrapped from here.

    python3 benchmarks/grading.py [N] [MODE]   # default N = 20, MODE (--sandbox) = auto

Importable: ``measure(n, jobs)`` returns the figures as a dict, ``breakdown(n, mode)`` the seconds per step.
"""

from __future__ import annotations

import functools
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

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


# The grader's steps a breakdown times: (step, module, attribute); "Class.method" wraps a method. A name the code
# no longer has is skipped and said so (the sandbox's code moves; this file only watches it).
STEPS = (
    ("spawn", "dlconform.targets.isolate.target", "start_worker"),
    ("start (less spawn and the load request)", "dlconform.targets.isolate.target", "IsolatedTarget._start"),
    ("worker request: ", "dlconform.targets.isolate.spawn", "Worker.request"),  # by its op: load, call
    ("reply decoding", "dlconform.targets.isolate.target", "decode_value"),
    ("reply decoding", "dlconform.targets.isolate.target", "check_call_reply"),
    ("inputs encoding", "dlconform.targets.isolate.target", "encode_value"),
    ("judging", "dlconform.run.engine", "judge"),
    ("judging", "dlconform.run.engine", "judge_raised"),
    ("fresh inputs", "dlconform.run.engine", "fresh_inputs"),
    ("hints", "dlconform.judge.hints", "with_hints"),
    ("worker stop", "dlconform.targets.isolate.spawn", "Worker.stop"),
    ("report writing", "dlconform.grading.gradebook", "write_outputs"),
)


class Timers:
    """Seconds per step, each step's own (time in steps nested in it goes to those), per thread."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.local = threading.local()
        self.lock = threading.Lock()
        self.missing: list[str] = []

    def wrap(self, step: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            name = step + str(args[1].get("op")) if step.endswith(": ") else step  # Worker.request(self, header)
            stack = self.local.__dict__.setdefault("stack", [])
            stack.append(0.0)
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                took = time.perf_counter() - start
                nested = stack.pop()
                if stack:
                    stack[-1] += took
                with self.lock:
                    self.seconds[name] = self.seconds.get(name, 0.0) + took - nested

        return timed

    def install(self) -> Callable[[], None]:
        """Wrap every step that exists; returns what undoes it."""
        undo = []
        for step, module_name, attribute in STEPS:
            try:
                owner: Any = importlib.import_module(module_name)
                *outer, name = attribute.split(".")
                for part in outer:
                    owner = getattr(owner, part)
                original = getattr(owner, name)
            except (ImportError, AttributeError):
                self.missing.append(f"{module_name}.{attribute}")
                continue
            setattr(owner, name, self.wrap(step, original))
            undo.append((owner, name, original))
        return lambda: [setattr(owner, name, original) for owner, name, original in reversed(undo)]


def breakdown(n: int = 5, sandbox: str = "auto") -> tuple[dict[str, float], list[str]]:
    """Seconds per submission in each step, grading ``n`` copies in this process one at a time; and the steps
    this code no longer has."""
    from dlconform.format.suite import iter_cases, load_files
    from dlconform.grading import batch as grade  # called through the modules: the timers wrap their attributes
    from dlconform.grading import gradebook
    from dlconform.targets.isolate.spawn import Limits

    timers = Timers()
    with tempfile.TemporaryDirectory(prefix="dlconform-bench-") as tmp:
        Path(tmp).chmod(0o755)
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        paths = [str(p) for p in _copies(folder, n + 1)]
        start = time.perf_counter()
        cases = [c for c in iter_cases(load_files()) if "large" not in c.tags]
        load = time.perf_counter() - start
        limits = Limits(sandbox=sandbox)
        grade.grade_all(paths[:1], cases, limits=limits)  # imports and the first worker's one-off costs, untimed
        undo = timers.install()
        try:
            start = time.perf_counter()
            graded = grade.grade_all(paths[1:], cases, limits=limits)
            gradebook.write_outputs(graded, sorted({c.function for c in cases}), Path(tmp) / "out")
            total = time.perf_counter() - start
        finally:
            undo()
    per = {step: seconds / n for step, seconds in timers.seconds.items()}
    per["other"] = total / n - sum(per.values())
    per["suite load (once per batch, not per submission)"] = load
    per["total per submission"] = total / n
    return per, timers.missing


def main() -> int:
    """Print the figures for N (first argument, default 20) submissions and the breakdown; 1 when a bound fails."""
    sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the in-process figure imports the runner
    warnings.simplefilter("ignore")  # the submission's own overflow warnings in the in-process check
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    sandbox = sys.argv[2] if len(sys.argv) > 2 else "auto"
    f = measure(n, sandbox=sandbox)
    ratio_ok, overhead_ok = f["ratio"] >= 3, f["overhead_per_submission"] < 0.5
    print(f"{f['submissions']} submissions, --jobs {f['jobs']}, --sandbox {sandbox}")
    print(f"dlconform grade:        {f['grade_seconds']:7.2f} s  {f['grade_per_second']:6.2f} submissions/s")
    print(f"pytest per submission:  {f['pytest_seconds']:7.2f} s  {f['pytest_per_second']:6.2f} submissions/s")
    print(f"ratio:                  {f['ratio']:7.2f} x   (bound >= 3)  {'PASS' if ratio_ok else 'FAIL'}")
    print(
        f"overhead per submission: {f['overhead_per_submission']:6.3f} s  (bound < 0.5)  "
        f"{'PASS' if overhead_ok else 'FAIL'}  ({f['seconds_per_submission']:.3f} s per submission per job, "
        f"{f['in_process_seconds']:.3f} s in process: {f['seconds_per_submission'] / f['in_process_seconds']:.1f}x)"
    )
    per, missing = breakdown(min(n, 5), sandbox)
    total = per["total per submission"]
    print(f"where a submission's time goes (in this process, one at a time, {min(n, 5)} submissions):")
    for step, seconds in sorted(per.items(), key=lambda kv: -kv[1]):
        share = "" if step.startswith(("total", "suite load")) else f"  {seconds / total:6.1%}"
        print(f"  {step:50s} {seconds * 1e3:8.1f} ms{share}")
    if missing:
        print(f"  (not found in this code, not timed: {', '.join(missing)})")
    return 0 if ratio_ok and overhead_ok else 1


if __name__ == "__main__":
    sys.exit(main())
