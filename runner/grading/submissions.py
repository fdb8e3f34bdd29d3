"""Which submissions a batch grades: the files named, a shard of them, and instructor files left readable."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from dlconform.format.model import VectorFile
from dlconform.grading.errors import GradeError

SUBMISSION_SUFFIXES = (".py", ".ipynb")


def find_submissions(paths: Sequence[str]) -> list[str]:
    """The submissions named: .py and .ipynb files, and those directly inside folders; sorted, without repeats."""
    found: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(str(p) for p in sorted(path.iterdir()) if p.is_file() and p.suffix in SUBMISSION_SUFFIXES)
        elif path.is_file() and path.suffix in SUBMISSION_SUFFIXES:
            found.append(str(path))
        elif path.exists():
            raise GradeError(f"{given}: not a .py file, a .ipynb notebook or a folder of them")
        else:
            raise GradeError(f"{given}: no such file or folder")
    return sorted(set(found))


def parse_shard(text: str) -> tuple[int, int]:
    """``I/N`` as (I, N) with 1 <= I <= N."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise GradeError(f"--shard {text!r}: give I/N with 1 <= I <= N, e.g. 2/4")
    return int(match.group(1)), int(match.group(2))


def take_shard(submissions: Sequence[str], shard: tuple[int, int]) -> list[str]:
    """Slice I of N: every N-th submission of the sorted list, starting at the I-th."""
    index, count = shard
    return list(submissions[index - 1 :: count])


def exposed_files(files: Iterable[VectorFile], bundled: Path) -> list[str]:
    """Instructor vector files with hidden cases that any user may read, a worker's unprivileged uid included."""
    out = []
    for vf in files:
        path = Path(vf.path).resolve()
        if path.is_relative_to(bundled.resolve()) or not any(c.hidden for c in vf.cases):
            continue
        modes = [path.stat().st_mode & stat.S_IROTH] + [p.stat().st_mode & stat.S_IXOTH for p in path.parents]
        if all(modes):
            out.append(vf.path)
    return out
