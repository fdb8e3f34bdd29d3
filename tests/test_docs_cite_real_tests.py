"""Every test a doc names exists: docs/grading.md backs each guarantee with the attack test that shows it, and a
renamed or deleted test would leave the guarantee citing nothing."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
CITED = re.compile(r"`(?:tests/(?P<file>[\w/]+\.py)(?:::)?)?(?P<test>test_\w+)?[^`]*`")


def defined_tests() -> dict[str, set[str]]:
    """Each test file (relative to tests/) and the test functions it defines."""
    out = {}
    for path in (ROOT / "tests").rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}
        out[path.relative_to(ROOT / "tests").as_posix()] = names
    return out


def citations(doc: Path) -> list[tuple[str | None, str | None]]:
    """The (test file, test name) pairs a doc cites in backticks; either may be missing."""
    found = []
    for match in CITED.finditer(doc.read_text(encoding="utf-8")):
        if match["file"] or match["test"]:
            found.append((match["file"], match["test"]))
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_test_a_doc_cites_is_defined(doc: Path) -> None:
    tests = defined_tests()
    every = set().union(*tests.values()) | {Path(f).stem for f in tests}  # a bare name: a test or a test module
    missing = []
    for file, name in citations(doc):
        if file is not None and not (ROOT / "tests" / file).is_file():
            missing.append(f"tests/{file}")
        elif name is not None and name not in (tests.get(file, set()) if file is not None else every):
            missing.append(f"tests/{file}::{name}" if file else name)
    assert not missing, f"{doc.name} cites tests that do not exist: {missing}"


def test_the_grading_guarantees_cite_tests() -> None:
    assert len(citations(ROOT / "docs" / "grading.md")) >= 30
