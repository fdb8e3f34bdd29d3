"""The notebook loader: code cells in order, IPython syntax dropped, failing cells skipped with a warning."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from dlconform import reference
from dlconform.api import check
from dlconform.targets.load import TargetNotFound
from dlconform.targets.notebook import python_source
from dlconform.targets.open import open_target

COURSE = Path(__file__).parent / "data" / "notebooks" / "course.ipynb"
FAKE_VECTORS = Path(__file__).parent / "fakes" / "vectors"
COURSE_NAMES = ("basic_sigmoid", "sigmoid", "sigmoid_derivative", "image2vector", "normalizeRows", "L1", "L2")


def write_notebook(path: Path, *sources: str, nbformat: int = 4) -> Path:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "source": s} for s in sources]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": nbformat, "nbformat_minor": 5}))
    return path


@pytest.fixture(scope="module")
def course():
    return open_target(str(COURSE))


def test_course_names_resolve(course):
    assert course.info["kind"] == "notebook"
    assert course.load_error is None
    for name in COURSE_NAMES:
        assert callable(course.resolve(name)), name
    assert course.resolve("tanh").failure == "missing"


def test_course_functions_compute_what_the_reference_does(course):
    assert course.resolve("basic_sigmoid")(0.5) == pytest.approx(reference.basic_sigmoid(0.5), rel=1e-15)
    cube = np.arange(12.0).reshape(2, 3, 2)  # the course's image2vector takes 3-d images only
    np.testing.assert_array_equal(course.resolve("image2vector")(cube), reference.image2vector(cube))


def test_each_skipped_statement_is_one_warning_naming_its_cell(course):
    warned: dict[int, str] = {}
    for w in course.warnings:
        if w.startswith("notebook cell"):  # one warning per skipped statement, joined per cell here
            warned[int(w.split()[2])] = f"{warned.get(int(w.split()[2]), '')}{w}\n"
    assert sorted(warned) == [3, 10, 13, 14]
    assert "ModuleNotFoundError: No module named 'lr_utils'" in warned[3]
    assert "%%bash cell magic" in warned[10]
    l1_cell = json.loads(COURSE.read_text())["cells"][12]["source"]
    failing_line = next(i for i, line in enumerate(l1_cell, 1) if "plot_decision_boundary" in line)
    assert "NameError" in warned[13] and f" line {failing_line} skipped " in warned[13]
    assert "InteractiveCall: input() waits for a person" in warned[14]  # never waits for stdin


def test_printed_output_is_captured_not_shown(course):
    assert "sigmoid(x) = " in course.output


def test_course_notebook_passes_the_article_cases_it_defines(course):
    report = check(course, vectors=FAKE_VECTORS, tags=["article"])
    assert report.results
    assert [r.key for r in report.results if r.outcome != "passed"] == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = 1\ny = (x\n     % 2)\n", "x = 1\ny = (x\n     % 2)\n"),  # valid Python is left alone
        ("%matplotlib inline\nimport math", "pass\nimport math"),
        ("!pip install h5py\nfiles = !ls\nnp.exp?\n?np.sum", "pass\npass\npass\npass"),
        ("for i in range(2):\n    %time f(i)", "for i in range(2):\n    pass"),
        ("%%time\ndef f():\n    return 1", "\ndef f():\n    return 1"),
    ],
)
def test_python_source_neutralises_ipython_lines(source, expected):
    assert python_source(source) == (expected, None)


def test_cell_magics_other_than_timing_are_not_python():
    assert python_source("\n%%bash\necho hi") == (None, "%%bash cell magic")
    assert python_source("%%writefile lr_utils.py\nx = 1") == (None, "%%writefile cell magic")


def test_notebook_runs_in_its_folder_and_restores_the_process(tmp_path):
    (tmp_path / "scale.txt").write_text("3")
    nb = write_notebook(
        tmp_path / "nb.ipynb",
        [
            "import os, pathlib\n",
            "SCALE = int(pathlib.Path('scale.txt').read_text())\n",
            "BACKEND = os.environ['MPLBACKEND']\n",
        ],
        "def relu(x):\n    return SCALE * x\n",
    )
    cwd, backend = os.getcwd(), os.environ.get("MPLBACKEND")
    target = open_target(str(nb))
    assert (os.getcwd(), os.environ.get("MPLBACKEND")) == (cwd, backend)
    assert target.warnings == []
    assert target.resolve("relu")(2) == 6
    assert target.namespace["BACKEND"] == "Agg"


def test_python2_cell_is_skipped_with_a_warning(tmp_path):
    nb = write_notebook(tmp_path / "py2.ipynb", "def relu(x):\n    return x\n", 'print "done"')
    target = open_target(str(nb))
    assert callable(target.resolve("relu"))
    assert len(target.warnings) == 1
    assert target.warnings[0].startswith("notebook cell 2 ('print \"done\"') skipped: SyntaxError")


def test_sys_exit_in_a_cell_is_a_warning(tmp_path):
    nb = write_notebook(tmp_path / "nb.ipynb", "import sys\nsys.exit(0)", "def relu(x):\n    return x")
    target = open_target(str(nb))
    assert callable(target.resolve("relu"))
    assert len(target.warnings) == 1 and "SystemExit" in target.warnings[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"cells": [], "nbformat": 3}', "nbformat 3 is not supported"),
        ("[]", "no list of cells"),
    ],
)
def test_files_that_are_not_notebooks(tmp_path, content, message):
    path = tmp_path / "bad.ipynb"
    path.write_text(content)
    with pytest.raises(TargetNotFound, match=message):
        open_target(str(path))
