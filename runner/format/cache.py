"""A content-keyed cache of loaded vector files (and baselines), so a warm load skips YAML parsing and validation.

An entry is keyed by the SHA-256 of the file's bytes, the runner's version and
source code, and the NumPy version: it can never be stale, only unused, and the
folder is safe to delete at any time. Entries live in ``$DLCONFORM_CACHE_DIR``,
else ``$XDG_CACHE_HOME/dlconform``, else ``~/.cache/dlconform``;
``DLCONFORM_NO_CACHE=1`` turns the cache off.

An entry is never a pickle: it is a JSON header describing the loaded file
(tagged values: tuples, dicts, tolerances, generated inputs, references to
arrays) followed by the arrays' raw bytes, all under a SHA-256 checksum. Reading
one builds only numbers, strings, ndarrays of the suite's dtypes and the
runner's own records, so an entry someone else wrote cannot run code; a corrupt
or foreign entry is ignored and rewritten.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import json
import math
import os
import stat
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from dlconform.atomic import write_atomic
from dlconform.format.large import FromReference, Generated, parse_generated
from dlconform.format.model import Case, Raises, VectorFile, restore_case
from dlconform.format.prepared import expected_values, float_expected, prepare, seed
from dlconform.format.tolerance import Tolerance
from dlconform.format.values import DTYPES
from dlconform.results import Level
from dlconform.version import __version__

MAGIC = b"DLCCACH1"
HEAD = struct.Struct("<8s32sQQ")  # magic, SHA-256 of everything after HEAD, header length, data length
ALIGN = 16  # each array starts at a multiple of this many bytes, so every array is aligned
CONTAINERS = (dict, list)  # what JSON gives for tagged values; anything else is a plain value
MAX_ENTRIES = 512  # past this many entries, the least recently written half is removed
ARRAY_DTYPES: dict[str, np.dtype] = {np.dtype(d).str: np.dtype(d) for d in DTYPES}
PATH_FIELDS = ("path",)  # fields that hold where a file was read from: filled in on load, not stored
CASE_SHARED = frozenset({"function", "accuracy", "file_tolerance"})  # every case has its file's: stored once


class CorruptEntry(ValueError):
    """A cache entry that does not decode to exactly what was stored."""


def cache_dir() -> Path | None:
    """The cache folder, or None when ``DLCONFORM_NO_CACHE`` is set."""
    if os.environ.get("DLCONFORM_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("DLCONFORM_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dlconform"


@functools.cache
def code_fingerprint() -> str:
    """A digest of the package's source and schemas (the reference's included) and the versions they run on.

    Reading them all takes a few milliseconds, so the digest is remembered in the cache folder under a stamp of
    every file's path, size and modification time (what Python's own bytecode cache is keyed by, more finely): a
    process whose files are unchanged reads one small entry instead of the whole package.
    """
    versions = f"{__version__}|numpy {np.__version__}"
    sources = _sources()
    stamp = hashlib.sha256(versions.encode())
    for _, source in sources:
        info = os.stat(source)
        stamp.update(f"{source}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    where = f"{stamp.hexdigest()}.code"
    known = _get(lambda folder: folder / where)
    if known is not None and len(known) == 64 and all(c in b"0123456789abcdef" for c in known):
        return known.decode()
    digest = hashlib.sha256(versions.encode())
    for package, source in sources:
        with open(source, "rb") as file:
            digest.update(os.path.relpath(source, package).encode() + b"\0" + file.read())
    _put(lambda folder: folder / where, digest.hexdigest().encode(), "*.code")
    return digest.hexdigest()


def _sources() -> list[tuple[str, str]]:
    """(package folder, file) for every source and schema file of the package and the reference, in a fixed order."""
    reference = importlib.util.find_spec("dlconform.reference")
    assert reference is not None and reference.origin is not None
    out: list[tuple[str, str]] = []
    for package in dict.fromkeys((str(Path(__file__).parents[1]), os.path.dirname(reference.origin))):
        sources: list[str] = []
        for folder, folders, files in os.walk(package):  # os.walk, not Path.rglob: a third of the time
            folders[:] = [f for f in folders if f != "__pycache__"]
            sources.extend(os.path.join(folder, f) for f in files if f.endswith((".py", ".json")))
        out.extend((package, source) for source in sorted(sources))
    return out


def entry_path(folder: Path, content: bytes, require_outcome: bool) -> Path:
    """Where the entry for a file with these bytes lives."""
    key = hashlib.sha256(f"{code_fingerprint()}|{require_outcome}|".encode() + content).hexdigest()
    return folder / f"{key}.vf"


def private_folder(folder: Path) -> bool:
    """Whether ``folder`` is this user's own: a real folder (not a link), owned by us, that no one else may enter.
    A cache anyone else could write (say, one a submission made first in /tmp) is not used."""
    try:
        info = folder.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o077


def _read_own(path: Path) -> bytes:
    """The bytes of ``path`` if this user wrote it (not a link); OSError otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as entry:
        if os.fstat(entry.fileno()).st_uid != os.geteuid():
            raise PermissionError(f"{path} was written by someone else")
        return entry.read()


