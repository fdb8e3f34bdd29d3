"""Reports people read (issue 12): short by default, every case with -v, the counts with -q, a hint per failing
function, a function the target lacks explained once, -x/--maxfail, Ctrl-C, slow calls, pasteable repro lines,
lean JSON, and no warning of the runner's own on anyone's screen."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dlconform.format.suite import iter_cases, load_files
from dlconform.grading import gradescope
from dlconform.grading.scoring import score
from dlconform.judge.compare import judge
from dlconform.report.jsondoc import every_case
from dlconform.report.markdown import MAX_FAILURES, escape
from dlconform.report.shown import MAX_SHOWN, failing, folded
from dlconform.results import OUTCOMES, CaseResult, Graded, summarize
from dlconform.run.engine import run_cases
from dlconform.run.pipeline import Plan, execute
from dlconform.run.select import select
from dlconform.run.watch import slow_notice

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = ROOT / "tests" / "data" / "students"
HALFWAY = str(STUDENTS / "halfway.py")
WRITTEN = {"sigmoid", "sigmoid_derivative", "relu", "softmax", "L1", "image2vector"}
DEFAULT = select(iter_cases(load_files()))  # what a default run selects: the counts below come from it


def dlconform(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "dlconform", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def halfway_json() -> dict[str, Any]:
    done = dlconform("run", HALFWAY, "--format", "json")
    assert done.returncode == 1
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def halfway_text() -> str:
    done = dlconform("run", HALFWAY)
    assert done.returncode == 1 and done.stderr == ""  # nothing raw on stderr: not the runner's warnings either
    return done.stdout


def sections(text: str) -> dict[str, list[str]]:
    """The text report's function sections (a heading ``name: counts`` and the lines under it), by function."""
    out: dict[str, list[str]] = {}
    for block in text.split("\n\n"):
        lines = block.splitlines()
        match = re.match(r"^(\w+): \d+ passed", lines[0]) if lines else None
        if match:
            assert match.group(1) not in out, f"{match.group(1)} has two sections"
            out[match.group(1)] = lines
    return out


# --- pytest's manners ------------------------------------------------------------------------------------------


def test_a_half_done_file_is_a_short_report_with_a_hint_per_failing_function(halfway_text: str, halfway_json) -> None:
    lines = halfway_text.splitlines()
    assert len(lines) <= 150, len(lines)
    missing = halfway_json["summary"]["not_defined"]
    outcomes = Counter(c["outcome"] for c in every_case(halfway_json) if c["key"].split("::")[0] not in missing)
    assert sorted(c["key"] for c in every_case(halfway_json)) == sorted(c.key for c in DEFAULT)  # every case
    # a function not defined is counted once, by name, not as one error per case (issue 19)
    assert lines[-1] == halfway_json["summary"]["line"] == summarize({o: outcomes[o] for o in OUTCOMES}, missing)
    assert not any(line.lstrip().startswith("PASS ") for line in lines)  # passing cases are not listed
    by_function = sections(halfway_text)
    bad = Counter(c["function"] for c in halfway_json["cases"] if c["outcome"] != "passed")
    failing = set(bad)
    assert set(by_function) == failing - set(missing)
    for function, block in by_function.items():
        if function in WRITTEN:  # a few failing cases, each explained with its hint, then how many more
            listed = [line for line in block if line.startswith(("  FAIL ", "  ERROR "))]
            assert listed and len(listed) <= MAX_SHOWN
            assert any(line.strip().startswith("hint: ") for line in block), function
            folded = sum(len(line.split(", ")) for line in block if line.strip().startswith("also fails @"))
            more = re.match(r"  \.\.\. and (\d+) more failing cases? \(-v shows every case\)$", block[-1])
            assert len(listed) + folded + (int(more.group(1)) if more else 0) == bad[function]  # every one counted
    # the functions not defined: named once, in one block, with one hint in a student's words
    assert sorted(missing) == sorted(failing - WRITTEN) and len(missing) == 8
    (block,) = [b for b in halfway_text.split("\n\n") if b.startswith("not defined: ")]
    assert block.splitlines()[0].startswith(f"not defined: {', '.join(missing)} (")
    assert "define each as a function at the top level of your file" in block
    assert "target has no " not in halfway_text
    clean = [f for f in halfway_json["passed"] if f not in failing]  # functions without a failing case
    assert ("no failures: " in halfway_text) == bool(clean)
    for function in clean:
        assert f"{function} ({len(halfway_json['passed'][function])})" in halfway_text


