"""Grading at scale, shown: ``dlconform grade`` of N mixed submissions with ``--jobs 2``, then the same batch in
four shards merged, checked against the unsharded gradebook.

The submissions are copies with small variations (a comment and a module constant naming the student) of
correct ones (examples/careful.py, examples/tutorial.py), one-bug ones (tests/data/onebug: each gets one function
wrong) and hostile ones (tests/hostile: hangs, crashes, memory bombs, forged replies), in the proportions of
``MIX``. One grading run gives every figure: the elapsed time at each checkpoint of completed submissions (time
linear in the count: the seconds per submission between checkpoints stay level), the grader process's resident
memory at each checkpoint and its peak (``VmHWM``; flat: it does not grow with the count), and the sizes of the
reports it wrote against their bound.

    python3 benchmarks/scale.py [N] [--jobs J] [--no-shards] [--markdown]   # default N = 2000

Prints the figures; exit status 1 when the merged gradebook differs from the unsharded one, a report exceeds its
bound, or the grader fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORRECT = [ROOT / "examples" / "careful.py", ROOT / "examples" / "tutorial.py"]
WRONG = sorted((ROOT / "tests" / "data" / "onebug").glob("*.py"))
HOSTILE = sorted((ROOT / "tests" / "hostile").glob("*.py"))
MIX = (("correct", 0.60), ("wrong", 0.35), ("hostile", 0.05))  # shares of the batch
REPORT_BOUND = 1 << 20  # bytes of one submission's JSON report: 538 cases' bounded messages and 20,000 of output
TIMEOUT = "2"  # --timeout: a hostile hang costs this per function it hangs in
CHECKPOINTS = (0.125, 0.25, 0.5, 1.0)  # of N: 250, 500, 1000, 2000 of 2000


def make_batch(folder: Path, n: int) -> dict[str, int]:
    """``n`` submissions in ``folder``, the kinds interleaved in the proportions of ``MIX`` (so that every stretch
    of the batch has its share of each); how many of each kind."""
    pools = {"correct": CORRECT, "wrong": WRONG, "hostile": HOSTILE}
    pattern = [kind for kind, share in MIX for _ in range(round(share * 20))]  # 20 submissions' worth
    counts = dict.fromkeys(pools, 0)
    for i in range(n):
        kind = pattern[(i * 7) % len(pattern)]  # 7 is prime to 20: each kind spread through the pattern
        source = pools[kind][counts[kind] % len(pools[kind])]
        counts[kind] += 1
        variation = f"\n# submitted by student {i:05d}\nSTUDENT = {i}\n"
        text = source.read_text(encoding="utf-8") + variation
        (folder / f"s{i:05d}_{kind}_{source.stem}.py").write_text(text, encoding="utf-8")
    return counts


@dataclass
class Run:
    """One grading run: elapsed seconds and grader memory at each checkpoint, its peak, and its exit status."""

    seconds: dict[int, float] = field(default_factory=dict)
    rss_kib: dict[int, int] = field(default_factory=dict)
    peak_kib: int = 0
    status: int = 0
    total: float = 0.0


def _memory(pid: int) -> tuple[int, int]:
    """VmRSS and VmHWM of ``pid`` in KiB (0 once it is gone)."""
    found = {"VmRSS:": 0, "VmHWM:": 0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            parts = line.split()
            if parts and parts[0] in found:
                found[parts[0]] = int(parts[1])
    except (OSError, ValueError, IndexError):
        pass
    return found["VmRSS:"], found["VmHWM:"]


def grade(folder: Path, out: Path, jobs: int, marks: set[int], shard: str | None = None) -> Run:
    """``dlconform grade FOLDER --jobs J --out OUT``, timed and its memory read at each count in ``marks``."""
    command = [sys.executable, "-m", "dlconform", "grade", str(folder), "--jobs", str(jobs), "--out", str(out)]
    command += ["--exclude-tag", "large", "--timeout", TIMEOUT, *(["--shard", shard] if shard else [])]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    run, done = Run(), 0
    start = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT, env=env) as proc:
        assert proc.stdout is not None
        for _ in proc.stdout:  # one line per submission, as each is graded
            done += 1
            rss, peak = _memory(proc.pid)
            run.peak_kib = max(run.peak_kib, peak)
            if done in marks:
                run.seconds[done] = time.perf_counter() - start
                run.rss_kib[done] = rss
        run.status = proc.wait()
    run.total = time.perf_counter() - start
    return run


def _rows(gradebook: Path) -> list[str]:
    """A gradebook's lines."""
    return gradebook.read_text(encoding="utf-8").splitlines()