def _get(path_in: Callable[[Path], Path]) -> bytes | None:
    """The bytes of the entry at ``path_in(folder)`` in our private cache folder, or None (off, missing, foreign)."""
    folder = cache_dir()
    if folder is None or not private_folder(folder):
        return None
    try:
        return _read_own(path_in(folder))
    except OSError:
        return None


def _put(path_in: Callable[[Path], Path], blob: bytes, pattern: str) -> None:
    """Write ``blob`` at ``path_in(folder)`` (0600, atomically) and keep entries matching ``pattern`` bounded;
    a cache that cannot be written is skipped quietly."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not private_folder(folder):
            return
        write_atomic(path_in(folder), blob, mode=0o600)
        _prune(folder, pattern)
    except OSError:
        return


def load(name: str, content: bytes, require_outcome: bool) -> VectorFile | None:
    """The cached VectorFile for ``content`` read from ``name``, or None on a miss (or a bad or foreign entry)."""
    blob = _get(lambda folder: entry_path(folder, content, require_outcome))
    try:
        return None if blob is None else decode_entry(blob, name)
    except CorruptEntry:
        return None


def store(content: bytes, require_outcome: bool, vf: VectorFile) -> None:
    """Remember ``vf`` as what ``content`` loads to; a cache that cannot be written is skipped quietly."""
    if cache_dir() is None:
        return
    try:
        blob = encode_entry(vf)
    except TypeError:  # a value this format does not carry: leave the file uncached
        return
    _put(lambda folder: entry_path(folder, content, require_outcome), blob, "*.vf")


def load_plain(content: bytes, kind: str) -> Any | None:
    """The JSON value stored for a file of ``kind`` with these bytes (a baseline's entries), or None on a miss."""
    blob = _get(lambda folder: _plain_path(folder, content, kind))
    try:
        return None if blob is None else json.loads(blob)
    except ValueError:
        return None


def store_plain(content: bytes, kind: str, value: Any) -> None:
    """Remember ``value`` (plain JSON) as what a file of ``kind`` with these bytes loads to; quietly skipped when
    the cache cannot be written."""
    _put(lambda folder: _plain_path(folder, content, kind), json.dumps(value).encode(), f"*.{kind}.json")


def _plain_path(folder: Path, content: bytes, kind: str) -> Path:
    """Where the plain entry for a file of ``kind`` with these bytes lives (keyed as vector files are)."""
    key = hashlib.sha256(f"{code_fingerprint()}|{kind}|".encode() + content).hexdigest()
    return folder / f"{key}.{kind}.json"


def _prune(folder: Path, pattern: str) -> None:
    """Keep the folder bounded: past MAX_ENTRIES entries of a kind, remove the older half."""
    entries = list(folder.glob(pattern))
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for old in entries[: len(entries) - MAX_ENTRIES // 2]:
        old.unlink(missing_ok=True)


def encode_entry(vf: VectorFile) -> bytes:
    """The bytes of a cache entry for ``vf``; TypeError for a value the format cannot carry."""
    arrays: list[np.ndarray] = []
    _check_plain(vf.data)
    data = _json(vf.data)  # the YAML document as parsed: plain JSON, untagged, decoded only when used
    header = {
        "file": _fields(vf, arrays, skip=("cases", "data")),
        "cases": [_fields(c, arrays) for c in vf.cases],
        "allow": [_allowances(c, arrays) for c in vf.cases],
    }
    table, payload, offset = [], [], 0
    for arr in arrays:
        raw = np.ascontiguousarray(arr).tobytes()
        table.append([arr.dtype.str, list(arr.shape), offset])
        padded = -len(raw) % ALIGN
        payload.append(raw + bytes(padded))
        offset += len(raw) + padded
    header["arrays"] = table
    body = _json(header)
    rest = body + data + b"".join(payload)
    return HEAD.pack(MAGIC, hashlib.sha256(rest).digest(), len(body), len(data)) + rest


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), allow_nan=True).encode()


