"""`grade --adapter`: a folder of JavaScript submissions graded with every grade feature, each broken submission
that submission's grade only; what an adapter is not given (--perf, large cases) is refused in one line."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dlconform.grading.errors import GradeError
from dlconform.grading.submissions import adapter_suffixes
from dlconform.targets.adapter.confine import TemplateError, check_template
from dlconform.targets.adapter.target import AdapterError, split_command
from dlconform.targets.isolate.spawn import Limits

from tests.sandboxes import uid_cannot_run_adapter

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = "node adapters/javascript/adapter.js {submission}"
EXAMPLE = ROOT / "adapters" / "javascript" / "example" / "tutorial.js"
NEEDS_NODE = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
BROKEN = {
    "syntax.js": "module.exports = { sigmoid: x => ; \n",
    "throws.js": "throw new Error('broken on load');\n",
    "missing.js": "module.exports = { tanh: Math.tanh };\n",
    "loops.js": "exports.sigmoid = x => { for (;;) {} };\n",
    "floods.js": "exports.sigmoid = x => { require('fs').writeSync(1, '{'.repeat(1 << 26)); return 0.5; };\n",
}
STATUS = {
    "good.js": "graded",
    "syntax.js": "failed to load",
    "throws.js": "failed to load",
    "missing.js": "graded",
    "loops.js": "timed out",
    "floods.js": "crashed",  # 64 MB on fd 1, no newline: a line over the reply limit breaks the protocol
}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dlconform", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The shipped student-style example as good.js, and a submission broken each way."""
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copyfile(EXAMPLE, subs / "good.js")
    for name, text in BROKEN.items():
        (subs / name).write_text(text)
    (subs / "notes.py").write_text("print('not a JavaScript submission')\n")  # not collected with a .js adapter
    return subs


def gradebook(folder: Path) -> dict[str, dict[str, str]]:
    with open(folder / "gradebook.csv", encoding="utf-8") as book:
        return {Path(row["submission"]).name: row for row in csv.DictReader(book)}


