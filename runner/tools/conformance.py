"""``dlconform conformance``: the published results page, docs/conformance.md, generated, never edited.

For each subject (the tutorial's own code, the reference, SciPy, PyTorch on the
CPU, JAX, the Array API through array-api-strict, and TensorFlow.js through its adapter, its float cases run in
float32 as ``--dtypes float32`` runs them) it runs the bundled suite
and the accuracy sweep, and writes: versions, pass/fail per function and tag,
the failing cases, worst ULP per function and dtype, and the findings the
numbers show (NaN where the exact value is a number, ...). A subject whose
library is not installed is listed as such. Nothing in the page depends on the
clock, so regenerating on the same versions reproduces it byte for byte; the page names the CPU, libm and NumPy
SIMD level it was measured on, and rounds each worst-ULP figure to a coarse grid (``rounded_ulp``) so that another
machine's libm, a few tenths of an ULP apart, writes the same page. ``--format html`` writes the same
comparison as a page (docs/conformance.html) with a plot per swept function of each subject's error in ULP.
"""

from __future__ import annotations

import importlib
import math
import platform
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.environment import environment
from dlconform.errors import DlconformError
from dlconform.report.page import esc
from dlconform.results import FAILING, OUTCOMES, Outcome, Report
from dlconform.targets.base import Target
from dlconform.targets.open import Bindings, open_target
from dlconform.targets.resolver import Unavailable
from dlconform.tools import accuracy
from dlconform.version import __version__

TAGS: tuple[str, ...] = ("article", "course", "core", "dtype", "edge", "stability")
DTYPES: tuple[str, ...] = ("float16", "float32", "float64")
PROFILES: tuple[tuple[str, str], ...] = (
    ("reference", "numpy"),
    ("SciPy", "scipy"),
    ("PyTorch (CPU)", "torch"),
    ("JAX (CPU)", "jax"),
    ("Array API (array-api-strict)", "array_api"),
)
TFJS = ("TensorFlow.js (CPU)", Path(__file__).resolve().parents[2] / "adapters" / "tfjs")  # in a source checkout
COMMAND = "dlconform conformance -o docs/conformance.md"
HTML_COMMAND = "dlconform conformance --format html -o docs/conformance.html"


@dataclass
class Subject:
    """One implementation on the page: its label, how it loaded, its suite report and accuracy rows."""

    label: str
    target: Target | None = None
    missing: str = ""
    report: Report | None = None
    rows: list[accuracy.Row] = field(default_factory=list)


def _opener(source: Path | Bindings) -> Callable[[], Target]:
    """A loader for a target file (the tutorial's code) or a built-in profile."""
    return lambda: open_target(source)


def _tfjs() -> Target:
    """TensorFlow.js through adapters/tfjs (docs/protocol.md); a DlconformError where Node.js or tfjs is missing."""
    import shutil

    from dlconform.targets.open import Adapter

    folder = TFJS[1]
    if shutil.which("node") is None or not (folder / "node_modules" / "@tensorflow" / "tfjs-core").is_dir():
        raise DlconformError(f"needs Node.js and `npm ci` in {folder.name}/ of a source checkout (adapters/tfjs)")
    return open_target(Adapter(f"node {folder / 'adapter.js'}"))


def subjects(tutorial: Path) -> list[tuple[str, Callable[[], Target]]]:
    """The page's subjects in order: the tutorial's code, every built-in library profile, then TensorFlow.js."""
    profiles = [(label, _opener(Bindings(name))) for label, name in PROFILES]
    return [("tutorial code", _opener(tutorial)), *profiles, (TFJS[0], _tfjs)]


def evaluate(label: str, load: Callable[[], Target], points: int) -> Subject:
    """Load one subject, run the suite (TensorFlow.js's float cases in float32) and the accuracy sweep on it."""
    from dlconform.api import check
    from dlconform.format.suite import iter_cases, load_files
    from dlconform.run.dtypes import expand

    try:
        target = load()
    except DlconformError as exc:  # a library that is not installed, a missing tutorial file
        return Subject(label, missing=str(exc))
    cases = None
    if label == TFJS[0]:  # tfjs computes in float32: its float cases run as `--dtypes float32` runs them
        cases = expand([c for c in iter_cases(load_files()) if "large" not in c.tags], (np.dtype("float32"),))
    report = check(target, cases=cases)
    rows = accuracy.measure(target.resolve, accuracy.SWEPT, [np.dtype(d) for d in DTYPES], points)
    return Subject(label, target, report=report, rows=rows)


