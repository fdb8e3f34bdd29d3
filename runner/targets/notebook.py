"""Run a Jupyter notebook's code cells without Jupyter, to find the functions it defines.

Code cells run in order in one namespace. IPython-only lines (magics, shell
escapes, ``?`` help) are neutralised; a cell that still cannot compile is
skipped with a warning, and within a cell a statement that raises (say,
importing the course's helper modules a grader lacks) is skipped with a warning
naming it while the rest of the cell runs: a notebook is judged on what it defines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlconform.errors import DlconformError
from dlconform.targets.statements import run_statements
from dlconform.text import shorten

# Cell magics whose body is ordinary Python (timed or captured): the body runs, the magic line goes.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
IPYTHON_LINE = re.compile(
    r"""^\s*(
        [%!]                           # %magic, !shell
      | \?                             # ?name
      | [\w.]+\?\??\s*$                # name? or name??
      | [\w.,\s()]+=\s*[%!]            # var = !ls, var = %magic
    )""",
    re.VERBOSE,
)


class NotebookError(DlconformError, ValueError):
    """A file that cannot be read as an nbformat 4 notebook."""


@dataclass(frozen=True)
class Cell:
    """One code cell: its 1-based position among all the notebook's cells, and its source."""

    number: int
    source: str

    @property
    def first_line(self) -> str:
        """The cell's first non-blank line, cut short, to name it in warnings."""
        line = next((ln.strip() for ln in self.source.splitlines() if ln.strip()), "")
        return shorten(line)


def code_cells(path: str | Path) -> list[Cell]:
    """The code cells of an nbformat 4 notebook, in order."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise NotebookError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise NotebookError(f"{path}:{exc.lineno}: not a notebook (invalid JSON: {exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError(f"{path}: not a notebook (no list of cells)")
    if data.get("nbformat") != 4:
        raise NotebookError(
            f"{path}: nbformat {data.get('nbformat')!r} is not supported (save it with Jupyter 4 or later)"
        )
    cells = []
    for number, cell in enumerate(data["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(part) for part in source)
        if not isinstance(source, str):
            raise NotebookError(f"{path}: cell {number} has no source text")
        cells.append(Cell(number, source))
    return cells


def python_source(source: str) -> tuple[str | None, str | None]:
    """A cell's source as Python, or None and why the whole cell is not Python (a cell magic)."""
    lines = source.splitlines()
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].lstrip()[2:].split(maxsplit=1)
        name = magic[0] if magic else ""
        if name not in PYTHON_CELL_MAGICS:
            return None, f"%%{name} cell magic"
        lines[first] = ""
        source = "\n".join(lines)
    try:
        compile(source, "<cell>", "exec")
        return source, None  # plain Python: leave it alone (a % at a line start may be a continuation)
    except SyntaxError:
        pass
    out = [ln[: len(ln) - len(ln.lstrip())] + "pass" if IPYTHON_LINE.match(ln) else ln for ln in source.splitlines()]
    return "\n".join(out), None


def run_cells(path: str | Path, namespace: dict[str, Any]) -> list[str]:
    """Execute the notebook's code cells in ``namespace``; returns a warning for each cell not run through."""
    warnings: list[str] = []
    for cell in code_cells(path):
        label = f"notebook cell {cell.number} ({cell.first_line!r})"
        source, why_not = python_source(cell.source)
        if source is None:
            warnings.append(f"{label} skipped: {why_not}")
            continue
        try:
            warnings.extend(run_statements(source, f"{path}#cell{cell.number}", namespace, label=label))
        except SyntaxError as exc:
            warnings.append(f"{label} skipped: SyntaxError: {exc.msg} (line {exc.lineno})")
    return warnings
