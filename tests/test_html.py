"""The HTML report as a person sees it: a plot per failing function, nothing outside the file, a page that renders.

The pages are parsed with html.parser; the screenshot test renders one in headless Chromium (Debian's
``chromium``, installed by .ci/run) and is skipped, saying so, where it is absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from dlconform.api import check
from dlconform.catalogue import FUNCTIONS
from dlconform.format.suite import bundled_dir, iter_cases, load_files
from dlconform.grading.batch import GradeSettings, grade_all
from dlconform.grading.errors import GradeError
from dlconform.grading.gradebook import merge, report_name, write_outputs
from dlconform.grading.submissions import take_shard
from dlconform.report import HIDDEN_MESSAGE
from dlconform.report.shown import also_line, folded
from dlconform.run.curves import curve, failing_functions, has_curve
from dlconform.run.pipeline import Plan, execute
from dlconform.targets.isolate.spawn import Limits

ROOT = Path(__file__).resolve().parents[1]
FAST = Limits(timeout=5.0, memory=1 << 30)
MISTAKES = """

def tanh(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


def relu(x):
    return np.abs(x)


def softmax(x):
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)


def L1(yhat, y):
    return np.mean(np.abs(y - yhat))
"""


class Page(HTMLParser):
    """What a reader meets in a page: its elements' attributes, each section's svg count, the visible text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.plots: dict[str, int] = {}
        self.section: str | None = None
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "section":
            self.section = str(attributes.get("id", "")).removeprefix("f-")
            self.plots[self.section] = 0
        elif tag == "svg" and self.section is not None:
            self.plots[self.section] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.section = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def outside(self) -> list[str]:
        """Every reference that leaves the page: src/href/xlink:href not starting with #, and external tags."""
        found = []
        for tag, attrs in self.tags:
            if tag in ("script", "link", "img", "iframe", "object", "embed"):
                found.append(f"<{tag}>")
            for name, value in attrs.items():
                if name in ("src", "href", "xlink:href", "srcset", "action") and not str(value).startswith("#"):
                    found.append(f"{tag} {name}={value}")
        return found