def decode_entry(blob: bytes, name: str) -> VectorFile:
    """The VectorFile a cache entry holds, read from ``name``; CorruptEntry unless it checks out exactly."""
    try:
        magic, digest, length, data_length = HEAD.unpack_from(blob)
        rest = memoryview(blob)[HEAD.size :]
        if magic != MAGIC or hashlib.sha256(rest).digest() != digest:
            raise CorruptEntry("bad magic or checksum")
        header = json.loads(bytes(rest[:length]))
        data = LazyData(bytes(rest[length : length + data_length]))
        arrays = _arrays(header["arrays"], bytearray(rest[length + data_length :]))
        fields = _unfields(header["file"], arrays)
        shared = {
            "path": name,
            "function": fields["function"],
            "accuracy": fields["accuracy"],
            "file_tolerance": fields["tolerance"],
        }
        cases = [_case(_unfields(raw, arrays), shared) for raw in header["cases"]]
        for case, allow in zip(cases, header["allow"], strict=True):
            if allow:
                seed(case, {int(which): arrays[index] for which, index in allow.items()})
        cached = CachedVectorFile(**fields, cases=cases, data={}, path=name)
        cached.data = data  # decoded on first read
        return cached
    except CorruptEntry:
        raise
    except Exception as exc:  # anything a damaged or foreign entry can make the decoder trip on
        raise CorruptEntry(f"{type(exc).__name__}: {exc}") from None


class LazyData:
    """A cached file's YAML data, as JSON, until something first reads it."""

    def __init__(self, text: bytes) -> None:
        self.text = text

    def decode(self) -> dict[str, Any]:
        try:
            return json.loads(self.text)
        except ValueError:
            raise CorruptEntry(f"a damaged load-cache entry: delete {cache_dir()}") from None


class CachedVectorFile(VectorFile):
    """A VectorFile from the cache: its raw YAML data (only rewriting files needs it) is decoded on first use."""

    @property
    def data(self) -> dict[str, Any]:
        value = self.__dict__["_data"]
        if isinstance(value, LazyData):
            value = self.__dict__["_data"] = value.decode()
        return value

    @data.setter
    def data(self, value: dict[str, Any] | LazyData) -> None:
        self.__dict__["_data"] = value


def _arrays(table: list[list[Any]], payload: bytearray) -> list[np.ndarray]:
    """The arrays of an entry, as writable, aligned views of one buffer; only the suite's dtypes."""
    out = []
    for code, shape, offset in table:
        dtype = ARRAY_DTYPES.get(code)
        if dtype is None:
            raise CorruptEntry(f"dtype {code!r} is not a vector-file dtype")
        count = math.prod(shape)
        if not 0 <= offset <= offset + count * dtype.itemsize <= len(payload):
            raise CorruptEntry("array table does not match the payload")
        arr = np.frombuffer(payload, dtype, count, offset) if count else np.empty(0, dtype)
        out.append(arr if len(shape) == 1 else arr.reshape(shape))
    return out