def test_each_typical_mistake_of_the_half_done_file_is_named(halfway_text: str) -> None:
    for fragment in ("compute s = sigmoid(x) first", "mean instead of sum", "Fortran", "keepdims=True"):
        assert fragment in halfway_text


def test_verbose_lists_every_case(halfway_json) -> None:
    done = dlconform("run", HALFWAY, "-v")
    lines = done.stdout.splitlines()
    status = [ln.split()[:2] for ln in lines if re.match(r"^  (PASS|FAIL|ERROR|SKIP) ", ln)]
    functions = list(dict.fromkeys(c.function for c in DEFAULT))
    in_order = sorted(DEFAULT, key=lambda c: functions.index(c.function))  # by function, each in suite order
    outcome = {c["key"]: c["outcome"] for c in every_case(halfway_json)}
    labels = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "skipped": "SKIP"}
    assert status == [[labels[outcome[c.key]], c.id] for c in in_order]
    assert not any(ln.strip().startswith("also fails @") for ln in lines)  # -v: no case folded into another


def test_quiet_is_the_counts_only(halfway_json) -> None:
    done = dlconform("run", HALFWAY, "-q")
    missing = halfway_json["summary"]["not_defined"]
    defined = [c for c in DEFAULT if c.function not in missing]  # a function not defined is named, not counted
    inside = [c for c in defined if c.level == "inside"]
    passed = {c["key"] for c in every_case(halfway_json) if c["outcome"] == "passed"}
    won = sum(c.key in passed for c in inside)
    beyond = len(passed) - won
    assert done.stdout.splitlines() == [
        f"inside the contract: {won} of {len(inside)} passed; beyond it: {beyond} of {len(defined) - len(inside)}",
        halfway_json["summary"]["line"],
    ]


def test_a_file_that_does_not_parse_is_a_few_lines() -> None:
    done = dlconform("run", str(STUDENTS / "syntax_error.py"))
    assert done.returncode == 1 and done.stderr == ""
    lines = done.stdout.splitlines()
    assert len(lines) <= 10, lines
    assert done.stdout.count("SyntaxError: expected ':' (syntax_error.py, line 6)") == 1
    assert (
        f"none of the {len(DEFAULT)} cases ran:" in lines and lines[-1] == f"0 passed, 0 failed, {len(DEFAULT)} errors"
    )
    assert any("could not be imported" in line for line in lines)


@pytest.mark.parametrize(("option", "failures"), [(["-x"], 1), (["--exitfirst"], 1), (["--maxfail", "3"], 3)])
def test_stop_after_failures_and_say_so(option: list[str], failures: int) -> None:
    done = dlconform("run", HALFWAY, *option, "--format", "json")
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    bad = [c for c in doc["cases"] if c["outcome"] in ("failed", "error")]
    ran = every_case(doc)
    assert len(bad) == failures
    assert {c["key"] for c in ran} == {c.key for c in DEFAULT[: len(ran)]}  # the first cases, in suite order
    assert DEFAULT[len(ran) - 1].key == bad[-1]["key"]  # it stopped right at the last one
    assert doc["stopped"] == (
        f"after {failures} failing case{'s' if failures > 1 else ''} (--maxfail {failures}); "
        f"{len(DEFAULT) - len(ran)} of {len(DEFAULT)} cases not run"
    )
    text = dlconform("run", HALFWAY, *option).stdout
    assert f"stopped early: {doc['stopped']}" in text.splitlines()


