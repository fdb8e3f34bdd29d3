"""Build build/view/dlconform: the package as setuptools installs it, made of links into the source folders.

runner/ is installed as ``dlconform`` and reference/, vectors/ as its subpackages ([tool.setuptools.package-dir] in
pyproject.toml). mypy and lint-imports read the package under its import name from this view (``mypy_path`` and
``files`` in [tool.mypy]; ``PYTHONPATH=build/view lint-imports``), so no install is needed and a folder added to
runner/ needs nothing committed. The view is rebuilt from scratch on every call (build/ is not committed).

Usage, from the repository root: ``python .ci/view.py [OUT]`` (OUT: build/view).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # mypy, which needs the view, requires tomli on Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def package_dirs(root: Path) -> dict[str, Path]:
    """The import name of each mapped package and its source folder, from pyproject.toml."""
    with open(root / "pyproject.toml", "rb") as f:
        mapping = tomllib.load(f)["tool"]["setuptools"]["package-dir"]
    return {name: root / folder for name, folder in mapping.items()}


def build_view(root: Path, out: Path) -> Path:
    """Replace ``out`` with the installed layout: a folder per top-level package holding a relative link to each
    entry of its source folder, and a link for each mapped subpackage; return the top-level package's folder."""
    if out.exists():
        shutil.rmtree(out)
    tops = []
    for name, source in sorted(package_dirs(root).items(), key=lambda item: item[0].count(".")):
        place = out.joinpath(*name.split("."))
        if "." not in name:
            place.mkdir(parents=True)
            tops.append(place)
            for entry in sorted(source.iterdir()):
                if entry.name != "__pycache__":
                    _link(place / entry.name, entry)
        else:
            if place.is_symlink():  # a subpackage mapped over an entry of its parent's folder: the mapping wins
                place.unlink()
            _link(place, source)
    (top,) = tops
    return top


def _link(link: Path, target: Path) -> None:
    """A relative symbolic link at ``link`` to ``target``."""
    link.symlink_to(os.path.relpath(target, link.parent))


if __name__ == "__main__":
    view = build_view(ROOT, Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "view")
    print(f"view: {view.relative_to(ROOT) if view.is_relative_to(ROOT) else view}")
