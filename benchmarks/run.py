"""The performance targets of issue 6, measured side by side in one run: ``python benchmarks/run.py``.

Each measure is repeated and its median reported, with the ratio that the
target bounds. Nothing is written anywhere (the load cache lives in a temporary
folder for the run); ``--markdown`` prints the table as Markdown for
docs/performance.md. Exit status 1 when a target is missed.

- engine: the runner's time per case over the whole bundled suite, in process,
  against the reference, over a bare loop's (call on pre-built arrays, one
  ``np.allclose``): at most 1.5.
- load: parsing and validating the whole suite with a warm cache over a cold
  load: at most 0.1.
- start-up: ``dlconform run dlconform.reference`` as a process, over
  ``python -c "import numpy, yaml, click"``: at most 2, over the whole suite, and over its
  ``article`` cases alone (the fixed cost of a run: imports, loading, the report).
- html extra: a text run (``-t article``) where matplotlib is installed, over the same run with
  matplotlib hidden: at most 1.1 (HTML output imports it only when asked for).
- large: peak memory above the interpreter's baseline while running a large
  case, over the size of its inputs, worst case of the suite's: at most 4. The
  same figure for a bare call of the function is shown beside it.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.memory import measure_large  # noqa: E402


@dataclass
class Row:
    """One line of the table: what was measured, its medians, the ratio and its bound."""

    measure: str
    figures: str
    ratio: float
    bound: float
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.ratio <= self.bound


def median_pair(first: Callable[[], float], second: Callable[[], float], repeat: int) -> tuple[float, float, float]:
    """Medians of two interleaved timings and the median of their per-repetition ratio (second / first)."""
    a, b, r = [], [], []
    for _ in range(repeat):
        x, y = first(), second()
        a.append(x)
        b.append(y)
        r.append(y / x)
    return statistics.median(a), statistics.median(b), statistics.median(r)


def timed(fn: Callable[[], object]) -> Callable[[], float]:
    """A callable returning the seconds one call of ``fn`` takes."""

    def run() -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    return run


def engine_row(repeat: int) -> list[Row]:
    """Runner vs bare loop over the bundled suite (large cases excluded, as in a default run)."""
    from dlconform.api import check
    from dlconform.catalogue import FUNCTIONS
    from dlconform.format.suite import iter_cases, load_files
    from dlconform.run.engine import run_cases
    from dlconform.run.select import select
    from dlconform.targets.open import open_target

    cases = select(iter_cases(load_files()))
    target = open_target("dlconform.reference")
    n = len(cases)

    def bare() -> None:
        for c in cases:
            fn = FUNCTIONS[c.function].impl
            try:
                got = fn(*c.args)
            except Exception:
                continue
            expected = c.expected_any[0] if c.expected_any else c.expected
            np.allclose(got, expected, equal_nan=True)

    rows = []
    for label, runner in (
        ("engine: run_cases", lambda: run_cases(cases, target.resolve)),
        ("engine: dlconform.check()", lambda: check(target, cases=cases)),
    ):
        base, mine, ratio = median_pair(timed(bare), timed(runner), repeat)
        figures = f"{mine / n * 1e6:.1f} us/case vs bare {base / n * 1e6:.1f} us/case ({n} cases)"
        rows.append(Row(label, figures, ratio, 1.5))
    return rows


def load_row(repeat: int) -> Row:
    """The whole suite loaded without the cache and with a warm one (DLCONFORM_CACHE_DIR set by ``main``)."""
    from dlconform.format.suite import load_files

    def cold() -> None:
        os.environ["DLCONFORM_NO_CACHE"] = "1"
        try:
            load_files()
        finally:
            del os.environ["DLCONFORM_NO_CACHE"]

    load_files()  # fill the cache
    cold_s, warm_s, ratio = median_pair(timed(cold), timed(load_files), repeat)
    return Row("load: warm / cold", f"warm {warm_s * 1e3:.1f} ms vs cold {cold_s * 1e3:.1f} ms", ratio, 0.1)


def processes(base: list[str], mine: list[str], repeat: int, cache_dir: str) -> tuple[float, float, float]:
    """Two commands run as processes, interleaved, with a warm load cache: ``median_pair`` of their wall times."""
    env = {**os.environ, "DLCONFORM_CACHE_DIR": cache_dir}

    def process(argv: list[str]) -> Callable[[], float]:
        def go() -> float:
            start = time.perf_counter()
            done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            took = time.perf_counter() - start
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
            return took

        return go

    process(mine)()  # warm the cache
    return median_pair(process(base), process(mine), repeat)


def startup_row(repeat: int, cache_dir: str, label: str, *options: str) -> Row:
    """``dlconform run dlconform.reference [options]`` as a process vs importing numpy, yaml and click."""
    run = [sys.executable, "-m", "dlconform", "run", "dlconform.reference", *options]
    base, mine, ratio = processes([sys.executable, "-c", "import numpy, yaml, click"], run, repeat, cache_dir)
    return Row(label, f"run {mine * 1e3:.0f} ms vs imports {base * 1e3:.0f} ms", ratio, 2.0)


def html_row(repeat: int, cache_dir: str) -> Row:
    """A text run where matplotlib (the html extra) is installed vs the same run with it hidden: at most 1.1."""
    code = "import sys\n{}\nfrom dlconform.cli import main\n"
    code += "sys.argv = ['dlconform', 'run', 'dlconform.reference', '-t', 'article']\nmain()"
    hidden = [sys.executable, "-c", code.format("sys.modules['matplotlib'] = None")]
    installed = [sys.executable, "-c", code.format("")]
    base, mine, ratio = processes(hidden, installed, repeat, cache_dir)
    where = "" if importlib.util.find_spec("matplotlib") else " (matplotlib is not installed here: no figure)"
    figures = f"with matplotlib {mine * 1e3:.0f} ms vs hidden {base * 1e3:.0f} ms (-t article){where}"
    return Row("html extra: text run / without it", figures, ratio, 1.1)


def large_rows(cache_dir: str) -> list[Row]:
    """Peak memory of the suite's largest large cases, run through the runner, over their input size."""
    results = measure_large(cache_dir)
    if not results:
        return [Row("large: peak memory / input", "no large case in the suite", float("inf"), 4.0)]
    worst = max(results, key=lambda r: r.runner_ratio)
    own = max(results, key=lambda r: r.runner_ratio - r.bare_ratio)
    figures = (
        f"{worst.key}: {worst.peak_mb:.0f} MB above baseline for {worst.input_mb:.0f} MB of input "
        f"(a bare call: {worst.bare_ratio:.2f}x)"
    )
    extra = f"{own.key}: {own.runner_ratio - own.bare_ratio:+.2f}x over a bare call"
    return [
        Row("large: peak memory / input (worst case)", figures, worst.runner_ratio, 4.0),
        Row("large: runner's own share (run - bare call)", extra, own.runner_ratio - own.bare_ratio, 4.0),
    ]


