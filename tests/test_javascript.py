"""The JavaScript adapter and TensorFlow.js: a JS implementation checked with the same verdicts as a Python file.

Skipped, with the reason, where Node.js is not installed (.ci/run installs it), and the TensorFlow.js tests where
`npm ci` has not been run in adapters/tfjs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from dlconform.format.suite import iter_cases, load_files
from dlconform.run.pipeline import Plan, execute
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.open import Adapter

ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node")
ADAPTER = ROOT / "adapters" / "javascript" / "adapter.js"
EXAMPLE = ROOT / "adapters" / "javascript" / "example" / "tutorial.js"
TFJS = ROOT / "adapters" / "tfjs"
BASELINE = TFJS / "tfjs.baseline.yaml"
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed (Debian package nodejs)")
NEEDS_TFJS = pytest.mark.skipif(
    not (TFJS / "node_modules" / "@tensorflow" / "tfjs-core").is_dir(),
    reason="TensorFlow.js is not installed: run `npm ci` in adapters/tfjs",
)
LIMITS = Limits(timeout=10.0, memory=1 << 30)


def every_case():
    return tuple(c for c in iter_cases(load_files()) if "large" not in c.tags)


def js(tmp_path: Path, source: str) -> str:
    """The adapter command for a JS module with ``source``."""
    path = tmp_path / "solution.js"
    path.write_text(source, encoding="utf-8")
    return f"{NODE} {ADAPTER} {path}"


def check(command: str, selected=None):
    return execute(Plan(Adapter(command), selected or every_case(), isolation=LIMITS))


def test_the_student_style_example_passes_every_inside_case_it_can_run():
    report = check(f"{NODE} {ADAPTER} {EXAMPLE}")
    inside = [r for r in report.results if r.level != "beyond"]
    bad = [r.key for r in inside if r.outcome in ("failed", "error")]
    assert not bad
    skipped = [r for r in inside if r.outcome == "skipped"]
    assert len(inside) - len(skipped) > 350
    reasons = ("does not take float", "nested arrays cannot", "not exact as a JavaScript number")
    assert all(any(reason in r.message for reason in reasons) for r in skipped)
    fails = {r.key for r in report.results if r.outcome == "failed"}  # the tutorial's textbook formulas, in JS too
    assert {
        "tanh::edge-infinities",
        "sigmoid_derivative::stability-tail-positive",
    } <= fails


def test_a_wrong_js_implementation_fails_as_it_would_in_python(tmp_path):
    command = js(tmp_path, "exports.relu = (x) => (Array.isArray(x) ? x.map(Math.abs) : Math.abs(x));\n")
    cases = tuple(c for c in every_case() if c.key == "relu::core-mixed-signs")
    (result,) = check(command, cases).results
    assert result.outcome == "failed" and result.failure == "value"


def test_conventions_dtype_rule_wrapping_errors_and_output(tmp_path):
    source = """
class ValueError extends Error { constructor(m) { super(m); this.name = 'ValueError'; } }
exports.multiply = (a, b) => { console.log('multiplying'); return a.map((v, i) => v * b[i]); };
exports.L1 = () => { throw new ValueError('lengths differ'); };
exports.normalize_rows = () => undefined;
"""
    wanted = {
        "multiply::edge-int8-wraps",
        "multiply::core-square",
        "L1::raises-length-mismatch",
        "normalizeRows::core-square",
    }
    cases = tuple(c for c in every_case() if c.key in wanted)
    assert len(cases) == len(wanted)
    report = check(js(tmp_path, source), cases)
    by_key = {r.key: r for r in report.results}
    assert by_key["multiply::edge-int8-wraps"].outcome == "passed"  # int8 in, int8 out, wrapped as NumPy wraps
    assert by_key["L1::raises-length-mismatch"].outcome == "passed"  # the thrown error's name is its type
    assert by_key["normalizeRows::core-square"].failure == "not-array"  # found under its alias; undefined is no array
    assert any("multiplying" in w for w in report.warnings)  # console.log went to stderr, into the report
    missing = check(js(tmp_path, source), tuple(c for c in every_case() if c.function == "softmax")[:1])
    assert missing.results[0].failure == "missing"


def test_a_module_that_fails_to_load_is_the_targets_load_error(tmp_path):
    report = check(js(tmp_path, "exports.sigmoid = (x => ;\n"), every_case()[:3])
    assert all(r.failure == "import-error" and "SyntaxError" in r.message for r in report.results)


def test_values_reach_js_exactly(tmp_path):
    """NaN, infinities, -0.0 and subnormals survive the trip both ways (identity through the adapter)."""
    from dlconform.targets.adapter.target import AdapterTarget

    values = np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, 2.2250738585072014e-308, 1 / 3])
    with AdapterTarget(js(tmp_path, "exports.relu = (x) => x;\n"), LIMITS) as target:
        back = target.call("relu", values)
    assert back.dtype == np.float64 and back.tobytes() == values.tobytes()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dlconform", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


@NEEDS_TFJS
@pytest.mark.parametrize("dtypes", [(), ("--dtypes", "float32")])
def test_tensorflow_js_meets_its_shipped_baseline(dtypes, tmp_path):
    out = tmp_path / "tfjs.json"
    done = cli("run", "--adapter", "node adapters/tfjs/adapter.js", *dtypes, "--baseline", str(BASELINE), "--format", "json", "-o", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["target"]["adapter"]["name"] == "tfjs" and report["target"]["version"] == "4.22.0"
    assert report["summary"]["passed"] > (250 if dtypes else 30)


def test_the_html_report_plots_a_failing_js_function(tmp_path):
    out = tmp_path / "report.html"
    command = f"node {ADAPTER} {EXAMPLE}"
    done = cli("run", "--adapter", command, "-f", "tanh", "--format", "html", "-o", str(out))
    assert done.returncode == 1, done.stderr[-2000:]  # the tutorial's exp formula fails beyond the contract
    page = out.read_text(encoding="utf-8")
    assert "<svg" in page and "tanh" in page
