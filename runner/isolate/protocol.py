"""The wire protocol between the grader and a worker: length-prefixed frames of JSON plus ``.npy`` blobs.

A frame is ``>I`` total length, ``>I`` JSON length, the JSON header (UTF-8) and
the blobs whose lengths the header lists under ``"blobs"``. Values travel as
tagged JSON (``bool``, ``int``, ``float`` by repr, ``none``) or as ``.npy`` bytes
(``array``, ``scalar``) written with ``np.save`` and read with
``allow_pickle=False``: nothing the worker sends is ever unpickled.
"""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np

MAX_FRAME = 64 * 1024 * 1024  # bytes; a longer frame from a worker is a protocol violation
_LENGTH = struct.Struct(">I")


class ProtocolError(ValueError):
    """A frame or value that does not follow the protocol (from a broken or hostile worker)."""


def pack(header: dict[str, Any], blobs: Sequence[bytes] = ()) -> bytes:
    """One frame holding ``header`` (JSON-serialisable) and the binary ``blobs``."""
    head = json.dumps({**header, "blobs": [len(b) for b in blobs]}, allow_nan=False).encode("utf-8")
    body = _LENGTH.pack(len(head)) + head + b"".join(blobs)
    return _LENGTH.pack(len(body)) + body


def frame_length(prefix: bytes) -> int:
    """The body length announced by a frame's first four bytes; refuses frames over MAX_FRAME."""
    (length,) = _LENGTH.unpack(prefix[: _LENGTH.size])
    if length > MAX_FRAME:
        raise ProtocolError(f"a frame of {length} bytes exceeds the {MAX_FRAME} byte limit")
    return length


def unpack(body: bytes) -> tuple[dict[str, Any], list[bytes]]:
    """The header and blobs of one frame body (without its length prefix)."""
    if len(body) < _LENGTH.size:
        raise ProtocolError("truncated frame")
    (head_len,) = _LENGTH.unpack(body[: _LENGTH.size])
    start = _LENGTH.size + head_len
    try:
        header = json.loads(body[_LENGTH.size : start].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"malformed header: {exc}") from None
    sizes = header.get("blobs") if isinstance(header, dict) else None
    if not isinstance(sizes, list) or not all(isinstance(n, int) and n >= 0 for n in sizes):
        raise ProtocolError("malformed header: no blob list")
    if start + sum(sizes) != len(body):
        raise ProtocolError("blob lengths do not add up to the frame")
    blobs, offset = [], start
    for n in sizes:
        blobs.append(body[offset : offset + n])
        offset += n
    return header, blobs


def encode_value(value: Any, blobs: list[bytes]) -> dict[str, Any]:
    """A tagged description of ``value``; arrays and NumPy scalars are appended to ``blobs`` as ``.npy``."""
    if value is None:
        return {"t": "none"}
    if isinstance(value, np.ndarray | np.generic):  # before float: np.float64 is a float
        blobs.append(npy_bytes(np.asarray(value)))
        return {"t": "array" if isinstance(value, np.ndarray) else "scalar", "b": len(blobs) - 1}
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, int):
        return {"t": "int", "v": value}
    if isinstance(value, float):
        return {"t": "float", "v": repr(value)}
    raise TypeError(f"cannot send a {type(value).__name__}")


def decode_value(tagged: Any, blobs: list[bytes]) -> Any:
    """The value a tagged description stands for; arrays come back as plain ndarrays."""
    if not isinstance(tagged, dict):
        raise ProtocolError("a value must be a tagged mapping")
    kind = tagged.get("t")
    if kind == "none":
        return None
    if kind == "bool" and isinstance(tagged.get("v"), bool):
        return tagged["v"]
    if kind == "int" and isinstance(tagged.get("v"), int) and not isinstance(tagged["v"], bool):
        return tagged["v"]
    if kind == "float" and isinstance(tagged.get("v"), str):
        try:
            return float(tagged["v"])
        except ValueError:
            raise ProtocolError(f"not a float: {tagged['v'][:40]!r}") from None
    if kind in ("array", "scalar"):
        index = tagged.get("b")
        if not isinstance(index, int) or not 0 <= index < len(blobs):
            raise ProtocolError("a value names a blob that is not there")
        arr = read_npy(blobs[index])
        return arr[()] if kind == "scalar" else arr
    raise ProtocolError(f"unknown value tag {str(kind)[:40]!r}")


def npy_bytes(arr: np.ndarray) -> bytes:
    """``arr`` as ``.npy`` file bytes, refusing object arrays (which would need pickle)."""
    out = io.BytesIO()
    np.save(out, arr, allow_pickle=False)
    return out.getvalue()


def read_npy(blob: bytes) -> np.ndarray:
    """A plain ndarray from ``.npy`` bytes, never unpickling."""
    try:
        arr = np.load(io.BytesIO(blob), allow_pickle=False)
    except Exception as exc:  # malformed bytes from the worker: any parsing failure is a violation
        raise ProtocolError(f"malformed .npy data: {exc}") from None
    if not isinstance(arr, np.ndarray) or type(arr) is not np.ndarray:
        raise ProtocolError("the .npy data is not a plain array")
    return arr
