"""The load cache: identical results warm and cold, content-keyed, safe against damaged or hostile entries."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dlconform.format import cache
from dlconform.format.model import VectorFile
from dlconform.format.suite import bundled_dir, read_file, vector_paths
from dlconform.run.baseline import BaselineError, load_baseline
from dlconform.targets.profiles import load_profile

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("DLCONFORM_CACHE_DIR", str(folder))
    monkeypatch.delenv("DLCONFORM_NO_CACHE", raising=False)
    return folder


def identical(a: Any, b: Any, where: str = "") -> None:
    """Assert two loaded values are the same: types, dtypes, bits (NaN and -0.0 included), container kinds.

    A file from the cache is a CachedVectorFile, the VectorFile whose YAML data is decoded when first read.
    """
    expected_type = cache.CachedVectorFile if type(a) is VectorFile and type(b) is not VectorFile else type(a)
    assert type(b) is expected_type, f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, np.ndarray | np.generic):
        assert (a.dtype, np.shape(a), np.asarray(a).tobytes()) == (b.dtype, np.shape(b), np.asarray(b).tobytes()), where
        if isinstance(a, np.ndarray):
            assert b.flags.c_contiguous and b.flags.aligned and b.flags.writeable, where
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            identical(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            identical(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            identical(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, float):
        assert (a == b or (math.isnan(a) and math.isnan(b))) and math.copysign(1, a) == math.copysign(1, b), where
    else:
        assert a == b, where


def copy_suite(tmp_path: Path) -> Path:
    folder = tmp_path / "vectors"
    shutil.copytree(bundled_dir(), folder)
    return folder


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.vf"))


@pytest.mark.parametrize("path", vector_paths(), ids=lambda p: p.name)
def test_warm_load_is_identical_to_cold(path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLCONFORM_NO_CACHE", "1")
    cold, problems = read_file(path)
    assert not problems and cold is not None
    monkeypatch.delenv("DLCONFORM_NO_CACHE")
    first, _ = read_file(path)  # a miss: parses and stores
    assert len(entries(cache_dir)) == 1
    warm, _ = read_file(path)  # a hit
    identical(cold, first)
    identical(cold, warm)


def test_a_hit_parses_nothing(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = copy_suite(tmp_path) / "sigmoid.yaml"
    read_file(path)
    monkeypatch.setattr("dlconform.format.suite._parse", lambda *a: pytest.fail("parsed a file the cache holds"))
    vf, problems = read_file(path)
    assert vf is not None and not problems
    assert all(c.path == str(path) for c in vf.cases)


def test_the_key_is_the_content_not_the_name(tmp_path: Path, cache_dir: Path) -> None:
    folder = copy_suite(tmp_path)
    original = folder / "relu.yaml"
    read_file(original)
    moved = tmp_path / "elsewhere.yaml"
    shutil.copy(original, moved)
    vf, _ = read_file(moved)
    assert len(entries(cache_dir)) == 1
    assert vf is not None and vf.path == str(moved) and {c.path for c in vf.cases} == {str(moved)}
    text = original.read_text(encoding="utf-8").replace("description: ", "description: Edited. ", 1)
    original.write_text(text, encoding="utf-8")
    edited, _ = read_file(original)
    assert len(entries(cache_dir)) == 2
    assert edited is not None and edited.description.startswith("Edited.")


def test_problems_are_never_cached(tmp_path: Path, cache_dir: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: 1\nfunction: relu\ncases: []\n", encoding="utf-8")
    for _ in range(2):
        vf, problems = read_file(bad)
        assert vf is None and problems
    assert entries(cache_dir) == []


def test_the_runner_code_is_part_of_the_key(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = copy_suite(tmp_path) / "tanh.yaml"
    read_file(path)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "another runner")
    read_file(path)
    assert len(entries(cache_dir)) == 2


def test_no_cache_and_folder_choice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DLCONFORM_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "dlconform"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "dlconform"
    monkeypatch.setenv("DLCONFORM_NO_CACHE", "1")
    assert cache.cache_dir() is None
    read_file(bundled_dir() / "relu.yaml")
    assert not (tmp_path / "home").exists()


def test_an_unwritable_folder_is_skipped_quietly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("DLCONFORM_CACHE_DIR", str(blocker / "cache"))
    vf, problems = read_file(bundled_dir() / "relu.yaml")
    assert vf is not None and not problems


def damaged(blob: bytes) -> list[bytes]:
    """Ways an entry can be broken: truncated, a flipped byte, garbage, empty."""
    flipped = bytearray(blob)
    flipped[len(blob) // 2] ^= 0xFF
    return [blob[: len(blob) // 2], bytes(flipped), b"\x00" * 100, b""]


def test_a_corrupt_entry_is_ignored_and_rebuilt(tmp_path: Path, cache_dir: Path) -> None:
    path = copy_suite(tmp_path) / "softmax.yaml"
    good, _ = read_file(path)
    (entry,) = entries(cache_dir)
    blob = entry.read_bytes()
    for broken in damaged(blob):
        entry.write_bytes(broken)
        vf, problems = read_file(path)
        assert not problems
        identical(good, vf)
        assert entry.read_bytes() == blob  # rewritten


def forge(blob: bytes, edit: Any) -> bytes:
    """An entry whose header was changed by ``edit`` and whose checksum was recomputed to match."""
    magic, _, length, data_length = cache.HEAD.unpack_from(blob)
    rest = blob[cache.HEAD.size :]
    header = json.loads(rest[:length])
    edit(header)
    body = json.dumps(header).encode()
    new_rest = body + rest[length:]
    return cache.HEAD.pack(magic, cache.hashlib.sha256(new_rest).digest(), len(body), data_length) + new_rest


@pytest.mark.parametrize(
    "edit",
    [
        lambda h: h["arrays"][0].__setitem__(0, "|O"),  # an object array: what np.load(allow_pickle) would unpickle
        lambda h: h["arrays"][0].__setitem__(1, [10**9]),  # reads past the payload
        lambda h: h["arrays"][0].__setitem__(2, -8),
        lambda h: h["cases"][0].__setitem__("args", {"pickle": "cos\nsystem\n(S'true'\ntR."}),
        lambda h: h["cases"][0].__setitem__("args", {"generate": {"generate": "linspace"}}),
        lambda h: h["cases"][0].__setitem__("no_such_field", 1),
        lambda h: h.__setitem__("cases", 5),
    ],
)
def test_a_forged_entry_builds_nothing_unexpected(tmp_path: Path, cache_dir: Path, edit: Any) -> None:
    path = copy_suite(tmp_path) / "multiply.yaml"
    good, _ = read_file(path)
    (entry,) = entries(cache_dir)
    forged = forge(entry.read_bytes(), edit)
    with pytest.raises(cache.CorruptEntry):
        cache.decode_entry(forged, str(path))
    entry.write_bytes(forged)
    vf, _ = read_file(path)
    identical(good, vf)


def test_large_cases_round_trip(tmp_path: Path, cache_dir: Path) -> None:
    path = copy_suite(tmp_path) / "relu.yaml"
    text = path.read_text(encoding="utf-8") + (
        '- id: large-cached\n  description: "Generated."\n  tags: [large]\n'
        "  args: [{generate: linspace, start: -1.0, stop: 1.0, shape: [1000000], dtype: float64}]\n"
        "  expected: {generate: reference}\n"
    )
    path.write_text(text, encoding="utf-8")
    cold, problems = read_file(path)
    assert not problems and cold is not None
    warm, _ = read_file(path)
    identical(cold, warm)
    assert entries(cache_dir)[0].stat().st_size < 200_000  # the formula is stored, not its million values


def test_yaml_data_is_decoded_only_when_read(tmp_path: Path, cache_dir: Path) -> None:
    path = copy_suite(tmp_path) / "outer.yaml"
    cold, _ = read_file(path)
    warm, _ = read_file(path)
    assert isinstance(warm, cache.CachedVectorFile) and isinstance(warm.__dict__["_data"], cache.LazyData)
    assert cold is not None
    identical(cold.data, warm.data)  # NaN included, so not ==
    identical(cold.data, dataclasses.replace(warm, description="changed").data)
    (entry,) = entries(cache_dir)
    blob = entry.read_bytes()
    magic, _, length, data_length = cache.HEAD.unpack_from(blob)
    rest = bytearray(blob[cache.HEAD.size :])
    rest[length : length + 2] = b"]]"  # forged: the checksum matches, the JSON does not parse
    forged = cache.decode_entry(
        cache.HEAD.pack(magic, cache.hashlib.sha256(rest).digest(), length, data_length) + bytes(rest), str(path)
    )
    with pytest.raises(cache.CorruptEntry, match="delete"):
        _ = forged.data


def test_values_the_format_cannot_carry_are_left_uncached() -> None:
    vf, _ = read_file(bundled_dir() / "relu.yaml")
    assert isinstance(vf, VectorFile)
    odd = dataclasses.replace(vf, data={**vf.data, 1: "an int key"})
    with pytest.raises(TypeError):
        cache.encode_entry(odd)


def test_the_folder_stays_bounded(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 4)
    cache_dir.mkdir()
    for i in range(4):
        (cache_dir / f"old{i}.vf").write_bytes(b"x")
    read_file(copy_suite(tmp_path) / "L1.yaml")
    assert len(entries(cache_dir)) <= 4


def test_warm_process_loads_from_the_cache(tmp_path: Path, cache_dir: Path) -> None:
    """Two processes: the second finds every bundled file in the cache the first filled."""
    code = (
        "import dlconform.format.suite as s, dlconform.format.cache as c\n"
        "hits = sum(c.load(str(p), p.read_bytes(), True) is not None for p in s.vector_paths())\n"
        "s.load_files()\n"
        "print(hits, len(s.vector_paths()))\n"
    )
    env = {"DLCONFORM_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    outputs = [
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    first, second = (o.stdout.split() for o in outputs)
    assert first[0] == "0" and second[0] == second[1] == first[1]


# Baselines share the load cache: the pytest plugin's xfails cost no YAML or schema work on a warm run (issue 20: a
# 400-entry baseline within 1.2x of none), and a cached entry is never trusted over the file.
SHIPPED = str(load_profile("torch").baseline)
LOAD = (
    "import sys; from dlconform.run.baseline import load_baseline; b = load_baseline(sys.argv[1]); "
    "print(len(b.entries), 'yaml' in sys.modules, 'jsonschema' in sys.modules)"
)


def baseline_entries(path: str) -> dict[str, tuple[str, str, str, str]]:
    return {k: (e.id, e.reason, e.failure, e.outcome.value) for k, e in load_baseline(path).entries.items()}


def test_a_warm_load_imports_neither_yaml_nor_the_schema(cache_dir: Path) -> None:
    env = {**os.environ, "DLCONFORM_CACHE_DIR": str(cache_dir)}
    runs = [subprocess.run([sys.executable, "-c", LOAD, SHIPPED], env=env, capture_output=True, text=True)]
    runs.append(subprocess.run([sys.executable, "-c", LOAD, SHIPPED], env=env, capture_output=True, text=True))
    count = len(baseline_entries(SHIPPED))
    assert runs[0].stdout.split() == [str(count), "True", "True"], runs[0].stderr  # cold: parsed and checked
    assert runs[1].stdout.split() == [str(count), "False", "False"], runs[1].stderr  # warm: from the cache


def test_the_cached_baseline_equals_the_parsed_one(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold, warm = baseline_entries(SHIPPED), baseline_entries(SHIPPED)
    monkeypatch.setenv("DLCONFORM_NO_CACHE", "1")
    assert cold == warm == baseline_entries(SHIPPED) and list(cache_dir.glob("*.baseline.json"))


def test_a_corrupt_or_foreign_entry_is_ignored(cache_dir: Path) -> None:
    expected = baseline_entries(SHIPPED)
    (entry,) = cache_dir.glob("*.baseline.json")
    for junk in (b"{not json", b"[[1, 2, 3, 4]]", b'[["a", "b", "c", "no such outcome"]]', b"[[]]"):
        entry.write_bytes(junk)
        assert baseline_entries(SHIPPED) == expected


def test_an_edited_file_is_checked_again(cache_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("- id: relu::core-vector\n  reason: r\n  failure: value\n  outcome: failed\n", encoding="utf-8")
    assert list(baseline_entries(str(path))) == ["relu::core-vector"]
    path.write_text("- id: relu::core-vector\n  reason: r\n  failure: value\n  outcome: maybe\n", encoding="utf-8")
    with pytest.raises(BaselineError, match=rf"^{path}:1: "):
        load_baseline(path)
    assert cache.cache_dir() == cache_dir
