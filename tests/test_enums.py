"""Outcomes, levels, failure codes, faults and statuses are enums whose values are the old words: every report
writes the same bytes on Python 3.10, 3.11 and 3.13, and a grading status comes from what the grader saw."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from dlconform.format.suite import iter_cases, load_files
from dlconform.grading.batch import GradeSettings, grade_one
from dlconform.grading.scoring import status
from dlconform.results import CaseResult, Failure, Fault, Level, Outcome, Report, Status
from dlconform.run.baseline import load_baseline
from dlconform.targets.isolate.spawn import Limits

ROOT = Path(__file__).resolve().parents[1]
ENUMS = (Outcome, Level, Failure, Fault, Status)
# The interpreters the package supports, where this machine has them (3.10 with NumPy 2.0, and 3.13); each imports
# the package through the view mypy reads (.ci/view.py builds it: links into the checkout), so no install is needed.
OTHER_PYTHONS = [p for p in ("/var/cache/np20/bin/python", "/var/cache/py313/bin/python") if Path(p).exists()]

# Prints, as one JSON document, every member's str/format/JSON/YAML forms and a report's JSON and baseline files.
SCRIPT = """
import json, sys, yaml
from dlconform.results import CaseResult, Failure, Fault, Level, Outcome, Report, Status
from dlconform.report.jsondoc import render_json
from dlconform.run.baseline import dump_baseline
forms = {}
for enum in (Outcome, Level, Failure, Fault, Status):
    for m in enum:
        forms[f"{enum.__name__}.{m.name}"] = [str(m), f"{m}", f"{m:>16}", json.dumps(m), json.dumps({m: [m]}), m.value]
results = [
    CaseResult("relu", "a", ("core",), Outcome.PASSED),
    CaseResult("relu", "b", ("edge",), Outcome.FAILED, "wrong", Failure.VALUE, level=Level.BEYOND),
    CaseResult("sigmoid", "c", (), Outcome.ERROR, "raised", "raised:KeyError", fault=None),
    CaseResult("sigmoid", "d", (), Outcome.ERROR, "no result", "raised:CallTimeout", fault=Fault.TIMEOUT),
    CaseResult("tanh", "e", (), Outcome.SKIPPED, "unsupported", Failure.UNSUPPORTED),
]
plain = [CaseResult(**{**d, "tags": tuple(d["tags"])}) for d in json.loads(json.dumps([r.to_dict() for r in results]))]
def report(rs):
    return Report({"kind": "file", "spec": "x.py"}, {"python": "any"}, "1.0", rs)
