"""One import name: dlconform installs nothing else, so a project's or a submission's own modules always win."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dlconform.api import check
from dlconform.format.suite import iter_cases, load_files
from dlconform.run.select import select
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.isolate.target import IsolatedTarget

OWN_NAMES = Path(__file__).parent / "fakes" / "own_names"
CASES = select(iter_cases(load_files()), ["sigmoid", "relu"], ["article", "core"])


def _verdicts(report) -> dict[str, set[str]]:
    """Outcomes per function."""
    out: dict[str, set[str]] = {}
    for r in report.results:
        out.setdefault(r.function, set()).add(r.outcome)
    return out


def test_in_process_submission_imports_its_own_siblings() -> None:
    """Its reference.py gives the right relu, its runner.py the wrong sigmoid: both are the submission's."""
    verdicts = _verdicts(check(str(OWN_NAMES / "submission.py"), cases=CASES))
    assert verdicts == {"relu": {"passed"}, "sigmoid": {"failed"}}


def test_isolated_worker_offers_none_of_our_old_names(tmp_path: Path) -> None:
    """A confined worker gets the submission alone (never the files beside it, which may be classmates'), and
    ``import reference`` or ``import runner`` there finds nothing of the suite's."""
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "submission.py").write_text((OWN_NAMES / "submission.py").read_text(encoding="utf-8"), encoding="utf-8")
    for path in (tmp_path, folder):
        path.chmod(0o755)
    with IsolatedTarget(str(folder / "submission.py"), Limits(timeout=5.0, memory=1 << 30)) as target:
        assert target.load_error is None
        assert any("ModuleNotFoundError: No module named 'reference'" in w for w in target.warnings)


def _project(tmp_path: Path, *names: str) -> Path:
    """A project with its own modules named ``names`` and a test that checks it imports them."""
    for name in names:
        (tmp_path / f"{name}.py").write_text(f"OWNER = 'project {name}'\n", encoding="utf-8")
    checks = "\n".join(f"    assert {n}.OWNER == 'project {n}'" for n in names)
    imports = ", ".join(names)
    (tmp_path / "test_project.py").write_text(f"import {imports}\n\n\ndef test_own_modules():\n{checks}\n")
    return tmp_path


def _pytest(project: Path, *launcher: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [*launcher, "-q", "-p", "no:cacheprovider"], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("launcher", [(sys.executable, "-m", "pytest"), (str(Path(sys.executable).parent / "pytest"),)])
def test_project_with_runner_and_reference_modules_passes_its_own_pytest(tmp_path: Path, launcher: tuple) -> None:
    """The plugin is loaded in every pytest session of the environment; it must not take these names."""
    proc = _pytest(_project(tmp_path, "runner", "reference"), *launcher)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


def test_plugin_imports_nothing_but_pytest_without_the_option() -> None:
    """Every pytest session loads the plugin: it must not import NumPy or the runner's machinery."""
    code = (
        "import sys, dlconform.pytest_plugin; "
        "print(sorted(m for m in sys.modules if m == 'numpy' or (m.startswith('dlconform.') and m != "
        "'dlconform.pytest_plugin' and m != 'dlconform.version')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.strip() == "[]"


def test_a_session_without_the_option_collects_no_case(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text(
        "import sys\n\n\ndef test_plain():\n    assert 'numpy' not in sys.modules\n"
    )
    proc = _pytest(tmp_path, sys.executable, "-m", "pytest")
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout + proc.stderr
