"""mypy and lint-imports read the package under its import name from a view that .ci/view.py builds on demand, from
pyproject's package-dir mapping: nothing is committed for it, and a folder added to runner/ is in the next view."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parent.parent


def view_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ci_view", ROOT / ".ci" / "view.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def entries(folder: Path) -> dict[str, Path]:
    return {p.name: p.resolve() for p in folder.iterdir() if p.name != "__pycache__"}


def test_the_view_is_the_installed_layout(tmp_path: Path) -> None:
    top = view_module().build_view(ROOT, tmp_path / "view")
    assert top == tmp_path / "view" / "dlconform"
    wanted = entries(ROOT / "runner") | {"reference": ROOT / "reference", "vectors": ROOT / "vectors"}
    assert entries(top) == {name: path.resolve() for name, path in wanted.items()}
    for link in top.iterdir():
        assert link.is_symlink() and not Path(os.readlink(link)).is_absolute(), link.name


def test_a_new_folder_needs_nothing_committed(tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    (root / "runner" / "newpart").mkdir(parents=True)
    (root / "runner" / "__init__.py").write_text("")
    (root / "runner" / "newpart" / "__init__.py").write_text("")
    (root / "reference").mkdir()
    mapping = '"dlconform" = "runner"\n"dlconform.reference" = "reference"\n'
    (root / "pyproject.toml").write_text(f"[tool.setuptools.package-dir]\n{mapping}")
    top = view_module().build_view(root, root / "build" / "view")
    assert (top / "newpart" / "__init__.py").is_file() and (top / "reference").resolve() == root / "reference"
    (root / "runner" / "newpart" / "__init__.py").unlink()
    (root / "runner" / "newpart").rmdir()
    top = view_module().build_view(root, root / "build" / "view")  # rebuilt, not added to: a removed folder goes
    assert not (top / "newpart").exists()


def test_the_tools_are_pointed_at_the_view() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'mypy_path = "build/view"' in text and 'files = ["build/view/dlconform"]' in text
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.index("python .ci/view.py") < ci.index("\nmypy\n") < ci.index("PYTHONPATH=build/view lint-imports")
    assert not (ROOT / ".typecheck").exists()


@pytest.mark.skipif(importlib.util.find_spec("grimp") is None, reason="grimp comes with import-linter (test extra)")
def test_the_import_graph_is_read_from_the_view_alone(tmp_path: Path) -> None:
    view_module().build_view(ROOT, tmp_path / "view")
    code = (
        "import sys, importlib.util, grimp\n"
        "print(importlib.util.find_spec('dlconform').origin)\n"
        "g = grimp.build_graph('dlconform', cache_dir=None)\n"
        "print(len(g.modules), 'dlconform.format.ulp' in g.modules, 'dlconform.reference' in g.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "view")}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=tmp_path
    )
    origin, figures = out.stdout.splitlines()
    assert origin == str(tmp_path / "view" / "dlconform" / "__init__.py")
    count, ulp, reference = figures.split()
    sources = [p for folder in ("runner", "reference", "vectors") for p in (ROOT / folder).rglob("*.py")]
    assert int(count) == len(sources) and ulp == reference == "True"  # every module, none from an install
