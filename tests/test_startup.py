"""Issue 22's start-up: what a plain run imports, and the load cache's remembered code fingerprint.

The speed itself is measured by benchmarks/run.py; these tests pin down the behaviour that the speed rests on.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from dlconform.format import cache

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-file stand-in for the package's sources, and a private, empty cache folder."""
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("DLCONFORM_CACHE_DIR", str(folder))
    monkeypatch.delenv("DLCONFORM_NO_CACHE", raising=False)
    source = tmp_path / "pkg" / "mod.py"
    source.parent.mkdir()
    source.write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(cache, "_sources", lambda: [(str(source.parent), str(source))])
    cache.code_fingerprint.cache_clear()
    yield source
    cache.code_fingerprint.cache_clear()


def fingerprint() -> str:
    cache.code_fingerprint.cache_clear()
    return cache.code_fingerprint()


def test_fingerprint_is_remembered_and_reused(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = fingerprint()
    assert len(list(Path(os.environ["DLCONFORM_CACHE_DIR"]).glob("*.code"))) == 1
    monkeypatch.setattr("builtins.open", None)  # a remembered digest reads no source file
    assert fingerprint() == first


def test_fingerprint_follows_a_changed_source(package: Path) -> None:
    first = fingerprint()
    package.write_text("x = 22\n", encoding="utf-8")  # another size
    second = fingerprint()
    assert second != first
    info = package.stat()
    package.write_text("x = 23\n", encoding="utf-8")  # the same size, another time
    os.utime(package, ns=(info.st_atime_ns, info.st_mtime_ns + 1000))
    assert fingerprint() not in (first, second)


def test_a_damaged_remembered_fingerprint_is_recomputed(package: Path) -> None:
    first = fingerprint()
    (entry,) = Path(os.environ["DLCONFORM_CACHE_DIR"]).glob("*.code")
    entry.write_bytes(b"not a digest")
    assert fingerprint() == first


# What a plain warm run of the reference must not import: the other commands, YAML and the schema (the load
# cache holds the suite), the formats and features it was not asked for.
NOT_IMPORTED = (
    "dlconform.commands.grade",
    "dlconform.commands.measure",
    "dlconform.commands.suite",
    "dlconform.format.safeyaml",
    "dlconform.format.schemacheck",
    "dlconform.grading",
    "dlconform.targets.isolate",
    "dlconform.report.html",
    "dlconform.report.json",
    "dlconform.report.markdown",
    "dlconform.run.baseline",
    "yaml",
    "jsonschema",
    "tempfile",
    "xml",
)

RUN = """
import sys
from dlconform.cli import main
try:
    main(sys.argv[1:])
finally:
    sys.stderr.write("\\n".join(sorted(sys.modules)) + "\\n")
"""


def test_a_plain_warm_run_imports_only_what_it_uses(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    env = {**os.environ, "DLCONFORM_CACHE_DIR": str(folder)}
    env.pop("DLCONFORM_NO_CACHE", None)
    argv = [sys.executable, "-c", RUN, "run", "dlconform.reference", "-t", "article"]
    for _ in range(2):  # the first run fills the load cache
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
    modules = set(done.stderr.split())
    assert "dlconform.commands.run" in modules and "numpy" in modules
    found = sorted(m for m in modules if any(m == name or m.startswith(name + ".") for name in NOT_IMPORTED))
    assert not found, f"a plain run imported {found}"


def test_a_restored_case_is_the_case_its_fields_make() -> None:
    from dlconform.format.model import Case, restore_case

    values = {
        "function": "relu",
        "id": "small",
        "description": "a few values",
        "tags": ("core",),
        "args": ((-1.0, 2.0),),
        "expected": (0.0, 2.0),
        "file_tolerance": {},
    }
    built, restored = Case(**values), restore_case(values)
    assert restored == built and repr(restored) == repr(built) and vars(restored) == vars(built)
    assert restored.layout is None and restored.accuracy == "pointwise"  # the defaults, as __init__ gives them
    with pytest.raises(Exception, match="cannot assign"):
        restored.id = "other"  # still frozen
    with pytest.raises(TypeError, match="layuot"):
        restore_case({**values, "layuot": "fortran"})
    with pytest.raises(TypeError, match="args"):
        restore_case({k: v for k, v in values.items() if k != "args"})


POOLS = """
import ast
import os

SEEN = {{name: os.environ.get(name) for name in {names!r}}}
THREADS = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else None
with open({out!r}, "w", encoding="utf-8") as out:
    out.write(repr((SEEN, THREADS)))


def relu(x):
    return x * (x > 0)
"""


@pytest.mark.parametrize("given", [None, "3"])
def test_a_command_holds_numpys_thread_pools_to_one_thread_unless_the_user_sized_them(
    tmp_path: Path, given: str | None
) -> None:
    from dlconform.threads import THREAD_VARIABLES

    seen = tmp_path / "seen.txt"
    target = tmp_path / "target.py"
    target.write_text(POOLS.format(names=THREAD_VARIABLES, out=str(seen)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    argv = [sys.executable, "-m", "dlconform", "run", str(target), "-f", "relu"]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr[-2000:]  # what the target's relu scores is not this test's
    expected = dict.fromkeys(THREAD_VARIABLES, "1") | ({"OPENBLAS_NUM_THREADS": given} if given else {})
    variables, threads = ast.literal_eval(seen.read_text(encoding="utf-8"))
    assert variables == expected
    if given is None and threads is not None:  # NumPy is imported by now: set too late, its pool would run
        assert threads == 1


def test_an_embedding_process_keeps_its_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from dlconform.threads import THREAD_VARIABLES, one_thread_pools

    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    one_thread_pools()  # NumPy is imported in this process: its pools are sized already
    assert not any(name in os.environ for name in THREAD_VARIABLES)