def render(rows: list[Row], markdown: bool) -> str:
    """The table, plain or Markdown."""
    head = ("measure", "median figures", "ratio", "target", "result")
    body = [(r.measure, r.figures, f"{r.ratio:.3f}", f"<= {r.bound:g}", "pass" if r.ok else "FAIL") for r in rows]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in body])
    widths = [max(len(str(x[i])) for x in (head, *body)) for i in range(len(head))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in (head, *body))


def main(argv: list[str] | None = None) -> int:
    """Measure every target, print the table; exit 1 when one is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="repetitions per in-process measure (default 15)")
    parser.add_argument("--startup-repeat", type=int, default=9, help="process launches per command (default 9)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--skip-large", action="store_true", help="leave out the (slow) large-input memory check")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.startup_repeat < 1:
        parser.error("repetitions must be at least 1")
    warnings.simplefilter("ignore")  # the reference's own overflow warnings, identical in every loop
    with tempfile.TemporaryDirectory(prefix="dlconform-bench-") as cache_dir:
        os.environ["DLCONFORM_CACHE_DIR"] = cache_dir  # the user's own cache is left alone
        rows = [
            *engine_row(args.repeat),
            load_row(args.repeat),
            startup_row(args.startup_repeat, cache_dir, "start-up: run / imports"),
            startup_row(args.startup_repeat, cache_dir, "start-up: run -t article / imports", "-t", "article"),
            html_row(args.startup_repeat, cache_dir),
        ]
        if not args.skip_large:
            rows.extend(large_rows(cache_dir))
    print(render(rows, args.markdown), flush=True)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs", file=sys.stderr)
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
