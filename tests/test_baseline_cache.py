"""A baseline read before comes from the load cache: the pytest plugin's xfails cost no YAML or schema work on a
warm run (issue 20: a 400-entry baseline within 1.2x of none), and a cached entry is never trusted over the file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dlconform.format import cache
from dlconform.run.baseline import BaselineError, load_baseline
from dlconform.targets.profiles import load_profile

SHIPPED = str(load_profile("torch").baseline)
LOAD = (
    "import sys; from dlconform.run.baseline import load_baseline; b = load_baseline(sys.argv[1]); "
    "print(len(b.entries), 'yaml' in sys.modules, 'jsonschema' in sys.modules)"
)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("DLCONFORM_CACHE_DIR", str(folder))
    monkeypatch.delenv("DLCONFORM_NO_CACHE", raising=False)
    return folder


def entries(path: str) -> dict[str, tuple[str, str, str, str]]:
    return {k: (e.id, e.reason, e.failure, e.outcome.value) for k, e in load_baseline(path).entries.items()}


def test_a_warm_load_imports_neither_yaml_nor_the_schema(cache_dir: Path) -> None:
    env = {**os.environ, "DLCONFORM_CACHE_DIR": str(cache_dir)}
    runs = [subprocess.run([sys.executable, "-c", LOAD, SHIPPED], env=env, capture_output=True, text=True)]
    runs.append(subprocess.run([sys.executable, "-c", LOAD, SHIPPED], env=env, capture_output=True, text=True))
    count = len(entries(SHIPPED))
    assert runs[0].stdout.split() == [str(count), "True", "True"], runs[0].stderr  # cold: parsed and checked
    assert runs[1].stdout.split() == [str(count), "False", "False"], runs[1].stderr  # warm: from the cache


def test_the_cached_baseline_equals_the_parsed_one(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold, warm = entries(SHIPPED), entries(SHIPPED)
    monkeypatch.setenv("DLCONFORM_NO_CACHE", "1")
    assert cold == warm == entries(SHIPPED) and list(cache_dir.glob("*.baseline.json"))


def test_a_corrupt_or_foreign_entry_is_ignored(cache_dir: Path) -> None:
    expected = entries(SHIPPED)
    (entry,) = cache_dir.glob("*.baseline.json")
    for junk in (b"{not json", b"[[1, 2, 3, 4]]", b'[["a", "b", "c", "no such outcome"]]', b"[[]]"):
        entry.write_bytes(junk)
        assert entries(SHIPPED) == expected


def test_an_edited_file_is_checked_again(cache_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("- id: relu::core-vector\n  reason: r\n  failure: value\n  outcome: failed\n", encoding="utf-8")
    assert list(entries(str(path))) == ["relu::core-vector"]
    path.write_text("- id: relu::core-vector\n  reason: r\n  failure: value\n  outcome: maybe\n", encoding="utf-8")
    with pytest.raises(BaselineError, match=rf"^{path}:1: "):
        load_baseline(path)
    assert cache.cache_dir() == cache_dir
