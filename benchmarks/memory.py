"""Peak memory of large-input cases, each run in a fresh process, relative to the size of its inputs.

``python benchmarks/memory.py KEY runner|bare`` runs one case (``function::case-id``)
and prints JSON: the inputs' bytes and the peak resident memory above the
process's baseline (taken after imports and loading the suite). ``runner`` runs
it through the engine (fresh inputs, call, mutation check, block-wise judging);
``bare`` only builds the inputs and calls the function, the floor any harness has.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass
class LargeResult:
    """One large case's memory figures, in bytes and as multiples of its input size."""

    key: str
    input_bytes: int
    runner_peak: int
    bare_peak: int

    @property
    def input_mb(self) -> float:
        return self.input_bytes / 1e6

    @property
    def peak_mb(self) -> float:
        return self.runner_peak / 1e6

    @property
    def runner_ratio(self) -> float:
        return self.runner_peak / self.input_bytes

    @property
    def bare_ratio(self) -> float:
        return self.bare_peak / self.input_bytes


def current_rss() -> int:
    """Resident memory now, in bytes (Linux), after resetting the peak counter where the kernel allows."""
    with open("/proc/self/statm") as fh:
        resident = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset VmHWM, the peak resident size, to the current size
    except OSError:
        pass
    return resident


def peak_rss() -> int:
    """Peak resident memory, in bytes: VmHWM where /proc has it, else getrusage."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def run_one(key: str, mode: str) -> dict[str, int]:
    """Run case ``key`` in this process and measure it (see the module docstring)."""
    import warnings

    from dlconform.catalogue import FUNCTIONS
    from dlconform.format.large import Generated
    from dlconform.format.model import fresh_inputs
    from dlconform.format.suite import iter_cases, load_files
    from dlconform.judge.compare import DEFAULTS
    from dlconform.run.engine import run_case

    warnings.simplefilter("ignore")
    case = next(c for c in iter_cases(load_files()) if c.key == key)
    spec = FUNCTIONS[case.function]
    input_bytes = sum(a.nbytes for a in case.args if isinstance(a, Generated))
    gc.collect()
    baseline = current_rss()
    if mode == "runner":
        result = run_case(case, spec.impl, DEFAULTS, spec.params)
        if result.outcome != "passed":
            raise SystemExit(f"{key}: the reference {result.outcome}: {result.message}")
    else:
        spec.impl(*fresh_inputs(case.args))
    return {"input_bytes": input_bytes, "peak": max(0, peak_rss() - baseline)}


OUTGROWS = frozenset({"outer"})  # a result of a.size * b.size elements: the inputs' size bounds nothing


def largest_cases() -> list[str]:
    """Each function's largest large case, by input size; functions whose result outgrows their inputs left out."""
    from dlconform.format.large import LARGE_TAG, Generated
    from dlconform.format.suite import iter_cases, load_files

    best: dict[str, tuple[int, str]] = {}
    for case in iter_cases(load_files()):
        if LARGE_TAG in case.tags and case.function not in OUTGROWS:
            size = sum(a.nbytes for a in case.args if isinstance(a, Generated))
            if size > best.get(case.function, (-1, ""))[0]:
                best[case.function] = (size, case.key)
    return [key for _, key in best.values()]


def measure_large(cache_dir: str) -> list[LargeResult]:
    """Every function's largest large case, each run in fresh processes, through the runner and bare."""
    env = {**os.environ, "DLCONFORM_CACHE_DIR": cache_dir, "PYTHONPATH": str(ROOT)}
    out = []
    for key in largest_cases():
        figures = {}
        for mode in ("runner", "bare"):
            done = subprocess.run(
                [sys.executable, __file__, key, mode], cwd=ROOT, env=env, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise SystemExit(f"memory check of {key} ({mode}) failed: {done.stderr.strip()[-500:]}")
            figures[mode] = json.loads(done.stdout)
        out.append(
            LargeResult(key, figures["runner"]["input_bytes"], figures["runner"]["peak"], figures["bare"]["peak"])
        )
    return out


if __name__ == "__main__":
    print(json.dumps(run_one(sys.argv[1], sys.argv[2])))