out = {
    "forms": forms,
    "json": render_json(report(results)),
    "json_from_plain": render_json(report(plain)),
    "baseline": dump_baseline(report(results)),
    "baseline_from_plain": dump_baseline(report(plain)),
}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def view(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The installed layout of this checkout, as links (.ci/view.py)."""
    out = tmp_path_factory.mktemp("view")
    subprocess.run([sys.executable, str(ROOT / ".ci" / "view.py"), str(out)], check=True, capture_output=True)
    return out


def _forms(python: str, view: Path) -> dict[str, object]:
    """What ``SCRIPT`` prints under ``python``, the package imported from this checkout."""
    env = {"PYTHONPATH": str(view), "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [python, "-c", SCRIPT], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def here(view: Path) -> dict[str, object]:
    return _forms(sys.executable, view)


def test_members_print_and_serialize_as_their_words(here: dict[str, object]) -> None:
    forms = here["forms"]
    assert isinstance(forms, dict)
    assert len(forms) == sum(len(e) for e in ENUMS)
    for name, (text, formatted, padded, dumped, keyed, value) in forms.items():
        assert text == formatted == value, name
        assert padded == f"{value:>16}", name
        assert json.loads(dumped) == value and type(json.loads(dumped)) is str, name
        assert json.loads(keyed) == {value: [value]}, name


def test_reports_are_the_same_bytes_from_members_and_from_plain_words(here: dict[str, object]) -> None:
    assert here["json"] == here["json_from_plain"]
    assert here["baseline"] == here["baseline_from_plain"]
    doc = json.loads(str(here["json"]))
    words = {(c["outcome"], c["level"], c["failure"]) for c in doc["cases"]}
    assert all(type(w) is str for triple in words for w in triple)
    assert ("failed", "beyond", "value") in words and ("skipped", "inside", "unsupported") in words
    timed = [c for c in doc["cases"] if c["id"] == "d"]
    assert timed and timed[0]["fault"] == "timeout"
    assert all("fault" not in c for c in doc["cases"] if c["id"] != "d")  # no new key where the grader saw nothing
    jsonschema.validate(doc, json.loads((ROOT / "docs" / "report-schema.json").read_text(encoding="utf-8")))


def test_baselines_are_plain_yaml_that_loads_back(here: dict[str, object], tmp_path: Path) -> None:
    text = str(here["baseline"])
    entries = yaml.safe_load(text)
    assert [(e["id"], e["outcome"], e["failure"]) for e in entries] == [
        ("relu::b", "failed", "value"),
        ("sigmoid::c", "error", "raised:KeyError"),
        ("sigmoid::d", "error", "raised:CallTimeout"),
    ]
    path = tmp_path / "baseline.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_baseline(path)
    assert [e.how for e in loaded.entries.values()] == [
        "failed/value",
        "error/raised:KeyError",
        "error/raised:CallTimeout",
    ]


@pytest.mark.parametrize("python", OTHER_PYTHONS)
def test_other_pythons_write_the_same_bytes(here: dict[str, object], view: Path, python: str) -> None:
    assert _forms(python, view) == here


def _report(results: list[CaseResult], load_error: str | None = None) -> Report:
    return Report({"kind": "file", "spec": "s.py", "load_error": load_error}, {}, "1.0", results)


def test_status_comes_from_the_fault_the_grader_saw_not_from_message_words() -> None:
    forged = CaseResult("relu", "a", (), Outcome.ERROR, "raised CallTimeout: took longer", "raised:CallTimeout")
    crashed = CaseResult("relu", "a", (), Outcome.ERROR, "raised WorkerCrash: died", "raised:WorkerCrash")
    assert status(_report([forged])) == Status.GRADED
    assert status(_report([crashed])) == Status.GRADED
    assert status(_report([], load_error="ValueError: importing took longer than 1 s")) == Status.FAILED_TO_LOAD
    timed = CaseResult("relu", "a", (), Outcome.ERROR, "no result", "raised:CallTimeout", fault=Fault.TIMEOUT)
    assert status(_report([timed])) == Status.TIMED_OUT
    assert status(_report([timed], load_error="importing took longer than 1 s")) == Status.TIMED_OUT
    assert status(_report([replace_fault(crashed, Fault.CRASH)])) == Status.CRASHED


def replace_fault(result: CaseResult, fault: Fault) -> CaseResult:
    """``result`` as the grader marks it when it saw ``fault``."""
    return CaseResult(**{**result.to_dict(), "tags": result.tags, "fault": fault})


def _relu_cases() -> tuple:
    return tuple(c for c in iter_cases(load_files()) if c.function == "relu" and "large" not in c.tags)[:3]


SUBMISSIONS = {
    # The student's own exceptions named like the grader's, with the grader's words: graded, not timed out/crashed.
    "forged_call": (
        "class CallTimeout(Exception):\n    pass\n"
        "def relu(x):\n    raise CallTimeout('no result within 1 s (--timeout); importing took longer than 1 s')\n",
        Status.GRADED,
    ),
    # A syntax error's message names the file: this one's name carries the words a timed-out import's message has.
    "importing took longer than 1 s": ("def relu(x) return x\n", Status.FAILED_TO_LOAD),
    "slow_load": ("import time\ntime.sleep(60)\n", Status.TIMED_OUT),
    "slow_call": ("import time\ndef relu(x):\n    time.sleep(60)\n", Status.TIMED_OUT),
}


@pytest.mark.parametrize("name", sorted(SUBMISSIONS))
def test_isolated_status_is_what_the_grader_observed(tmp_path: Path, name: str) -> None:
    source, expected = SUBMISSIONS[name]
    tmp_path.chmod(0o755)
    path = tmp_path / f"{name}.py"  # the name is part of the load error's message
    path.write_text(source, encoding="utf-8")
    graded = grade_one(str(path), _relu_cases(), GradeSettings(limits=Limits(timeout=1.0, memory=1 << 30)))
    assert status(graded.report) == expected
    faults = {r.fault for r in graded.report.results}
    assert faults == ({Fault.TIMEOUT} if expected == Status.TIMED_OUT else {None})