def _allowances(case: Case, arrays: list[np.ndarray]) -> dict[str, int]:
    """The allowed error of each float expected value of ``case`` under its own tolerances, by which value: the
    per-case preparation of judging (dlconform.format.prepared), done once when the entry is written."""
    out = {}
    for which, value in enumerate(expected_values(case)):
        exp = float_expected(value)
        if exp is None:
            continue
        try:
            allow = np.asarray(prepare(case, exp, None).allow, dtype=np.float64)
        except Exception:  # inputs the rule cannot read (a dot of misaligned vectors): judging computes it if ever
            continue
        arrays.append(allow)
        out[str(which)] = len(arrays) - 1
    return out


def _fields(obj: Any, arrays: list[np.ndarray], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A dataclass's fields, tagged, less where it was read from, what the caller stores itself, and defaults."""
    omit = {*PATH_FIELDS, *skip}
    if isinstance(obj, Case):
        omit |= CASE_SHARED
    return {
        f.name: _tag(getattr(obj, f.name), arrays)
        for f in dataclasses.fields(obj)
        if f.name not in omit and not (f.default is not dataclasses.MISSING and getattr(obj, f.name) is f.default)
    }


def _case(fields: dict[str, Any], shared: dict[str, Any]) -> Case:
    """A cached case rebuilt, its level a Level again."""
    if "level" in fields:
        fields["level"] = Level(fields["level"])
    return restore_case({**fields, **shared})


def _unfields(raw: dict[str, Any], arrays: list[np.ndarray]) -> dict[str, Any]:
    """Untagged fields; plain strings, numbers, booleans and None need no call."""
    return {k: _untag(v, arrays) if type(v) in CONTAINERS else v for k, v in raw.items()}


def _check_plain(value: Any) -> None:
    """Refuse (TypeError) YAML data that JSON would not give back as it is: only str keys, no other types."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                raise TypeError("only string keys")
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif not (item is None or type(item) in (bool, int, float, str)):
            raise TypeError(f"cannot cache a {type(item).__name__} in YAML data")


def _tag(value: Any, arrays: list[np.ndarray]) -> Any:
    """``value`` as JSON in which every object is ``{type: payload}``; TypeError for other types."""
    if isinstance(value, np.ndarray | np.generic):
        arr = np.asarray(value)
        if arr.dtype.str not in ARRAY_DTYPES:
            raise TypeError(f"dtype {arr.dtype} is not a vector-file dtype")
        arrays.append(arr)
        return {"array" if isinstance(value, np.ndarray) else "scalar": len(arrays) - 1}
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, Level):  # a case's level: its word, made a Level again where the case is rebuilt
        return value.value
    if isinstance(value, list):
        return [_tag(v, arrays) for v in value]
    if isinstance(value, tuple):
        return {"tuple": [_tag(v, arrays) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("only string keys")
        return {"dict": {k: _tag(v, arrays) for k, v in value.items()}}
    if isinstance(value, Tolerance):
        return {"tolerance": [value.rtol, value.atol, value.ulp, value.reason]}
    if isinstance(value, Generated | FromReference):
        return {"generate": value.to_data()}
    if isinstance(value, Raises):
        return {"raises": value.name}
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _untag(value: Any, arrays: list[np.ndarray]) -> Any:
    """The value ``_tag`` was given (tags in order of how often cases use them)."""
    if type(value) is list:
        return [_untag(v, arrays) if type(v) in CONTAINERS else v for v in value]
    if type(value) is not dict:
        return value
    ((kind, inner),) = value.items()
    if kind == "array":
        return arrays[inner]
    if kind == "tuple":
        return tuple([_untag(v, arrays) if type(v) in CONTAINERS else v for v in inner])
    if kind == "scalar":
        return arrays[inner][()]
    if kind == "tolerance":
        return Tolerance(*inner)
    if kind == "dict":
        return {k: _untag(v, arrays) for k, v in inner.items()}
    if kind == "generate":
        return parse_generated(inner)
    if kind == "raises":
        return Raises(inner)
    raise CorruptEntry(f"unknown tag {kind!r}")