def _cell(results: list) -> str:
    """``passed/total`` for the cases of one function and tag; ``skip`` when all skipped, blank when none."""
    if not results:
        return ""
    ran = [r for r in results if r.outcome != Outcome.SKIPPED]
    if not ran:
        return "skip"
    passed = sum(r.outcome == Outcome.PASSED for r in ran)
    return f"{passed}/{len(ran)}" + (" ✓" if passed == len(ran) else "")


def _tag_table(report: Report) -> list[str]:
    """Pass/fail per function (rows) and tag (columns)."""
    lines = ["| function | " + " | ".join(TAGS) + " |", "|---|" + "---|" * len(TAGS)]
    for function in FUNCTIONS:
        mine = [r for r in report.results if r.function == function]
        cells = [_cell([r for r in mine if tag in r.tags]) for tag in TAGS]
        lines.append(f"| {function} | " + " | ".join(cells) + " |")
    return lines


def _escape(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _failures(report: Report) -> list[str]:
    """The failing and erroring cases, one bullet each, folded away."""
    bad = [r for r in report.results if r.outcome in FAILING]
    if not bad:
        return []
    lines = [f"<details><summary>{len(bad)} failing cases</summary>", ""]
    lines += [f"- `{r.key}` ({r.failure or r.outcome}): {_escape(r.message)[:200]}" for r in bad]
    return [*lines, "", "</details>"]


def _ulp(row: accuracy.Row | None) -> str:
    """One cell of the worst-ULP table."""
    if row is None:
        return ""
    if row.status != "measured":
        return row.status
    text = rounded_ulp(row.max_ulp)
    if row.nan_where_finite:
        text += f", NaN ×{row.nan_where_finite}"
    if row.wrong_special:
        text += f", wrong inf/NaN ×{row.wrong_special}"
    if row.flushed:
        text += f", flushed ×{row.flushed}"
    if row.result_dtype and row.result_dtype != row.dtype:
        text += f" (returns {row.result_dtype})"
    return text


def rounded_ulp(value: float | None) -> str:
    """A worst-ULP figure on a grid no finer than 1 ULP, so that libms a few tenths of an ULP apart print the same:
    ``0`` exact, ``≤1`` up to 1 (correctly or faithfully rounded), ``≤2``, ``≤4``, ``≤8``, ``≤16``, then two
    significant digits (64, 510, 2.0e+03). Only a figure within half an ULP of a grid edge can still move."""
    if value is None:
        return "-"
    if value == 0:
        return "0"
    if value <= 16:
        return f"≤{2 ** max(0, math.ceil(math.log2(value)))}"
    digits = f"{float(f'{value:.2g}'):.1e}"
    return digits if value >= 1000 else str(int(float(digits)))


def measured_on() -> str:
    """The machine a page was measured on, as far as it moves ULP figures: CPU, libm, NumPy's SIMD level, versions."""
    env = environment()
    libc, version = platform.libc_ver()
    libm = f"{libc} {version} libm" if libc else f"the {platform.system() or 'system'} libm"
    return (
        f"Measured on {_cpu()} ({env.get('machine') or '?'}; NumPy's SIMD kernels at {_simd()}), {libm}, "
        f"Python {env.get('python', '?')}, NumPy {env.get('numpy', '?')}, {platform.system() or '?'}."
    )


def _cpu() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform`` says."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or "an unnamed CPU"


def _simd() -> str:
    """The highest of NumPy's SIMD dispatch targets this CPU runs (its float32 exp/tanh kernels depend on it)."""
    umath = importlib.import_module("numpy._core._multiarray_umath")  # NumPy 2's home of the CPU dispatch tables
    features = getattr(umath, "__cpu_features__", {})
    targets = [t for t in getattr(umath, "__cpu_dispatch__", []) if features.get(t)]
    return targets[-1] if targets else "its baseline"


def _worst_cells(done: list[Subject]) -> tuple[list[Subject], list[tuple[str, str, list[str]]]]:
    """The subjects with accuracy rows, and for each swept function and dtype their worst-ULP cells (plain text)."""
    measured = [s for s in done if s.rows]
    cells = [
        (f, d, [_ulp(next((r for r in s.rows if r.function == f and r.dtype == d), None)) for s in measured])
        for f in accuracy.SWEPT
        for d in DTYPES
    ]
    return measured, cells


def _ulp_table(done: list[Subject]) -> list[str]:
    """Worst ULP per function and dtype (rows) and subject (columns)."""
    measured, cells = _worst_cells(done)
    lines = [
        "| function | dtype | " + " | ".join(s.label for s in measured) + " |",
        "|---|---|" + "---|" * len(measured),
    ]
    lines += [f"| {f} | {d} | " + " | ".join(_escape(c) for c in row) + " |" for f, d, row in cells]
    return lines


def _loaded_from(s: Subject) -> tuple[str, str, str]:
    """Where a loaded subject came from: ``profile`` or ``file``, the profile's or file's name, and the library
    and version its report header gives."""
    info = s.report.target if s.report is not None else {}
    version = " ".join(str(info[k]) for k in ("library", "version") if info.get(k))
    if "profile" in info:
        return "profile", str(info["profile"]), version
    if info.get("kind") == "adapter":
        return (
            "adapter",
            str(info["spec"]).split()[-1].split("/adapters/", 1)[-1],
            f"{info['adapter']['name']} {version}",
        )
    return "file", Path(str(info.get("path", info.get("spec", "")))).name, version


def _grouped(rows: list[accuracy.Row]) -> str:
    """``function (dtype, dtype)`` for each function among the rows, in sweep order."""
    by_function: dict[str, list[str]] = {}
    for r in rows:
        by_function.setdefault(r.function, []).append(r.dtype)
    return ", ".join(f"{f} ({', '.join(d)})" for f, d in by_function.items())


def findings(done: list[Subject]) -> list[str]:
    """Facts the numbers show, one bullet per subject: NaN where the exact value is a number, large errors."""
    out: list[str] = []
    for s in done:
        if s.report is None:
            continue
        counts = s.report.counts()
        facts = [f"{counts['passed']} cases pass, {counts['failed']} fail, {counts['error']} error"]
        nan = [r for r in s.rows if r.nan_where_finite]
        if nan:
            facts.append(f"NaN where the exact value is a number in {_grouped(nan)}")
        lost = [r for r in s.rows if r.max_ulp is not None and r.max_ulp >= 2.0 ** (np.finfo(r.dtype).nmant - 1)]
        if lost:
            facts.append(
                f"a relative error of 50% or more (typically 0 returned for a small normal result) in {_grouped(lost)}"
            )
        big = [r for r in s.rows if r.max_ulp is not None and 16 < r.max_ulp < 2.0 ** (np.finfo(r.dtype).nmant - 1)]
        if big:
            facts.append(f"more than 16 ULP off in {_grouped(big)}")
        if not (nan or lost or big) and any(r.status == "measured" for r in s.rows):
            facts.append("within 16 ULP everywhere it was swept")
        out.append(f"- **{s.label}**: " + "; ".join(facts) + ".")
    return out


def render(done: list[Subject], points: int) -> str:
    """The whole page as markdown."""
    lines = [
        "# Conformance and accuracy of the tutorial's code and of libraries",
        "",
        f"Generated by `{COMMAND}` (dlconform {__version__}); do not edit by hand.",
        measured_on(),
        "",
        "Pass/fail comes from the bundled vector suite (cases judged as `dlconform run` judges them); the",
        f"ULP figures from `dlconform accuracy` sweeps of {points:,} points per function and dtype (float16",
        "elementwise: all 65,536 values) against the reference evaluated in extended precision.",
        "",
        "## Subjects",
        "",
        "| subject | loaded | version | passed | failed | errors | skipped |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in done:
        if s.report is None:
            lines.append(f"| {s.label} | not available: {_escape(s.missing)} | | | | | |")
            continue
        kind, name, version = _loaded_from(s)
        where = f"{kind} `{name}`" if kind in ("profile", "adapter") else f"`{name}`"
        c = s.report.counts()
        lines.append(
            f"| {s.label} | {where} | {version} | {c['passed']} | {c['failed']} | {c['error']} | {c['skipped']} |"
        )
    lines += ["", "## Findings", "", *findings(done), "", "## Worst error in ULP per function and dtype", ""]
    lines += [
        "Max ULP over the sweep, rounded up to a power of two to 16 (`≤1`: correctly or faithfully rounded) and to",
        "two significant digits beyond, so that a libm a few tenths of an ULP apart gives the same page; `NaN ×n`:",
        "NaN where the exact value is a number; `wrong inf/NaN ×n`: an infinity",
        "or NaN where the exact value differs; `flushed ×n`: 0 where the exact value is subnormal, not in the max",
        "(see `dlconform accuracy` for medians and worst inputs). Subnormal results are measured in their own ULPs.",
        "Errors are measured against the exact value of the function at the (rounded) input: float64 softmax",
        "computes exp(x - max), and the rounding of x - max, amplified by exp, costs every uncompensated float64",
        "implementation hundreds of ULP in entries far below the row maximum (the reference keeps x - max exact).",
        "A figure of 2^(p-1) ULP or more (p the dtype's significand bits) means no correct digit: for example 0",
        "returned where the exact value is tiny but normal.",
        "",
        *_ulp_table(done),
        "",
        "## Pass/fail per function and tag",
        "",
        "Cells: passed/run; ✓ all pass; `skip`: the subject lists the function as unsupported.",
    ]
    for s in done:
        if s.report is None:
            continue
        lines += ["", f"### {s.label}", "", *_tag_table(s.report)]
        failures = _failures(s.report)
        if failures:
            lines += ["", *failures]
    return "\n".join(lines) + "\n"


def render_html(done: list[Subject], points: int) -> str:
    """The page as HTML: the subjects, the findings, each swept function's error in ULP per subject as a plot
    (float64, the curve of the HTML report, in each subject's own process), and the worst-ULP table."""
    from dlconform.report import plots
    from dlconform.report.page import figure, page, table
    from dlconform.run.curves import curve

    loaded = [s for s in done if s.report is not None and s.target is not None]
    body = [
        "<h1>Conformance and accuracy of the tutorial's code and of libraries</h1>",
        f'<p class="muted">Generated by <code>{esc(HTML_COMMAND)}</code> (dlconform {esc(__version__)}). '
        f"{esc(measured_on())} The same results as tables, with every failing case: conformance.md.</p>",
        "<h2>Subjects</h2>",
        table(["subject", "loaded", "passed", "failed", "errors", "skipped"], map(_subject_row, done), 2),
        "<h2>Findings</h2>",
        "<ul>",
        *(f"<li>{_strong(esc(line.removeprefix('- ')))}</li>" for line in findings(done)),
        "</ul>",
        "<h2>Error in ULP across each function's domain</h2>",
    ]
    for function in accuracy.SWEPT:
        found = [(s.label, s.target.resolve(function)) for s in loaded]  # type: ignore[union-attr]
        curves = [(label, None if isinstance(fn, Unavailable) else curve(function, fn)) for label, fn in found]
        caption = (
            f"{function} in float64: the error in ULP of each subject against the exact value, subnormal values in "
            "their own ULPs (a zero where the exact value is subnormal peaks); x at the top: NaN "
            f"where the exact value is a number; the dashed line: {plots.WRONG_ULP:g} ULP."
        )
        body.append(figure(plots.ulp_comparison_figure(function, curves), caption))
    measured, cells = _worst_cells(done)
    rows = [[esc(f), esc(d), *map(esc, row)] for f, d, row in cells]
    body += [
        "<h2>Worst error in ULP per function and dtype</h2>",
        f"<p>Max ULP over sweeps of {points:,} points per function and dtype (float16 elementwise: all 65,536 "
        "values), rounded up to a power of two to 16 and to two significant digits beyond; NaN ×n: NaN where the "
        "exact value is a number.</p>",
        table(["function", "dtype", *(esc(s.label) for s in measured)], rows, text_columns=2),
    ]
    return page("dlconform: conformance of the tutorial's code and of libraries", body)


def _subject_row(s: Subject) -> list[str]:
    """A subject's row of the HTML page's first table: what was loaded (or why not) and its counts."""
    if s.report is None:
        return [esc(s.label), f"not available: {esc(s.missing)}", "", "", "", ""]
    kind, name, version = _loaded_from(s)
    where = f"{kind} {name}" if kind in ("profile", "adapter") else name
    counts = s.report.counts()
    return [esc(s.label), esc(f"{where} {version}".strip())] + [str(counts[k]) for k in OUTCOMES]


def _strong(text: str) -> str:
    """Markdown's **bold** in an escaped line as HTML."""
    return re.sub(r"[*][*](.+?)[*][*]", r"<strong>\1</strong>", text)


def build(
    tutorial: Path, points: int = accuracy.DEFAULT_POINTS, only: Iterable[str] | None = None, fmt: str = "markdown"
) -> str:
    """Evaluate every subject (or those whose label is in ``only``) and render the page (markdown or html)."""
    wanted = set(only) if only is not None else None
    done = [evaluate(label, load, points) for label, load in subjects(tutorial) if wanted is None or label in wanted]
    return render_html(done, points) if fmt == "html" else render(done, points)
