"""Which submissions a batch grades: the files named, a shard of them, and instructor files left readable."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from dlconform.format.model import VectorFile
from dlconform.grading.errors import GradeError

SUBMISSION_SUFFIXES = (".py", ".ipynb")


def find_submissions(paths: Sequence[str], suffixes: Sequence[str] = SUBMISSION_SUFFIXES) -> list[str]:
    """The submissions named: files ending in ``suffixes`` (.py and .ipynb; an adapter's, ``adapter_suffixes``) and
    those directly inside folders; sorted, without repeats."""
    found: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(str(p) for p in sorted(path.iterdir()) if p.is_file() and p.suffix in suffixes)
        elif path.is_file() and path.suffix in suffixes:
            found.append(str(path))
        elif path.exists():
            kinds = "a .py file, a .ipynb notebook" if suffixes == SUBMISSION_SUFFIXES else f"a {suffixes[0]} file"
            raise GradeError(f"{given}: not {kinds} or a folder of them")
        else:
            raise GradeError(f"{given}: no such file or folder")
    return sorted(set(found))


def adapter_suffixes(template: str | None, ext: str | None) -> tuple[str, ...]:
    """The files ``grade`` collects: .py and .ipynb; with an adapter ``template``, ``--adapter-ext`` (``.js`` or
    ``js``), else the extension of the first file the template names (its script: ``adapter.js`` gives ``.js``)."""
    from dlconform.targets.adapter.target import split_command

    if template is None:
        return SUBMISSION_SUFFIXES
    if ext:
        return ("." + ext.strip().lstrip("."),)
    named = [Path(a) for a in split_command(template)[1:] if Path(a).is_file() and Path(a).suffix]
    if not named:
        raise GradeError("grade --adapter: its command names no file with an extension: give --adapter-ext, e.g. js")
    return (named[0].suffix,)


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
        if readable_by_all(path):
            out.append(vf.path)
    return out


def readable_by_all(path: Path) -> bool:
    """Whether any user, a worker's unprivileged uid included, may read ``path`` (resolved): the file readable by
    others, and every folder above it theirs to enter."""
    modes = [path.stat().st_mode & stat.S_IROTH] + [p.stat().st_mode & stat.S_IXOTH for p in path.parents]
    return all(modes)
