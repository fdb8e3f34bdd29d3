"""dlconform.check: what it accepts, what the report header says, and that importing dlconform stays light."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import dlconform
import numpy as np
import pytest
from dlconform import reference
from dlconform.api import check
from dlconform.format.model import SuiteError
from dlconform.format.suite import iter_cases, load_files
from dlconform.run.select import SelectionError
from dlconform.targets.load import TargetNotFound

ROOT = Path(__file__).parent.parent
FAKES = Path(__file__).parent / "fakes"
FAKE_VECTORS = FAKES / "vectors"


def test_check_is_exported_lazily():
    code = "import sys, dlconform; assert 'numpy' not in sys.modules; import dlconform.api; assert dlconform.check is dlconform.api.check"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_header_says_what_was_checked_and_where():
    report = dlconform.check(str(FAKES / "uses_sibling.py"), vectors=FAKE_VECTORS)
    assert report.target["kind"] == "file"
    assert report.target["path"] == str((FAKES / "uses_sibling.py").resolve())
    assert report.target["version"] == "1.2.3"
    assert report.environment["python"] == platform.python_version()
    assert report.environment["numpy"] == np.__version__
    assert report.suite_version == dlconform.__version__
    assert report.ok


@pytest.mark.parametrize("vectors", [str(FAKE_VECTORS), FAKE_VECTORS, [FAKE_VECTORS / "sigmoid.yaml"]])
def test_vectors_as_a_path_or_a_list(vectors):
    report = check(reference, vectors=vectors, functions=["sigmoid"])
    expected = [c.key for c in iter_cases(load_files([FAKE_VECTORS])) if c.function == "sigmoid"]
    assert [r.key for r in report.results] == expected


def test_selection_arguments_are_applied():
    report = check(reference, vectors=FAKE_VECTORS, functions=["normalize_rows"], keyword="not float")
    assert [r.key for r in report.results] == ["normalizeRows::article-matrix"]
    report = check(reference, vectors=FAKE_VECTORS, tags=["core"], exclude_tags=["dtype"])
    rows, column = "normalizeRows::core-float", "sigmoid::core-column"  # each followed by its layout variants
    assert [r.key for r in report.results] == [
        *(rows, f"{rows}@fortran", f"{rows}@strided", f"{rows}@reversed"),
        *(column, f"{column}@strided", f"{column}@reversed"),
    ]


def test_the_bundled_suite_is_the_default():
    report = check(reference, functions=["sigmoid"])
    bundled = [c.key for c in iter_cases(load_files()) if c.function == "sigmoid" and "large" not in c.tags]
    assert [r.key for r in report.results] == bundled


def test_bad_input_raises():
    with pytest.raises(SelectionError, match="no case matches"):
        check(reference, vectors=FAKE_VECTORS, keyword="no-such-case")
    with pytest.raises(SuiteError):
        check(reference, vectors=FAKES / "missing.yaml")
    with pytest.raises(TargetNotFound):
        check("no_such_target.py", vectors=FAKE_VECTORS)
    with pytest.raises(TypeError, match="not both"):
        check(reference, vectors=FAKE_VECTORS, cases=[])


def test_what_the_target_prints_or_warns_goes_to_the_report_not_stdout(capfd):
    report = check(str(FAKES / "noisy.py"), vectors=FAKE_VECTORS, functions=["sigmoid"])
    assert capfd.readouterr() == ("", "")
    assert report.ok
    assert report.warnings[0] == "target printed while loading: hello from the target"
    assert report.warnings[1].startswith("target printed while running: computing sigmoid of 3 | ")
    assert report.warnings[2].startswith("target warned while running: UserWarning: sigmoid is noisy (noisy.py:")