def test_markdown_shows_a_few_failures_per_function(halfway_json) -> None:
    md = dlconform("run", HALFWAY, "--format", "markdown").stdout
    assert md.count("target has no ") == 0 and md.count("not defined: ") == 2  # the closing line and the block
    for function in WRITTEN - {"relu", "sigmoid"}:
        assert md.count(f"- **{escape(function)}::") <= MAX_SHOWN
        assert f"more failing cases of {escape(function)} (-v, or the JSON report)" in md
    assert "hint: " in md
    everything = dlconform("run", HALFWAY, "--format", "markdown", "-v").stdout
    shown = sum(c["outcome"] != "passed" for c in halfway_json["cases"] if c["function"] in WRITTEN)
    assert everything.count("- **") == min(shown, MAX_FAILURES)  # up to the cap; the functions not defined: a line


def test_a_variant_failing_as_its_case_does_is_folded_into_it() -> None:
    report = execute(Plan(HALFWAY, tuple(DEFAULT), hints=True))
    bad = failing(report.results)
    kept, also = folded(bad)
    by_key = {r.key: r for r in bad}
    assert also and len(kept) + sum(map(len, also.values())) == len(bad)  # each one kept or folded, once

    def same(a: CaseResult, b: CaseResult) -> bool:
        return all(getattr(a, f) == getattr(b, f) for f in ("outcome", "failure", "level")) and a.details.get(
            "hint"
        ) == b.details.get("hint")

    for key, suffixes in also.items():
        assert all(same(by_key[key], by_key[key + s]) for s in suffixes)
    for r in kept:  # a variant kept on its own fails otherwise, or its case does not fail
        base = by_key.get(r.key.partition("@")[0])
        assert "@" not in r.id or base is None or not same(base, r)


# --- JSON: complete but lean ---------------------------------------------------------------------------------------


def test_a_passing_report_is_lean() -> None:
    done = dlconform("run", str(ROOT / "examples" / "careful.py"), "--format", "json")
    assert done.returncode == 0
    assert len(done.stdout.encode("utf-8")) <= 20_000
    doc = json.loads(done.stdout)
    assert doc["cases"] == [] and sum(map(len, doc["passed"].values())) == doc["summary"]["total"] == len(DEFAULT)
    assert {f"{f}::{i}" for f, ids in doc["passed"].items() for i in ids} == {c.key for c in DEFAULT}  # complete


def test_failing_cases_in_json_carry_their_hint(halfway_json) -> None:
    hinted = {c["function"] for c in halfway_json["cases"] if c["details"].get("hint")}
    failing = {c["function"] for c in halfway_json["cases"] if c["outcome"] != "passed"}
    assert hinted == failing


def test_gradescope_feedback_is_short_with_hints() -> None:
    cases = tuple(select(iter_cases(load_files())))
    report = execute(Plan(HALFWAY, cases, hints=True))
    doc = gradescope.results(Graded(HALFWAY, report, score(report.results)), 1.0)
    tests = {t["name"]: t["output"] for t in doc["tests"]}
    for function in WRITTEN - {"relu", "sigmoid"}:
        assert tests[function].count("\nFAILED ") <= MAX_SHOWN and "hint: " in tests[function]
        assert "Also failing (" in tests[function]
    assert tests["tanh"].count("target has no tanh") == 1


# --- repro lines paste and run ---------------------------------------------------------------------------------------


