"""mypy checks the package under its import name through .typecheck/dlconform: its links must match runner/."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parent.parent
LINKS = ROOT / ".typecheck" / "dlconform"


def test_every_entry_of_the_package_is_linked_for_mypy() -> None:
    wanted = {p.name: p for p in (ROOT / "runner").iterdir() if p.name != "__pycache__"}
    wanted["reference"] = ROOT / "reference"
    linked = {p.name: p for p in LINKS.iterdir()}
    assert sorted(linked) == sorted(wanted), "add or remove the link in .typecheck/dlconform (see [tool.mypy])"
    for name, link in linked.items():
        assert link.is_symlink() and not Path(link.readlink()).is_absolute(), name
        assert link.resolve() == wanted[name].resolve(), name
