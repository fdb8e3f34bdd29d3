"""Gates that mean what they say (issue 20, point 3): --write-baseline exits 0 once written, the JSON report's
summary.ok is the run's exit status, and a profile's shipped baseline applies under --bind and --dtypes to the
cases it covers, saying in one line what it leaves out."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from dlconform import check
from dlconform.cli import main
from dlconform.errors import DlconformError
from dlconform.run.baseline import load_baseline
from dlconform.run.options import RunOptions
from dlconform.run.planner import make_plan
from dlconform.targets.profiles import load_profile

ROOT = Path(__file__).resolve().parents[1]
CAREFUL = str(ROOT / "examples" / "careful.py")
SCIPY_BASELINE = load_baseline(str(load_profile("scipy").baseline))
NEEDS_SCIPY = pytest.mark.skipif(
    importlib.util.find_spec("scipy") is None, reason="SciPy is not installed (its profile)"
)


def run_json(*args: str) -> tuple[int, dict]:
    """The exit status and the JSON report of ``dlconform run ARGS --format json``."""
    result = CliRunner().invoke(main, ["run", *args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def test_write_baseline_exits_0_once_written_though_cases_failed(tmp_path: Path) -> None:
    path = tmp_path / "known.yaml"
    code, doc = run_json("--bind", "relu=numpy:abs", "-f", "relu")
    assert code == 1 and doc["summary"]["failed"] > 0
    code, doc = run_json("--bind", "relu=numpy:abs", "-f", "relu", "--write-baseline", str(path))
    assert code == 0 and doc["summary"]["ok"] is True
    assert len(load_baseline(path).entries) == doc["summary"]["failed"] + doc["summary"]["error"]


@pytest.mark.parametrize(
    "args",
    [
        ("--bind", "relu=numpy:abs", "-f", "relu"),  # failures, no baseline: 1
        pytest.param(
            ("--profile", "scipy", "-f", "softmax"), marks=NEEDS_SCIPY
        ),  # every failure a known one of the shipped baseline: 0
        pytest.param(
            ("--profile", "scipy", "-f", "softmax", "--strict-baseline"), marks=NEEDS_SCIPY
        ),  # nothing fixed: still 0
        (CAREFUL, "-f", "relu"),  # all passed: 0
        ("dlconform.reference", "--assignment", "tutorial"),  # full marks: 0
        ("dlconform.reference", "--assignment", "tutorial", "--fail-under", "1000"),  # below 1000 points: 1
    ],
)
def test_summary_ok_is_the_exit_status(args: tuple[str, ...]) -> None:
    code, doc = run_json(*args)
    assert doc["summary"]["ok"] is (code == 0)


@NEEDS_SCIPY
def test_the_shipped_baseline_applies_under_bind_to_the_functions_not_rebound() -> None:
    code, doc = run_json("--profile", "scipy", "-f", "sigmoid", "-f", "softmax", "--bind", "sigmoid=numpy:tanh")
    softmax = sum(key.startswith("softmax::") for key in SCIPY_BASELINE.entries)
    sigmoid = sum(key.startswith("sigmoid::") for key in SCIPY_BASELINE.entries)
    assert doc["baseline"]["known"] == softmax > 0  # the profile's softmax failures are still known ones
    assert doc["baseline"]["new"] > 0 and code == 1  # numpy's tanh as sigmoid fails, and no entry excuses it
    note = f"its {sigmoid} entries for sigmoid are left out: --bind replaces the profile's callables they describe"
    assert any(note in w for w in doc["warnings"]), doc["warnings"]


@NEEDS_SCIPY
def test_the_shipped_baseline_applies_under_dtypes_and_says_what_it_does_not_cover() -> None:
    code, doc = run_json("--profile", "scipy", "-f", "sigmoid", "--dtypes", "float16")
    assert doc["baseline"] is not None and doc["baseline"]["path"].endswith("scipy.baseline.yaml")
    notes = [w for w in doc["warnings"] if "run under --dtypes are not covered" in w]
    assert len(notes) == 1 and "an entry covers a case@dtype only when it names it" in notes[0]
    assert code == 1 and doc["summary"]["ok"] is False  # sigmoid::dtype-float16@float16 is no known failure


@NEEDS_SCIPY
def test_an_entry_naming_the_case_in_its_dtype_covers_it(tmp_path: Path) -> None:
    _, doc = run_json("--profile", "scipy", "-f", "sigmoid", "--dtypes", "float16", "-k", "dtype-float16")
    failing = [c for c in doc["cases"] if c["outcome"] in ("failed", "error")]
    assert failing and all("@float16" in c["key"] for c in failing)
    path = tmp_path / "float16.yaml"
    path.write_text(
        "".join(
            f"- {{id: '{c['key']}', reason: r, failure: {c['failure']}, outcome: {c['outcome']}}}\n" for c in failing
        )
    )
    code, doc = run_json("--profile", "scipy", "-f", "sigmoid", "--dtypes", "float16", "-k", "dtype-float16",
                         "--baseline", str(path))  # fmt: skip
    assert code == 0 and doc["baseline"]["known"] == len(failing)


def test_the_baseline_is_planned_before_the_target_opens() -> None:
    plan = make_plan(RunOptions(profile="scipy", functions=("softmax",)))
    assert plan.baseline is not None and plan.baseline_label == str(load_profile("scipy").baseline)
    assert "scipy" not in str(plan.source.__class__)  # the library is not imported yet: the source is Bindings
    with pytest.raises(DlconformError, match="--strict-baseline needs --baseline FILE"):
        make_plan(RunOptions(target=CAREFUL, strict_baseline=True))


@NEEDS_SCIPY
def test_check_reports_its_gate() -> None:
    report = check(profile="scipy", functions=["softmax"])
    assert report.baseline is not None and report.baseline.known > 0
    assert report.gate_passed is True and not report.ok