@NEEDS_NODE
@pytest.mark.parametrize("sandbox", ["uid", "bwrap"])
def test_a_folder_of_js_submissions_each_broken_one_its_own_grade(folder, tmp_path, sandbox):
    if sandbox == "bwrap":
        from dlconform.targets.isolate.sandbox import unavailable

        if unavailable():
            pytest.skip(f"--sandbox bwrap: {unavailable()}")
    if os.geteuid() != 0 and sandbox == "uid":
        pytest.skip("a non-root grader's uid mode runs submissions as the grader")
    if sandbox == "uid" and uid_cannot_run_adapter("uid"):
        pytest.skip(uid_cannot_run_adapter("uid"))
    out = tmp_path / "out"
    done = cli(
        "grade", str(folder), "--adapter", TEMPLATE, "-f", "sigmoid", "--timeout", "3", "-j", "2",
        "--sandbox", sandbox, "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = gradebook(out)
    assert {name: row["status"] for name, row in rows.items()} == STATUS
    assert rows["good.js"]["score"] == rows["good.js"]["max_score"] == "1"
    assert all(rows[name]["score"] == "0" for name in BROKEN)
    report = json.loads((out / next(p for p in os.listdir(out) if "syntax" in p)).read_text())
    assert "SyntaxError" in report["target"]["load_error"] and report["target"]["spec"].endswith("syntax.js")
    looped = json.loads((out / next(p for p in os.listdir(out) if "loops" in p)).read_text())
    assert "no result within 3 s" in looped["cases"][0]["message"]
    assert not any(c["details"].get("hint") for c in looped["cases"])  # the hints speak Python: none for JS


@NEEDS_NODE
def test_shards_merge_into_the_whole_grade_with_the_assignments_points(folder, tmp_path):
    if uid_cannot_run_adapter():
        pytest.skip(uid_cannot_run_adapter())
    whole, parts = tmp_path / "whole", [tmp_path / "one", tmp_path / "two"]
    common = ["--adapter", TEMPLATE, "--assignment", "tutorial", "--timeout", "3"]
    assert cli("grade", str(folder), *common, "--out", str(whole)).returncode == 0
    for index, part in enumerate(parts, 1):
        assert cli("grade", str(folder), *common, "--shard", f"{index}/2", "--out", str(part)).returncode == 0
    merged = tmp_path / "merged"
    assert cli("merge", *map(str, parts), "--out", str(merged)).returncode == 0
    assert (merged / "gradebook.csv").read_text() == (whole / "gradebook.csv").read_text()
    good = gradebook(whole)["good.js"]
    assert good["score"] == good["max_score"] == "14"  # the example keeps full marks in the tutorial assignment


def test_the_template_must_name_the_submission_and_a_program(folder):
    limits = Limits(sandbox="uid")
    with pytest.raises(TemplateError, match=r"\{submission\}"):
        check_template(["node", "adapters/javascript/adapter.js"], limits)
    with pytest.raises(AdapterError, match="no such program"):
        split_command("no-such-node-here {submission}")
    done = cli("grade", str(folder), "--adapter", "node adapters/javascript/adapter.js", "-f", "sigmoid")
    assert done.returncode == 2 and done.stderr.strip().count("\n") <= 2 and "{submission}" in done.stderr


def test_submissions_are_the_files_of_the_adapters_language():
    assert adapter_suffixes(TEMPLATE, None) == (".js",)
    assert adapter_suffixes(TEMPLATE, "mjs") == (".mjs",) == adapter_suffixes(TEMPLATE, ".mjs")
    assert adapter_suffixes(None, None) == (".py", ".ipynb")
    with pytest.raises(GradeError, match="--adapter-ext"):
        adapter_suffixes("node {submission}", None)


@NEEDS_NODE
def test_perf_and_large_cases_are_refused_for_an_adapter_in_one_line(folder):
    if uid_cannot_run_adapter():  # grade checks that its uid can read the adapter first
        pytest.skip(uid_cannot_run_adapter())
    runs = [
        ("run", "--adapter", f"node adapters/javascript/adapter.js {EXAMPLE}", "-f", "sigmoid", "--perf"),
        ("run", "--adapter", f"node adapters/javascript/adapter.js {EXAMPLE}", "-f", "sigmoid", "-t", "large"),
        ("grade", str(folder), "--adapter", TEMPLATE, "-f", "sigmoid", "-t", "large"),
    ]
    for args in runs:
        done = cli(*args)
        errors = [line for line in done.stderr.splitlines() if line.startswith("dlconform: error")]
        assert done.returncode == 2 and len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
        assert ("--perf" if "--perf" in args else "large cases") in errors[0]


@NEEDS_NODE
@pytest.mark.parametrize("sandbox", ["uid", "bwrap"])
def test_an_adapter_kept_in_a_private_temporary_folder(tmp_path, sandbox):
    """bwrap gives the adapter a private /tmp, yet shows the adapter's own folder there; a root grader's uid mode
    refuses, in one line before any submission runs, an adapter its uid cannot read (pytest's folder is 0700)."""
    if sandbox == "bwrap":
        from dlconform.targets.isolate.sandbox import unavailable

        if unavailable():
            pytest.skip(f"--sandbox bwrap: {unavailable()}")
    adapter = tmp_path / "adapter"
    shutil.copytree(EXAMPLE.parents[1], adapter, ignore=shutil.ignore_patterns("example"))
    (tmp_path / "subs").mkdir()
    shutil.copyfile(EXAMPLE, tmp_path / "subs" / "good.js")
    out = tmp_path / "out"
    template = f"node {adapter / 'adapter.js'} {{submission}}"
    done = cli(
        "grade", str(tmp_path / "subs"), "--adapter", template, "-f", "sigmoid", "--sandbox", sandbox,
        "--out", str(out),
    )  # fmt: skip
    if sandbox == "uid" and os.geteuid() == 0:
        errors = [line for line in done.stderr.splitlines() if line.startswith("dlconform: error")]
        assert done.returncode == 2 and len(errors) == 1 and "cannot read" in errors[0], done.stderr
        assert not (out / "gradebook.csv").exists()
        return
    assert done.returncode == 0, done.stderr
    assert gradebook(out)["good.js"]["score"] == "1", done.stdout


@NEEDS_NODE
def test_gradescope_and_html_outputs_for_js_submissions(folder, tmp_path):
    """What instructors upload and read works the same for an adapter: Gradescope's results.json for one
    submission, and with --html a page per submission (no Python hints) and the class index."""
    if uid_cannot_run_adapter():
        pytest.skip(uid_cannot_run_adapter())
    results = tmp_path / "results.json"
    one = cli("grade", str(folder / "good.js"), "--adapter", TEMPLATE, "--assignment", "tutorial", "--gradescope",
              str(results))  # fmt: skip
    assert one.returncode == 0, one.stderr
    gradescope = json.loads(results.read_text())
    assert gradescope["score"] == 14 and {t["status"] for t in gradescope["tests"]} == {"passed"}
    out = tmp_path / "out"
    done = cli("grade", str(folder), "--adapter", TEMPLATE, "-f", "sigmoid", "--timeout", "3", "--html", "--out",
               str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    pages = {p.stem.rsplit("_subs_")[-1]: p.read_text() for p in out.glob("*.html") if p.name != "index.html"}
    assert set(pages) == set(STATUS), sorted(pages)
    assert "SyntaxError" in pages["syntax.js"] and "no result within 3 s" in pages["loops.js"]
    assert "top level of your file" not in pages["missing.js"]  # the hints speak Python: none for JS
    index = (out / "index.html").read_text()
    assert all(name in index for name in STATUS)