def report_sizes(out: Path) -> list[int]:
    """The byte sizes of the JSON reports in ``out``."""
    return sorted(p.stat().st_size for p in out.glob("*.json"))


def sharded(folder: Path, tmp: Path, jobs: int, shards: int = 4) -> tuple[float, Path]:
    """The batch graded in ``shards`` slices one after the other, then merged; seconds in all and the merged
    folder."""
    start = time.perf_counter()
    outs = []
    for i in range(1, shards + 1):
        outs.append(tmp / f"shard{i}")
        if grade(folder, outs[-1], jobs, set(), f"{i}/{shards}").status not in (0, 1):
            raise SystemExit(f"scale: shard {i}/{shards} failed")
    merged = tmp / "merged"
    command = [sys.executable, "-m", "dlconform", "merge", *map(str, outs), "--out", str(merged)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start, merged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=2000, help="submissions (default 2000)")
    parser.add_argument("--jobs", type=int, default=2, help="grade --jobs (default 2)")
    parser.add_argument("--no-shards", action="store_true", help="leave out the sharded run and the merge")
    args = parser.parse_args()
    marks = {max(1, round(args.n * c)) for c in CHECKPOINTS}
    with tempfile.TemporaryDirectory(prefix="dlconform-scale-") as name:
        tmp = Path(name)
        tmp.chmod(0o755)
        folder = tmp / "submissions"
        folder.mkdir()
        counts = make_batch(folder, args.n)
        print(f"{args.n} submissions ({', '.join(f'{v} {k}' for k, v in counts.items())}), --jobs {args.jobs}")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        run = grade(folder, tmp / "out", args.jobs, marks)
        ok = run.status in (0, 1)  # 1: some submission below full marks, as intended
        print(f"grade: {run.total:.1f} s, exit {run.status}; load average after: {os.getloadavg()[0]:.2f}")
        print("  graded   elapsed s   s per submission since the last   grader RSS MiB")
        last = (0, 0.0)
        for count in sorted(run.seconds):
            rate = (run.seconds[count] - last[1]) / (count - last[0])
            print(f"  {count:6d}   {run.seconds[count]:9.1f}   {rate:31.3f}   {run.rss_kib[count] / 1024:14.1f}")
            last = (count, run.seconds[count])
        print(f"  grader peak RSS (VmHWM): {run.peak_kib / 1024:.1f} MiB")
        first, end = min(run.rss_kib), max(run.rss_kib)
        if end > first:
            slope = (run.rss_kib[end] - run.rss_kib[first]) / 1024 / (end - first)
            print(f"  grader RSS growth from {first} to {end} graded: {slope:.4f} MiB per submission (flat: < 0.01)")
        sizes = report_sizes(tmp / "out")
        within = bool(sizes) and sizes[-1] <= REPORT_BOUND
        ok = ok and within
        print(
            f"reports: {len(sizes)}, median {sizes[len(sizes) // 2]} B, largest {sizes[-1]} B "
            f"(bound {REPORT_BOUND} B: {'PASS' if within else 'FAIL'}), {sum(sizes) / 1e6:.1f} MB in all"
        )
        if not args.no_shards:
            seconds, merged = sharded(folder, tmp, args.jobs)
            whole, parts = _rows(tmp / "out" / "gradebook.csv"), _rows(merged / "gradebook.csv")
            same = whole == parts
            ok = ok and same
            print(f"4 shards graded one after another and merged: {seconds:.1f} s; gradebook equal: {same}")
            for line in sorted(set(whole) ^ set(parts))[:20]:
                print(f"  {'unsharded' if line in whole else 'merged   '}: {line}")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