def test_repro_lines_run_as_pasted(halfway_json) -> None:
    """Pasted into `python -i halfway.py` as printed, each line gives the value the report says it got."""
    chosen = [
        next(c for c in halfway_json["cases"] if c["key"] == "image2vector::article-image"),  # inputs from the suite
        next(c for c in halfway_json["cases"] if c["key"] == "L1::article-vectors"),  # inputs spelled out
    ]
    assert chosen[0]["details"]["repro"].startswith("from dlconform import case_inputs as dlconform_case; ")
    for case in chosen:
        d = case["details"]
        pasted = f"{d['repro']}\nprint('got', float(np.asarray(_)[tuple({d['index']})]))\n"
        done = subprocess.run(
            [sys.executable, "-q", "-i", "halfway.py"],
            input=pasted,
            cwd=STUDENTS,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "Traceback" not in done.stderr, done.stderr
        assert f"got {d['got']!r}" in done.stdout


# --- never silent ----------------------------------------------------------------------------------------------------


def test_a_slow_call_is_named_while_it_runs() -> None:
    (case, *_) = select(iter_cases(load_files()), functions=["relu"])
    stream = io.StringIO()
    with slow_notice(0.1, stream) as notice:
        run_cases([case], lambda _f: lambda x: time.sleep(0.6) or np.maximum(x, 0), watch=notice)
    assert stream.getvalue().startswith(f"dlconform: {case.key} is still running after ")
    assert "--timeout" in stream.getvalue() and stream.getvalue().count("\n") == 1  # once per call


def test_ctrl_c_prints_the_partial_report_and_exits_130(tmp_path: Path) -> None:
    target = tmp_path / "loops.py"
    target.write_text("from dlconform.reference import relu\n\n"
                      "def sigmoid(x):\n    while True:\n        pass\n")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dlconform", "run", str(target), "-f", "relu", "-f", "sigmoid"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killer = threading.Timer(60, proc.kill)  # never hang the tests
    killer.start()
    try:
        assert proc.stderr is not None
        notice = proc.stderr.readline()  # the slow-call notice, a few seconds into the endless call
        assert notice.startswith("dlconform: sigmoid::") and "is still running" in notice
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        killer.cancel()
    assert proc.returncode == 130
    lines = out.splitlines()
    stopped = next(line for line in lines if line.startswith("stopped early: interrupted (Ctrl-C) while running"))
    assert notice.split()[1] in stopped  # the case that hung
    assert lines[-1] == f"{sum(c.function == 'relu' for c in DEFAULT)} passed, 0 failed"  # what ran: relu's cases
    assert err.startswith("dlconform: interrupted (Ctrl-C)")


# --- warnings where they belong --------------------------------------------------------------------------------------


def test_judging_wild_results_warns_nothing() -> None:
    cases = select(iter_cases(load_files()), functions=["sigmoid", "tanh", "softmax", "L2"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for case in cases:
            shape = np.shape(case.expected) if case.expected is not None else ()
            for wild in (1.7e308, -1.7e308, np.inf, np.nan, 5e-324):
                judge(case, np.full(shape, wild))


def test_a_targets_warning_names_the_case_that_raised_it() -> None:
    cases = tuple(select(iter_cases(load_files()), functions=["sigmoid"]))
    report = execute(Plan({"sigmoid": lambda x: 1 / (1 + np.exp(-np.asarray(x, dtype=np.float64)))}, cases))
    (note,) = [w for w in report.warnings if w.startswith("target warned while running")]
    first = next(c.key for c in cases if any(np.ravel(c.args[0]) < -709) and np.isfinite(c.args[0]).all())
    assert "RuntimeWarning: overflow encountered in exp" in note and f"first in {first}" in note


def test_in_a_worker_too_warnings_name_their_case_and_nothing_reaches_stderr() -> None:
    done = dlconform("run", "--isolate", HALFWAY, "-f", "sigmoid", "-f", "softmax", "--format", "json")
    assert done.returncode == 1 and done.stderr == ""
    warned = [w for w in json.loads(done.stdout)["warnings"] if w.startswith("target warned while running")]
    assert warned and "RuntimeWarning: overflow encountered in exp (halfway.py:11) (" in warned[0]
    assert "first in sigmoid::" in warned[0]
    graded = dlconform("grade", HALFWAY, "--assignment", "tutorial", "-f", "softmax")
    assert graded.returncode == 0 and "Warning" not in graded.stderr


# --- small things ----------------------------------------------------------------------------------------------------


def test_one_error_is_singular() -> None:
    assert summarize({"passed": 2, "failed": 0, "error": 1, "skipped": 0}) == "2 passed, 0 failed, 1 error"
    assert summarize({"passed": 0, "failed": 1, "error": 2, "skipped": 0}) == "0 passed, 1 failed, 2 errors"


def test_list_says_why_it_counts_more_than_a_run() -> None:
    done = dlconform("list")
    total = len(list(iter_cases(load_files())))
    default = len(select(iter_cases(load_files())))
    assert done.stdout.splitlines()[-1].endswith(
        f"{total}  ({default} in a default run + {total - default} large, generated at run time, only with -t large)"
    )
