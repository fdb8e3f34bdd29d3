"""The wheel carries the vectors: installed into a fresh virtual environment, ``dlconform list`` finds every one.

The wheel is built with pip (setuptools comes from the configured package index); the fresh environment
gets no network: numpy, PyYAML and click are made visible to it from the environment running the tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from site import getsitepackages

import pytest
from dlconform.format.suite import bundled_dir, iter_cases, load_files, vector_paths

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{args[:3]} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--quiet", "-w", out, cwd=ROOT)
    (built,) = out.glob("dlconform-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed and this environment's dependencies visible."""
    home = tmp_path_factory.mktemp("venv") / "env"
    run(sys.executable, "-m", "venv", "--without-pip", home, cwd=home.parent)
    python = home / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=home).stdout.strip()
    # Plain path lines: the directories are searched after the venv's own, and their .pth files (an editable
    # install of this checkout, say) are not processed.
    # Every site folder this interpreter sees: its own, and the system's when the venv was made to see those.
    sites = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *getsitepackages()]
    deps = dict.fromkeys(p for p in sites if Path(p).is_dir())
    (Path(site) / "_test_dependencies.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        "--quiet",
        wheel,
        cwd=home,
    )
    return home


def clean_env() -> dict[str, str]:
    """The environment for the installed tool: nothing that would put this checkout on the path."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def test_wheel_carries_every_vector_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in vector_paths([bundled_dir()]):
        assert f"dlconform/vectors/{path.name}" in names
    assert "dlconform/vectors/schema.json" in names
    assert "dlconform/format/schema_base.json" in names  # dlconform generate builds the schema from it
    assert "dlconform/cli.py" in names and "dlconform/reference/__init__.py" in names


def test_wheel_has_one_top_level_name(wheel: Path) -> None:
    """Everything installs under ``dlconform``: no ``runner``, ``reference`` or other generic top-level name."""
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"dlconform"}


def test_installed_list_finds_every_vector(venv: Path, tmp_path: Path) -> None:
    """From another directory, the installed ``dlconform list`` counts the same cases as the source tree."""
    proc = run(venv / "bin" / "dlconform", "list", cwd=tmp_path, env=clean_env())
    rows = {line.split()[0]: int(line.split()[1]) for line in proc.stdout.splitlines()[1:]}
    files = load_files()
    want = {vf.function: len(list(iter_cases([vf]))) for vf in files}  # stored cases and their layout variants
    assert rows == {**want, "total": sum(want.values())}


def test_installed_package_reads_its_own_copy(venv: Path, tmp_path: Path) -> None:
    """The import and the vectors come from the environment, not from this checkout."""
    code = "import dlconform.format.suite as s; print(s.__file__); print(s.bundled_dir())"
    module, vectors = run(venv / "bin" / "python", "-c", code, cwd=tmp_path, env=clean_env()).stdout.split()
    assert Path(module).is_relative_to(venv) and Path(vectors).is_relative_to(venv)
    assert Path(vectors).parts[-2:] == ("dlconform", "vectors")


def test_installed_lint_is_clean(venv: Path, tmp_path: Path) -> None:
    proc = run(venv / "bin" / "dlconform", "lint", cwd=tmp_path, env=clean_env())
    assert proc.stdout.strip() == "no problems"
