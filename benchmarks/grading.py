"""Grading against checking in process, per sandbox mode, and against one pytest process per submission.

First, for each sandbox mode this host has (``bwrap``, ``uid``; ``--sandbox`` picks), where a submission's time
goes: copies of a correct submission (examples/careful.py) graded in this process one at a time (``grade_all``,
jobs 1, after one untimed) with timers around the grader's own steps: the worker's spawn (what the job waits for; a
batch starts each worker ahead and stops it behind, in threads of its own, whose time is shown apart and not
summed: targets/isolate/ahead.py), the submission's load in
it, the call requests (the round trip to the worker: sending the inputs, the target's work, the replies), the
replies' decoding and checking, judging, hints, the steps after, and writing the reports (JSON, gradebook). Each
timer counts its own time, not the timers nested in it; what no timer covers is "other" (the timers' own cost
included). Instrumentation only: the grader's code is wrapped from here, for a second pass over the same copies;
the total, and so the ratio, is the first pass's, without timers (theirs cost 1-2 us a call, and a submission makes
about 2,900: 3-6 ms). Beside each mode, side by side, the in-process check of the same submission
(measured before and after each mode's breakdown, its median taken): the ratio of seconds per submission per job
(bound: at most 3, issue 22) and the call requests per submission (bound: at most 30; one per case would be 573).

Then (not with ``--quick``) the throughput: N copies graded with the CLI, ``--jobs 2``, and the same copies the way
many autograders do: one ``pytest`` process per submission, two at a time, each checking the bundled suite without
its ``large`` cases. Prints submissions per second for both, their ratio (bound: at least 3x) and the overhead per
submission over checking it in process (bound: under 0.5 s), each with PASS or FAIL.

    python3 benchmarks/grading.py [N] [--sandbox MODE]... [--breakdown K] [--quick]

Exit status 1 when a bound fails; with ``--quick`` (what .ci/run runs), when the round trips' bound fails (the time
ratio is shown, not gated: a shared machine moves it twofold from run to run). Importable: ``measure(n, jobs)``
returns the throughput figures as a dict, ``breakdown(n, mode)`` the seconds per step.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import shutil
import statistics
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
    ("spawn (waited for)", "dlconform.targets.isolate.target", "start_worker"),  # or taken, started ahead
    ("spawn", "dlconform.targets.isolate.ahead", "_spawn_ahead"),  # in the background: see BACKGROUND
    ("worker stop", "dlconform.targets.isolate.ahead", "_stop_behind"),
    ("batch end: workers left stopped", "dlconform.targets.isolate.ahead", "Lookahead.close"),
    ("start (less spawn and the load request)", "dlconform.targets.isolate.target", "IsolatedTarget._start"),
    ("worker request: ", "dlconform.targets.isolate.spawn", "Worker.request"),  # by its op: load, call
    ("worker request: call", "dlconform.targets.isolate.spawn", "Worker.next_reply"),  # a batch's later replies
    ("reply decoding", "dlconform.targets.isolate.spawn", "unpack_reply"),  # a reply's frame: binary, or JSON
    ("reply decoding", "dlconform.targets.isolate.target", "decode_value"),
    ("reply decoding", "dlconform.targets.isolate.target", "check_call_reply"),
    ("inputs encoding", "dlconform.targets.isolate.batch", "encode_value"),
    ("fresh inputs", "dlconform.targets.isolate.batch", "fresh_inputs"),  # a batch's later calls, built ahead
    ("judging", "dlconform.run.engine", "judge"),
    ("judging", "dlconform.run.engine", "judge_raised"),
    ("fresh inputs", "dlconform.run.engine", "fresh_inputs"),
    ("hints", "dlconform.judge.hints", "with_hints"),
    ("worker stop", "dlconform.targets.isolate.spawn", "Worker.stop"),
    ("report writing", "dlconform.grading.gradebook", "write_outputs"),
)


BACKGROUND = " (background, not in the total)"  # a step run by the grader's own helper threads (ahead.py), beside
# the job: its time is shown, but it is not the job's, so it is left out of the sum that "other" completes
BACKGROUND_THREADS = "dlconform-ahead"


class Timers:
    """Seconds per step, each step's own (time in steps nested in it goes to those), per thread."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.local = threading.local()
        self.lock = threading.Lock()
        self.missing: list[str] = []
        self.counts: dict[str, int] = {}  # calls per step: the worker's requests, by op, are the round trips

    def wrap(self, step: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            name = step + str(args[1].get("op")) if step.endswith(": ") else step  # Worker.request(self, header)
            if threading.current_thread().name.startswith(BACKGROUND_THREADS):
                name += BACKGROUND
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
                    if step.endswith(": "):  # a request, by its op (a batch's later replies are not counted)
                        self.counts[name] = self.counts.get(name, 0) + 1

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


def breakdown(n: int = 5, sandbox: str = "auto", cases: list[Any] | None = None) -> tuple[dict[str, float], list[str]]:
    """Seconds per submission in each step, grading ``n`` copies in this process one at a time; and the steps
    this code no longer has. The total (what the ratio compares) comes from a pass without timers: theirs cost
    1-2 us a call, about 2,900 calls a submission; the steps, and "other", from a second pass with them."""
    from dlconform.format.suite import iter_cases, load_files
    from dlconform.grading import batch as grade  # called through the modules: the timers wrap their attributes
    from dlconform.grading import gradebook

    timers = Timers()
    with tempfile.TemporaryDirectory(prefix="dlconform-bench-") as tmp:
        Path(tmp).chmod(0o755)
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        paths = [str(p) for p in _copies(folder, n + 1)]
        start = time.perf_counter()
        cases = cases or [c for c in iter_cases(load_files()) if "large" not in c.tags]
        load = time.perf_counter() - start
        functions = sorted({c.function for c in cases})
        _graded(grade, paths[:1], cases, sandbox)  # imports and the first worker's one-off costs, untimed
        start = time.perf_counter()
        gradebook.write_outputs(_graded(grade, paths[1:], cases, sandbox), functions, Path(tmp) / "plain")
        plain = time.perf_counter() - start
        undo = timers.install()
        try:
            start = time.perf_counter()
            graded = _graded(grade, paths[1:], cases, sandbox)
            gradebook.write_outputs(graded, functions, Path(tmp) / "out")
            total = time.perf_counter() - start
        finally:
            undo()
    per = {step: seconds / n for step, seconds in timers.seconds.items()}
    per["other"] = total / n - sum(v for step, v in per.items() if not step.endswith(BACKGROUND))
    per["suite load (once per batch, not per submission)"] = load
    per[TIMED_TOTAL] = total / n
    per["total per submission"] = plain / n
    per["call requests per submission (round trips, not seconds)"] = timers.counts.get("worker request: call", 0) / n
    return per, timers.missing


TIMED_TOTAL = "total, with the timers (their cost is in other)"


def _graded(grade: Any, paths: list[str], cases: list[Any], sandbox: str) -> list[Any]:
    """``paths`` graded in this process, one at a time, in sandbox mode ``sandbox``."""
    from dlconform.targets.isolate.spawn import Limits

    return grade.grade_all(paths, cases, grade.GradeSettings(limits=Limits(sandbox=sandbox)))


RATIO_BOUND = 3.0  # a submission graded in the sandbox over the same submission checked in process (issue 22)
TRIPS_BOUND = 30  # call requests per submission (573 cases, 14 functions): one per case again would be 573
ROUND_TRIPS = "call requests per submission (round trips, not seconds)"


def ratios(modes: list[str], n: int) -> dict[str, tuple[dict[str, float], float]]:
    """Per mode: the breakdown of ``n`` submissions and the in-process check's seconds, measured side by side
    (the check before and after each mode's breakdown, its median taken)."""
    from dlconform.format.suite import iter_cases, load_files

    cases = [c for c in iter_cases(load_files()) if "large" not in c.tags]
    checks, out = [_in_process_seconds(), _in_process_seconds()], {}
    for mode in modes:
        per, missing = breakdown(n, mode, cases)
        if missing:
            print(f"  (not found in this code, not timed: {', '.join(missing)})")
        checks.append(_in_process_seconds())
        out[mode] = (per, statistics.median(checks[-3:]))
    return out


def print_ratios(found: dict[str, tuple[dict[str, float], float]], n: int, gate_time: bool = True) -> bool:
    """The steps of each mode side by side, each ratio against its bound and the round trips against theirs;
    whether every gated figure is within (the ratio only with ``gate_time``)."""
    modes = list(found)
    print(f"where a submission's time goes (in this process, one at a time, {n} submissions), ms per submission:")
    print(f"  {'step':58s}" + "".join(f"{m:>10s}" for m in modes))
    steps = sorted(
        {s for per, _ in found.values() for s in per} - {ROUND_TRIPS}, key=lambda s: -found[modes[0]][0].get(s, 0.0)
    )
    for step in steps:
        print(f"  {step:58s}" + "".join(f"{found[m][0].get(step, 0.0) * 1e3:10.1f}" for m in modes))
    ok = True
    for mode, (per, check) in found.items():
        ratio, trips = per["total per submission"] / check, per.get(ROUND_TRIPS, 0.0)
        ok = ok and trips <= TRIPS_BOUND and (ratio <= RATIO_BOUND or not gate_time)
        print(
            f"--sandbox {mode}: {per['total per submission']:.3f} s per submission per job, in process {check:.3f} s: "
            f"{ratio:.2f}x (bound <= {RATIO_BOUND:g})  {'PASS' if ratio <= RATIO_BOUND else 'FAIL'}"
            f"{'' if gate_time else ' (shown, not gated)'}; {trips:.1f} call requests per submission "
            f"(bound <= {TRIPS_BOUND})  {'PASS' if trips <= TRIPS_BOUND else 'FAIL'}"
        )
    return ok


def available(modes: list[str]) -> list[str]:
    """The sandbox modes among ``modes`` that this machine can run (bwrap needs bubblewrap and its namespaces)."""
    from dlconform.targets.isolate.sandbox import SandboxError, resolve

    usable = []
    for mode in modes:
        try:
            resolve(mode, module_target=False)
            usable.append(mode)
        except SandboxError as exc:
            print(f"--sandbox {mode}: not measured here ({str(exc).splitlines()[0][:100]})")
    return usable


def main() -> int:
    """Print the ratio to in-process per sandbox mode with its breakdown, then (unless --quick) the throughput
    against pytest; exit 1 when a bound fails."""
    sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the in-process figure imports the runner
    warnings.simplefilter("ignore")  # the submission's own overflow warnings in the in-process check
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=20, help="submissions for the throughput (default 20)")
    parser.add_argument("--sandbox", action="append", help="a mode to measure (repeatable; default bwrap and uid)")
    parser.add_argument("--breakdown", type=int, default=5, help="submissions per mode in the breakdown (default 5)")
    parser.add_argument(
        "--quick", action="store_true", help="the breakdowns only, gated on round trips alone: what CI runs"
    )
    args = parser.parse_args()
    modes = available(args.sandbox or ["bwrap", "uid"])
    ok = print_ratios(ratios(modes, args.breakdown), args.breakdown, gate_time=not args.quick)
    if args.quick:
        return 0 if ok else 1
    for mode in modes:
        ok = print_throughput(measure(args.n, sandbox=mode), mode) and ok
    return 0 if ok else 1


def print_throughput(f: dict[str, float], sandbox: str) -> bool:
    """The throughput figures of ``measure`` against their bounds; whether both are met."""
    ratio_ok, overhead_ok = f["ratio"] >= 3, f["overhead_per_submission"] < 0.5
    print(f"{f['submissions']} submissions, --jobs {f['jobs']}, --sandbox {sandbox}")
    print(f"dlconform grade:        {f['grade_seconds']:7.2f} s  {f['grade_per_second']:6.2f} submissions/s")
    print(f"pytest per submission:  {f['pytest_seconds']:7.2f} s  {f['pytest_per_second']:6.2f} submissions/s")
    print(f"ratio:                  {f['ratio']:7.2f} x   (bound >= 3)  {'PASS' if ratio_ok else 'FAIL'}")
    print(
        f"overhead per submission: {f['overhead_per_submission']:6.3f} s  (bound < 0.5)  "
        f"{'PASS' if overhead_ok else 'FAIL'}  ({f['seconds_per_submission']:.3f} s per submission per job, "
        f"grader start-up included, {f['in_process_seconds']:.3f} s in process)"
    )
    return ratio_ok and overhead_ok


if __name__ == "__main__":
    sys.exit(main())