@pytest.fixture(scope="module")
def student(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The careful implementation with four textbook mistakes: tanh by exp, relu as abs, softmax unshifted, L1 mean."""
    folder = tmp_path_factory.mktemp("student")
    folder.chmod(0o755)  # a confined worker reads it
    path = folder / "student.py"
    path.write_text((ROOT / "examples" / "careful.py").read_text(encoding="utf-8") + MISTAKES, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def page(student: Path) -> str:
    out = student.parent / "report.html"
    done = cli("run", str(student), "--format", "html", "-o", str(out))
    assert done.returncode == 1, done.stderr
    return out.read_text(encoding="utf-8")


def suite_cases(*functions: str) -> list:
    """The bundled cases of ``functions``, without the large ones (10^7 elements)."""
    files = load_files([bundled_dir()])
    return [c for c in iter_cases(files) if c.function in functions and "large" not in c.tags]


def cli(*args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    """``dlconform ARGS`` in a fresh interpreter, after running ``prelude`` there."""
    code = f"import sys\n{prelude}\nfrom dlconform.cli import main\nsys.argv = ['dlconform', *sys.argv[1:]]\nmain()"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_every_failing_function_has_its_plot(page: str, student: Path) -> None:
    wrong = failing_functions(check(str(student)).results)
    assert sorted(wrong) == ["L1", "relu", "softmax", "tanh"]  # the four mistakes, and nothing else
    parsed = Page(page)
    assert {f for f, n in parsed.plots.items() if n} == set(wrong)
    assert all(n == 1 for f, n in parsed.plots.items() if f in wrong)
    assert len(page.encode("utf-8")) < 5 * 1024 * 1024


def test_the_page_keeps_to_itself(page: str) -> None:
    parsed = Page(page)
    assert parsed.outside() == []
    assert "url(http" not in page and "@import" not in page and "@font-face" not in page
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in parsed.tags
    assert "@media print" in page


def test_failing_cases_are_folded_with_their_repro(page: str, student: Path) -> None:
    parsed = Page(page)
    details = [attrs for tag, attrs in parsed.tags if tag == "details"]
    assert details and all("open" not in attrs for attrs in details)
    text = "".join(parsed.text)
    report = check(str(student))
    shown, also = folded([r for r in report.results if r.outcome in ("failed", "error")])
    assert also  # layout variants that fail as their case does are named under it, not repeated
    for r in shown:
        if r.outcome == "failed":
            assert f"repro: {r.details['repro']}" in text
    for variants in also.values():
        assert also_line(variants) in text
    assert report.summary_line() in text


def test_a_function_the_target_lacks_is_explained_once(tmp_path: Path) -> None:
    target = tmp_path / "only_sigmoid.py"
    target.write_text("from dlconform.reference import sigmoid\n", encoding="utf-8")
    out = tmp_path / "report.html"
    assert cli("run", str(target), "-f", "sigmoid", "-f", "dot", "--format", "html", "-o", str(out)).returncode == 1
    text = out.read_text(encoding="utf-8")
    count = len(suite_cases("dot"))
    # named once, under the summary, with no section or table row of its own (issue 19: counted once)
    assert text.count(f"<p>not defined: dot ({count} cases not run)</p>") == 1
    assert '<section id="f-dot">' not in text and '<a href="#f-dot">' not in text


def test_curves_mark_nan_where_the_textbook_formula_overflows(student: Path) -> None:
    namespace: dict[str, object] = {}
    exec(MISTAKES, {"np": np}, namespace)
    s = curve("tanh", namespace["tanh"])  # type: ignore[arg-type]
    nan = np.isnan(s.got)
    with np.errstate(over="ignore"):
        overflows = ~np.isfinite(np.exp(np.abs(s.x)))
    assert nan.any() and np.array_equal(nan, overflows)
    assert np.nanmax(s.ulp[~nan]) < 16 and np.nanmax(s.reference_ulp) < 2
    assert s.seconds < 1.0


@pytest.mark.parametrize("function", [f for f in FUNCTIONS if has_curve(f)])
def test_the_reference_curves_are_clean(function: str) -> None:
    s = curve(function, FUNCTIONS[function].impl)
    assert s.message == "" and s.x.size and s.seconds < 1.0
    assert np.array_equal(np.isnan(s.got), np.isnan(s.exact))
    # float64 softmax: the rounding of x - max, amplified by exp, costs hundreds of ULP (docs/conformance.md)
    assert np.nanmax(s.ulp) < (1000 if function == "softmax" else 16)


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        (lambda x: "a string", "no curve: the call returned"),
        (lambda x: np.zeros(3), "shape (3,)"),
        (lambda x: x.astype(complex), "complex128"),
        (lambda x: 1 / 0, "no curve: the call raised ZeroDivisionError"),
    ],
)
def test_a_curve_that_cannot_be_plotted_says_why(returned, message: str) -> None:
    s = curve("sigmoid", returned)
    assert message in s.message and s.x.size == 0


def test_curves_are_measured_in_the_worker(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    spy = tmp_path / "spy.py"
    spy.write_text("import os\nimport numpy as np\ndef relu(x):\n    return x * 0 + os.getpid()\n", encoding="utf-8")
    cases = suite_cases("relu")
    report = execute(Plan(str(spy), tuple(cases), isolation=FAST, curves=True))
    (s,) = report.curves or []
    pids = set(s.got.tolist())
    assert len(pids) == 1 and pids != {float(os.getpid())}


def test_a_workers_unplottable_curve_is_refused_in_the_parent(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    liar = tmp_path / "liar.py"
    liar.write_text(
        "import numpy as np\ndef relu(x):\n    return np.abs(x) if np.size(x) < 100 else np.zeros(7)\n",
        encoding="utf-8",
    )
    cases = suite_cases("relu")
    report = execute(Plan(str(liar), tuple(cases), isolation=FAST, curves=True))
    (s,) = report.curves or []
    assert "returned float64 of shape (7,)" in s.message and s.x.size == 0


@pytest.mark.parametrize("command", ["run", "grade"])
def test_html_needs_no_matplotlib(command: str, student: Path, tmp_path: Path) -> None:
    """The figures are written as SVG text: a page is made where matplotlib cannot be imported, and none imports it."""
    if command == "grade":
        args, written = ["grade", str(student), "--out", str(tmp_path / "out"), "--html", "-f", "relu"], "out"
    else:
        args, written = ["run", str(student), "-f", "relu", "--format", "html", "-o", str(tmp_path / "page.html")], ""
    done = cli(*args, prelude="sys.modules['matplotlib'] = None")
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    pages = list((tmp_path / written).glob("*.html"))
    assert pages and all("<svg" in p.read_text(encoding="utf-8") for p in pages)
    seen = cli(*args, prelude="import atexit\natexit.register(lambda: print('matplotlib' in sys.modules))")
    assert seen.returncode == done.returncode and seen.stdout.rstrip().endswith("False")


def test_grade_html_needs_out() -> None:
    done = cli("grade", str(ROOT / "examples" / "careful.py"), "--html")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "--html writes its pages into --out DIR" in done.stderr


def test_grade_pages_redact_hidden_cases_and_the_index_links_them(student: Path, tmp_path: Path) -> None:
    cases = [replace(c, hidden=c.function == "relu") for c in suite_cases("relu", "L1", "sigmoid")]
    graded = grade_all(
        [str(student), str(ROOT / "examples" / "careful.py")], cases, GradeSettings(limits=FAST, curves=True)
    )
    functions = ["relu", "L1", "sigmoid"]
    write_outputs(graded, functions, tmp_path / "out", html=True)
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    parsed = Page(index)
    links = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert links == [report_name(s).removesuffix(".json") + ".html" for s in sorted(g.submission for g in graded)]
    assert sum(tag == "svg" for tag, _ in parsed.tags) == len(functions)  # a histogram per function
    for link in links:
        assert (tmp_path / "out" / str(link)).is_file()
    mine = (tmp_path / "out" / (report_name(str(student)).removesuffix(".json") + ".html")).read_text(encoding="utf-8")
    hidden = [r for r in graded[0].report.results if r.hidden and r.outcome == "failed"]
    assert hidden and HIDDEN_MESSAGE in mine
    shown, _also = folded(hidden)
    for r in hidden:
        assert r.details["repro"] not in mine
    for r in shown:
        assert f"<code>{r.id}</code>" in mine
    assert Page(mine).plots.get("L1") == 1 and Page(mine).outside() == []


def test_shards_with_pages_merge_into_the_unsharded_index(student: Path, tmp_path: Path) -> None:
    """merge brings each shard's pages and rebuilds the index from the reports' scores: the same as one batch."""
    functions = ["relu", "L1", "sigmoid"]
    submissions = [str(student), str(ROOT / "examples" / "careful.py"), str(ROOT / "examples" / "tutorial.py")]
    graded = grade_all(submissions, suite_cases(*functions), GradeSettings(limits=FAST, curves=True))
    write_outputs(graded, functions, tmp_path / "all", html=True)
    for index in (1, 2):
        chosen = take_shard(submissions, (index, 2))
        write_outputs([g for g in graded if g.submission in chosen], functions, tmp_path / f"s{index}", html=True)
    assert merge([tmp_path / "s1", tmp_path / "s2"], tmp_path / "merged") == 3
    merged, whole = tmp_path / "merged", tmp_path / "all"
    assert sorted(p.name for p in merged.iterdir()) == sorted(p.name for p in whole.iterdir())
    assert (merged / "index.html").read_text(encoding="utf-8") == (whole / "index.html").read_text(encoding="utf-8")
    (tmp_path / "s2" / "index.html").unlink()  # as if graded without --html
    with pytest.raises(GradeError, match="graded without --html"):
        merge([tmp_path / "s1", tmp_path / "s2"], tmp_path / "mixed")


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium (Debian package chromium) is absent")
def test_the_page_renders_in_chromium(page: str, tmp_path: Path) -> None:
    mpimg = pytest.importorskip("matplotlib.image")
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    for width in (390, 1000):  # a phone, a laptop
        shot = tmp_path / f"shot-{width}.png"
        command = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
        command += [f"--screenshot={shot}", f"--window-size={width},1600", html.as_uri()]
        subprocess.run(command, capture_output=True, timeout=120, check=True)
        pixels = mpimg.imread(shot)
        colours = np.unique((pixels[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
        assert pixels.shape[:2] == (1600, width)
        assert len(colours) > 50  # text, tables and plots, not a blank page
        right = pixels[:, width // 2 :, :3]
        assert (right < 0.9).any()  # the layout fills the width: not squeezed into the left half


def test_conformance_page_plots_each_swept_function() -> None:
    from dlconform.tools import accuracy
    from dlconform.tools.conformance import build

    text = build(ROOT / "examples" / "tutorial.py", 200, only=["tutorial code", "reference"], fmt="html")
    parsed = Page(text)
    assert sum(tag == "svg" for tag, _ in parsed.tags) == len(accuracy.SWEPT)
    assert parsed.outside() == []
    assert "tutorial code" in "".join(parsed.text) and "<strong>reference</strong>" in text
