"""Issue 19, parts 3-4: the failures that cost points first, in every format; beyond failures that cost nothing
in one line; a function not defined counted once; run --assignment exits by the grade."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from dlconform import check
from dlconform.grading import gradescope as gs
from dlconform.grading.assignment import load_assignment, score_from_doc, with_score
from dlconform.report import render, render_junit
from dlconform.report.shown import telling
from dlconform.results import Graded, Report

ROOT = Path(__file__).resolve().parent.parent
COURSE = load_assignment("course")


def depth_three(image):
    """image2vector with the depth hard-coded as 3: right for RGB images only."""
    return image.reshape(image.shape[0] * image.shape[1] * 3, 1)


def shifted_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def student() -> dict:
    return {"image2vector": depth_three, "softmax": shifted_softmax}


def report_of(target: dict, assignment: bool) -> Report:
    report = check(target, functions=["image2vector", "softmax", "L1"])
    return with_score(report, COURSE) if assignment else report


def levels_in_order(keys: list[str], report: Report) -> list[tuple[int, int]]:
    by_key = {r.key: r for r in report.results}
    return [telling(by_key[k].level, by_key[k].tags) for k in keys]


def assert_telling_order(keys: list[str], report: Report) -> None:
    """Within each function, the keys come inside first, most telling first."""
    for function in {k.split("::")[0] for k in keys}:
        mine = [k for k in keys if k.startswith(f"{function}::")]
        ranks = levels_in_order(mine, report)
        assert ranks == sorted(ranks), (function, mine)


def text_keys(text: str) -> list[str]:
    keys, function = [], ""
    for line in text.splitlines():
        head = re.match(r"^(\w+): \d+ passed", line)
        if head:
            function = head.group(1)
        case = re.match(r"^  (?:FAIL|ERROR) +(\S+)", line)
        if case:
            keys.append(f"{function}::{case.group(1)}")
    return keys


def test_inside_failures_come_first_in_text_markdown_json_html_junit() -> None:
    report = report_of(student(), assignment=False)
    text = render(report, "text")
    shown = text_keys(text)
    assert "image2vector::core-1d" not in shown[:3]  # the complaint: beyond cases before the telling ones
    inside = [k for k in shown if k.startswith("image2vector::")]
    by_key = {r.key: r for r in report.results}
    assert by_key[inside[0]].level == "inside"
    assert_telling_order(shown, report)
    md = render(report, "markdown")
    assert_telling_order(re.findall(r"^- \*\*(\S+?)\*\* \(", md, flags=re.M), report)
    doc = json.loads(render(report, "json"))
    assert_telling_order([c["key"] for c in doc["cases"]], report)
    root = ET.fromstring(render_junit(report).encode("utf-8"))
    junit = [f"{tc.get('classname').split('.', 1)[1]}::{tc.get('name')}" for tc in root.iter("testcase")]
    assert_telling_order([k for k in junit if k in by_key], report)  # L1, not defined: one testcase
    html = render(report, "html")
    ids = re.findall(r'<strong class="bad">(?:FAILED|ERROR)</strong> <code>([^<]+)</code>', html)
    assert ids, "no case in the page"
    i2v = [f"image2vector::{i}" for i in ids if f"image2vector::{i}" in by_key]
    assert_telling_order(i2v, report)


def test_article_and_core_before_edge_and_stability() -> None:
    assert telling("inside", ("article",)) < telling("inside", ("core",)) < telling("inside", ("edge",))
    assert telling("inside", ("edge",)) < telling("inside", ("stability",)) < telling("beyond", ("article",))


def test_beyond_failures_are_one_line_when_they_carry_no_points() -> None:
    report = report_of({"image2vector": lambda x: x.reshape(-1, 1) if x.ndim == 3 else 1 / 0, **student()}, True)
    text = render(report, "text")
    assert "[beyond the contract" not in text
    assert re.search(r"^  \d+ cases? beyond the assignment fails?: no points; -v lists them$", text, flags=re.M)
    verbose = render(report, "text", verbosity=1)
    assert "[beyond the contract; no points]" in verbose
    md = render(report, "markdown")
    assert "beyond the assignment fail" in md and "beyond the contract" not in md


def test_gradescope_full_marks_show_no_failed_list() -> None:
    def tutorial(v):  # the tutorial's own: right on every 3-D image, wrong beyond the contract (1-D, 4-D)
        return v.reshape(v.shape[0] * v.shape[1] * v.shape[2], 1)

    report = with_score(check({"image2vector": tutorial}, functions=["image2vector"]), COURSE)
    score = score_from_doc(report.score.to_dict() if report.score is not None else None)
    doc = gs.results(Graded("s", report, score), 1.0)
    (test,) = [t for t in doc["tests"] if t["name"] == "image2vector"]
    assert test["score"] == test["max_score"] == 1 and test["status"] == "passed"
    assert "FAILED" not in json.dumps(doc)
    beyond = [t for t in doc["tests"] if "(no points)" in t["name"]]
    assert beyond and all(t["max_score"] == 0 and t["status"] == "passed" for t in beyond)


def test_a_function_not_defined_is_counted_once() -> None:
    report = check({"softmax": shifted_softmax}, functions=["softmax", "dot", "outer"])
    assert report.not_defined == ["dot", "outer"]
    line = report.summary_line()
    assert line.endswith("; not defined: dot, outer") and "errors" not in line.split(";")[0]
    doc = json.loads(render(report, "json"))
    assert doc["summary"]["not_defined"] == ["dot", "outer"] and doc["summary"]["error"] == report.counts()["error"]
    text = render(report, "text")
    assert text.count("not defined: dot, outer") == 2 and "target has no dot" not in text  # the block, the last line
    root = ET.fromstring(render_junit(report).encode("utf-8"))
    assert len([tc for tc in root.iter("testcase") if tc.get("classname") == "dlconform.dot"]) == 1
    md = render(report, "markdown")
    assert "| dot |" not in md and "not defined: dot, outer" in md


def test_library_targets_get_no_student_words() -> None:
    report = check({"softmax": shifted_softmax}, functions=["softmax", "dot"])
    assert "your file" not in render(report, "text")  # a mapping of callables: no file of a student's


def dlconform(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dlconform", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_run_with_an_assignment_exits_by_the_grade() -> None:
    full = dlconform("run", "examples/course.py", "--assignment", "course", "-q")
    assert full.returncode == 0, full.stdout  # full marks, although beyond cases fail
    half = dlconform("run", "tests/data/students/halfway.py", "--assignment", "course", "-q")
    assert half.returncode == 1
    assert (
        dlconform(
            "run", "tests/data/students/halfway.py", "--assignment", "course", "-q", "--fail-under", "1"
        ).returncode
        == 0
    )
    assert (
        dlconform(
            "run", "tests/data/students/halfway.py", "--assignment", "course", "-q", "--fail-under", "7"
        ).returncode
        == 1
    )
    usage = dlconform("run", "examples/course.py", "--fail-under", "1")
    assert usage.returncode == 2 and "--fail-under" in usage.stderr and "Traceback" not in usage.stderr


def test_a_stopped_run_scores_no_function_that_did_not_run() -> None:
    done = dlconform("run", "examples/course.py", "--assignment", "course", "--maxfail", "2", "--format", "json")
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    ran = {c["key"].split("::")[0] for c in doc["cases"]} | set(doc["passed"])
    assert doc["score"]["not_run"] and set(doc["score"]["not_run"]) & set(doc["score"]["functions"]) == set()
    assert doc["score"]["max_points"] == len(doc["score"]["functions"]) < len(COURSE.functions)
    assert set(doc["score"]["not_run"]) >= set(COURSE.functions) - ran


def test_the_readme_says_what_a_plain_run_checks() -> None:
    from dlconform.format.suite import iter_cases, load_files
    from dlconform.run.select import select

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    default = select(iter_cases(load_files()))
    functions = {c.function for c in default}
    course = sum(c.function in COURSE.points for c in default)
    assert f"A plain `run` checks all {len(functions)} functions of the suite, {len(default)} cases" in readme
    assert f"runs\nthe course's eight functions ({course} cases)" in readme and len(COURSE.functions) == 8
    halfway = check(str(ROOT / "tests/data/students/halfway.py"))
    assert f"`{halfway.summary_line()[:40]}" in readme.replace("\n", " ")  # the example line is today's
