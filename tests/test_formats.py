"""Every report format, parsed back and checked against the report it came from."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from dlconform import reference
from dlconform.format.suite import iter_cases, load_files
from dlconform.judge.compare import FAILURES
from dlconform.report import FORMATS, HIDDEN_MESSAGE, render, render_junit
from dlconform.report.jsondoc import every_case
from dlconform.report.shown import MAX_SHOWN, grouped, ordered
from dlconform.results import BASELINE_STATUSES, OUTCOMES, Report
from dlconform.run.baseline import apply_baseline, load_baseline
from dlconform.run.engine import run_cases
from dlconform.targets.resolver import Unavailable

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "docs" / "report-schema.json").read_text(encoding="utf-8"))
NASTY = "bad | input \x01\x1b[31m <b>*bold*</b> `tick` & \ud800"
ALL = list(iter_cases(load_files()))


def pick(function: str, n: int) -> list:
    return [c for c in ALL if c.function == function][:n]


def sloppy_sigmoid(x: Any) -> Any:
    """Right for scalars and vectors; matrices slightly off; NaN for the first element of a 3-D input."""
    out = reference.sigmoid(x)
    if np.ndim(x) == 2:
        return out * (1 + 1e-6)
    if np.ndim(x) == 3:
        out = np.array(out)
        out.flat[0] = np.nan
    return out


def raising(*args: Any) -> Any:
    raise ValueError(NASTY)


def resolver(function: str) -> Any:
    return {
        "sigmoid": sloppy_sigmoid,
        "tanh": raising,
        "relu": Unavailable("this target does not support relu", "skipped", "unsupported"),
    }[function]


def make_report() -> Report:
    cases = pick("sigmoid", 100) + pick("tanh", 3) + pick("relu", 2)
    cases[0] = dataclasses.replace(cases[0], hidden=True)  # passes
    failing_hidden = next(i for i, c in enumerate(cases) if c.function == "sigmoid" and np.ndim(c.args[0]) == 2)
    stem = cases[failing_hidden].id
    cases = [dataclasses.replace(c, hidden=True) if c.id.split("@")[0] == stem else c for c in cases]  # and variants
    return Report(
        target={"kind": "file", "spec": "student.py", "path": "/work/student.py", "module": "m", "version": "1.2"},
        environment={"python": "3.11.7", "numpy": np.__version__, "platform": "Linux"},
        suite_version="0.1.0",
        results=run_cases(cases, resolver),
        warnings=["cell 3 raised ImportError: No module named 'lr_utils'"],
    )


@pytest.fixture
def report() -> Report:
    return make_report()


def test_the_report_has_every_outcome(report: Report) -> None:
    assert all(report.counts()[o] for o in OUTCOMES)
    assert any(r.hidden and r.outcome == "failed" for r in report.results)


# --- text ---------------------------------------------------------------------------------------------------------


def test_text_header_groups_and_last_line(report: Report) -> None:
    text = render(report, "text", verbosity=1)
    lines = text.splitlines()
    assert lines[-1] == report.summary_line()
    assert text.endswith(report.summary_line() + "\n")
    assert lines[0] == "target: student.py (file /work/student.py), version 1.2"
    assert f"numpy {np.__version__}" in lines[1] and "python 3.11.7" in lines[1]
    assert "suite: 0.1.0" in lines
    assert "warning: cell 3 raised ImportError: No module named 'lr_utils'" in lines
    headings = [ln for ln in lines if re.match(r"^\w+: \d+ passed", ln)]
    assert [h.split(":")[0] for h in headings] == ["sigmoid", "tanh", "relu"]
    assert "\x1b" not in text  # not even from the target's own message: control characters are escaped
    assert "bad | input \\x01\\x1b[31m" in text


def test_text_failure_block(report: Report) -> None:
    text = render(report, "text", verbosity=1)
    failed = next(r for r in report.results if r.outcome == "failed" and not r.hidden and r.failure == "value")
    lines = text.splitlines()
    start = lines.index(f"  FAIL  {failed.id}")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("        "))
    block = lines[start:end]
    assert block[1].strip() == f"case: {failed.description}"
    assert block[2].strip() == failed.message
    assert re.match(
        r"max abs error \S+, max rel error \S+(, error in ULP \S+)?( \(largest among .*\))?$", block[3].strip()
    )
    worst = f"worst element (furthest beyond its tolerance) at index {failed.details['index']}: input "
    assert block[4].strip().startswith(worst)
    assert f"got {failed.details['got']!r}, expected {failed.details['expected']!r}" in block[4]
    assert block[-1].strip() == f"repro: {failed.details['repro']}"


def test_text_default_shows_failures_only(report: Report) -> None:
    text = render(report, "text")
    assert "  PASS " not in text and "no failures: relu (0, 2 skipped)" in text
    assert text.splitlines()[-1] == report.summary_line()
    assert render(report, "text", verbosity=-1).splitlines()[-1] == report.summary_line()


def test_text_colour_only_when_asked(report: Report) -> None:
    text = render(report, "text", color=True, verbosity=1)
    assert "\x1b[32m" in text and "\x1b[31m" in text
    assert text.splitlines()[-1] == report.summary_line()


def test_nan_got_is_spelled(report: Report) -> None:
    nan = next(r for r in report.results if r.failure == "nan")
    assert "got nan" in render(report, "text")
    if nan.details["failing_values"] == 1:  # the figures are over the failing values: a NaN has none (issue 19)
        assert "max_abs_error" not in nan.details


# --- JSON ---------------------------------------------------------------------------------------------------------


def load_strict(text: str) -> Any:
    def refuse(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def test_json_is_strict_and_valid(report: Report) -> None:
    doc = load_strict(render(report, "json"))
    jsonschema.validate(doc, SCHEMA)
    assert {k: doc["summary"][k] for k in OUTCOMES} == report.counts()
    assert doc["summary"]["total"] == len(report.results) and doc["summary"]["line"] == report.summary_line()
    assert doc["summary"]["ok"] is False
    passing = [r for r in report.results if r.outcome == "passed"]  # lean: a passing case is its id, by function
    assert doc["passed"] == {
        f: [r.id for r in passing if r.function == f] for f in dict.fromkeys(r.function for r in passing)
    }
    others = [r for r in report.results if r.outcome != "passed"]  # every other case in full, in the order it ran
    assert [c["key"] for c in doc["cases"]] == [r.key for r in others]
    assert sorted(c["key"] for c in every_case(doc)) == sorted(r.key for r in report.results)
    assert doc["target"] == report.target and doc["warnings"] == report.warnings and doc["baseline"] is None
    nan = next(c for c in doc["cases"] if c.get("failure") == "nan")
    assert nan["details"]["got"] == "nan"
    for case, r in zip(doc["cases"], others, strict=True):
        message = r.message.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate, escaped
        assert (case["function"], case["id"], case["outcome"], case["message"]) == (
            r.function,
            r.id,
            r.outcome,
            message,
        )
        assert case["tags"] == list(r.tags)


def test_json_non_finite_everywhere(report: Report) -> None:
    details = {"max_abs_error": float("inf"), "got": np.float32(-np.inf), "expected": float("nan"), "index": [0]}
    r = dataclasses.replace(report.results[0], outcome="failed", details=details, duration=float("nan"))
    doc = load_strict(render(dataclasses.replace(report, results=[r, *report.results[1:]]), "json"))
    assert doc["cases"][0]["details"] == {"max_abs_error": "inf", "got": "-inf", "expected": "nan", "index": [0]}
    assert doc["cases"][0]["duration"] == "nan"


def test_schema_rejects_a_wrong_document(report: Report) -> None:
    doc = load_strict(render(report, "json"))
    doc["cases"][0]["outcome"] = "sort of"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, SCHEMA)


# --- Markdown -----------------------------------------------------------------------------------------------------


def test_markdown_counts_table_and_failures(report: Report) -> None:
    md = render(report, "markdown")
    assert f"**{report.summary_line()}**" in md
    rows = [ln for ln in md.splitlines() if ln.startswith("| ")]
    assert rows[0] == "| function | passed | failed | error | skipped |"
    assert [row.split(" | ")[0][2:] for row in rows[1:]] == ["sigmoid", "tanh", "relu", "**total**"]
    for row in rows:
        assert row.count("|") - row.count("\\|") == 6
    failing = [r for r in report.results if r.outcome in ("failed", "error")]
    per_function = Counter(r.function for r in failing)
    assert md.count("\n- **") == sum(min(n, MAX_SHOWN) for n in per_function.values())  # a few per function
    everything = render(report, "markdown", verbosity=1)
    assert everything.count("\n- **") == len(failing)  # -v: every one
    visible = next(r for r in failing if not r.hidden and r.failure == "value")
    assert f"repro: `{visible.details['repro']}`" in everything


def test_markdown_escapes_target_text(report: Report) -> None:
    md = render(report, "markdown")
    assert "<b>" not in md and "&lt;b&gt;" in md
    assert "bad \\| input" in md
    assert "\\*bold\\*" in md and "\\`tick\\`" in md


# --- JUnit --------------------------------------------------------------------------------------------------------


OUTCOME_CHILDREN = ("failure", "error", "skipped")  # a testcase without one of these passed


def test_every_junit_testcase_says_its_level(report: Report) -> None:
    root = ET.fromstring(render_junit(report).encode("utf-8"))
    levels = [tc.find("properties/property[@name='level']").get("value") for tc in root.iter("testcase")]
    assert levels == [r.level for r in junit_order(report)]


def junit_order(report: Report) -> list:
    """The results as JUnit lists them: by function, in the order every report shows failures; a function not
    defined as one testcase (issue 19)."""
    missing = report.not_defined
    return [
        r for rs in grouped(report.results).values() for r in (rs[:1] if rs[0].function in missing else ordered(rs))
    ]


def junit_counts(root: ET.Element) -> dict[str, int]:
    return {
        "passed": sum(1 for tc in root.iter("testcase") if all(tc.find(k) is None for k in OUTCOME_CHILDREN)),
        "failed": len(list(root.iter("failure"))),
        "error": len(list(root.iter("error"))),
        "skipped": len(list(root.iter("skipped"))),
    }


def test_junit_parses_and_counts_match(report: Report) -> None:
    xml = render_junit(report)
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "testsuites"
    c = {**report.counts(), "error": report.counts()["error"] + len(report.not_defined)}  # one per function
    assert junit_counts(root) == c
    assert root.get("tests") == str(len(junit_order(report)))
    assert (root.get("failures"), root.get("errors"), root.get("skipped")) == tuple(
        str(c[k]) for k in ("failed", "error", "skipped")
    )
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["sigmoid", "tanh", "relu"]
    for suite in suites:
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        assert {tc.get("classname") for tc in cases} == {f"dlconform.{suite.get('name')}"}
    names = [tc.get("name") for tc in root.iter("testcase")]
    assert names == [r.id if r.function not in report.not_defined else "not-defined" for r in junit_order(report)]
    for element in (*root.iter("failure"), *root.iter("error"), *root.iter("skipped")):
        assert element.get("message")


def test_junit_escapes_control_characters(report: Report) -> None:
    root = ET.fromstring(render_junit(report).encode("utf-8"))
    error = next(root.iter("error"))
    assert (
        error.get("message")
        == "raised ValueError at test_formats.py:48: bad | input \\x01\\x1b[31m <b>*bold*</b> `tick` & \\xd800"
    )
    assert "repro: tanh(" in (error.text or "")


# --- hidden cases -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [*FORMATS, "junit"])
def test_hidden_cases_show_only_pass_or_fail(report: Report, fmt: str) -> None:
    hidden = [r for r in report.results if r.hidden]
    out = render_junit(report, redact_hidden=True) if fmt == "junit" else render(report, fmt, redact_hidden=True)
    for r in hidden:
        for secret in (r.description, r.details.get("repro"), r.message):
            if secret:
                assert secret not in out
    assert HIDDEN_MESSAGE in out
    shown = render_junit(report) if fmt == "junit" else render(report, fmt)
    assert hidden[1].details["repro"] in shown  # the same report, not redacted


def test_hidden_cases_in_json_keep_outcome(report: Report) -> None:
    doc = load_strict(render(report, "json", redact_hidden=True))
    jsonschema.validate(doc, SCHEMA)
    hidden_keys = [r.key for r in report.results if r.hidden]
    hidden = [c for c in every_case(doc) if c["key"] in hidden_keys]
    assert hidden[0] == {"key": hidden_keys[0], "outcome": "passed"}
    assert [c["outcome"] for c in hidden[1:]] == ["failed"] * (len(hidden) - 1)  # a case and its variants
    for failed in hidden[1:]:
        assert failed["hidden"] and failed["details"] == {} and failed["description"] == "" and failed["failure"] == ""
        assert failed["message"] == HIDDEN_MESSAGE
    assert {k: doc["summary"][k] for k in OUTCOMES} == report.counts()


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_encodes_as_utf8(report: Report, fmt: str) -> None:
    assert render(report, fmt).encode("utf-8")
    assert render_junit(report).encode("utf-8")


def test_unknown_format(report: Report) -> None:
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        render(report, "pdf")


# --- baseline status ----------------------------------------------------------------------------------------------


def test_baseline_status_in_every_format(report: Report, tmp_path: Path) -> None:
    failing = [r for r in report.results if r.outcome in ("failed", "error") and not r.hidden]
    known, changed = failing[0], failing[-1]
    passing = next(r for r in report.results if r.outcome == "passed" and not r.hidden)
    path = tmp_path / "baseline.yaml"
    path.write_text(
        f"- {{id: '{known.key}', reason: r, failure: '{known.failure}', outcome: {known.outcome}}}\n"
        f"- {{id: '{changed.key}', reason: r, failure: not-nan, outcome: failed}}\n"
        f"- {{id: '{passing.key}', reason: r, failure: value, outcome: failed}}\n"
        "- {id: 'sigmoid::gone', reason: r, failure: value, outcome: failed}\n",
        encoding="utf-8",
    )
    report, _ = apply_baseline(report, load_baseline(path))
    failing = [r for r in report.results if r.outcome in ("failed", "error") and not r.hidden]
    text = render(report, "text", verbosity=1)
    assert f"{known.id}  [known failure]" in text
    assert f"{changed.id}  [fails differently than the baseline says (baseline: not-nan)]" in text
    assert f"{passing.id}  [fixed: passes but is in the baseline]" in text
    new = next(r for r in failing[1:-1] if r.baseline_status == "new")
    assert f"{new.id}  [new failure]" in text
    assert "stale baseline entry (no such case in the suite): sigmoid::gone" in text
    assert text.splitlines()[-1] == report.summary_line()
    md = render(report, "markdown", verbosity=1)
    assert f"**{known.key}** ({known.outcome}, known failure)" in md.replace("\\", "")
    doc = load_strict(render(report, "json"))
    jsonschema.validate(doc, SCHEMA)
    statuses = {c["key"]: c.get("baseline_status", "") for c in every_case(doc)}
    assert (statuses[known.key], statuses[changed.key], statuses[passing.key], statuses[new.key]) == (
        "known",
        "changed",
        "fixed",
        "new",
    )
    assert doc["baseline"]["stale"] == ["sigmoid::gone"]
    root = ET.fromstring(render_junit(report).encode("utf-8"))
    counts = report.counts()
    expected = {**counts, known.outcome: counts[known.outcome] - 1, "skipped": counts["skipped"] + 1}
    assert junit_counts(root) == expected  # a known failure is written as skipped, like pytest's xfail


def test_default_text_counts_known_failures_and_shows_what_changed(report: Report, tmp_path: Path) -> None:
    failing = [r for r in report.results if r.outcome in ("failed", "error") and not r.hidden]
    passing = next(r for r in report.results if r.outcome == "passed" and not r.hidden)
    entries = [f"- {{id: '{r.key}', reason: r, failure: '{r.failure}', outcome: {r.outcome}}}" for r in failing]
    entries.append(f"- {{id: '{passing.key}', reason: r, failure: value, outcome: failed}}")
    path = tmp_path / "baseline.yaml"
    path.write_text("\n".join(entries) + "\n", encoding="utf-8")
    gated, _ = apply_baseline(report, load_baseline(path))
    text = render(gated, "text")
    assert f"{passing.id}  [fixed: passes but is in the baseline]" in text  # news: shown
    assert not any(f"{r.id}  [known failure]" in text for r in failing)  # expected: counted only
    known = sum(r.function == "sigmoid" for r in failing)
    assert f"  {known} known failures, as the baseline expects (-v shows them)" in text.splitlines()
    assert "known failures, as the baseline expects (-v shows them)" in render(gated, "markdown")


def test_docs_list_every_failure_code_and_status() -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "reports.md").read_text(encoding="utf-8")
    for code in FAILURES:
        assert f"`{'raised:Name' if code == 'raised' else code}`" in docs
    assert SCHEMA["$defs"]["case"]["properties"]["baseline_status"]["enum"] == ["", *BASELINE_STATUSES]


def test_text_and_markdown_show_the_contract_level() -> None:
    """The course's softmax fails only beyond its contract: every report says so, per case and in total."""
    from dlconform.api import check

    report = check(str(Path(__file__).resolve().parents[1] / "examples" / "course.py"), functions=["softmax"])
    inside = [r for r in report.results if r.level == "inside"]
    beyond = [r for r in report.results if r.level == "beyond"]
    assert inside and all(r.outcome == "passed" for r in inside) and any(r.outcome != "passed" for r in beyond)
    text = render(report, "text").splitlines()
    passed_beyond = sum(r.outcome == "passed" for r in beyond)
    assert (
        text[-2]
        == f"inside the contract: {len(inside)} of {len(inside)} passed; beyond it: {passed_beyond} of {len(beyond)}"
    )
    failing = next(r for r in beyond if r.outcome != "passed")
    assert any(line.strip().endswith(f"{failing.id}  [beyond the contract]") for line in text)
    assert f"**{failing.key}** ({failing.outcome}, beyond the contract)" in render(report, "markdown")
