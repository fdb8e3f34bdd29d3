"""The wire protocol between the grader and a worker: length-prefixed frames of JSON plus raw array bytes.

A frame is ``>I`` total length, ``>I`` JSON length, the JSON header (UTF-8) and
the blobs whose lengths the header lists under ``"blobs"``. Values travel as
tagged JSON (``bool``, ``int``, ``float`` by repr, ``none``) or, for arrays and
NumPy scalars, as JSON dtype and shape plus a blob of the raw element bytes (in C order; an array in another
memory layout carries its ``layout``, and is rebuilt in it: dlconform/format/layouts.py).
Only plain numeric dtypes (bool, integers, floats) are accepted, and the bytes
must fill the shape exactly: nothing the worker sends is ever unpickled or
interpreted beyond that.
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np
from dlconform.format.layouts import ARRAY_LAYOUTS, lay_out, layout_of

MAX_FRAME = 512 * 1024 * 1024  # bytes; a longer frame is a protocol violation (the suite's largest: 160 MB)
_LENGTH = struct.Struct(">I")
PLAIN_DTYPE = re.compile(r"[<>|=](b1|[iu][1248]|f(2|4|8|12|16))")  # numpy dtype.str of bool, ints, floats
MAX_DIMS = 32  # NumPy's own limit on an array's dimensions
MAX_BLOBS = 1024  # blobs in one frame (a reply holds a result and the inputs a call changed)
_JSON = json.JSONEncoder(allow_nan=False)  # json.dumps with an option builds an encoder per call: a frame's cost


class ProtocolError(ValueError):
    """A frame or value that does not follow the protocol (from a broken or hostile worker)."""


Buffer = bytes | bytearray | memoryview


def pack(header: dict[str, Any], blobs: Sequence[Buffer] = ()) -> list[Buffer]:
    """One frame holding ``header`` (JSON-serialisable) and the binary ``blobs``, as the parts to send in order
    (the blobs are not copied)."""
    head = _JSON.encode({**header, "blobs": [len(b) for b in blobs]}).encode("utf-8")
    length = _LENGTH.size + len(head) + sum(len(b) for b in blobs)
    return [_LENGTH.pack(length) + _LENGTH.pack(len(head)) + head, *blobs]


def frame_length(prefix: Buffer) -> int:
    """The body length announced by a frame's first four bytes; refuses frames over MAX_FRAME."""
    (length,) = _LENGTH.unpack(bytes(prefix[: _LENGTH.size]))
    if length > MAX_FRAME:
        raise ProtocolError(f"a frame of {length} bytes exceeds the {MAX_FRAME} byte limit")
    return length


def unpack(body: Buffer) -> tuple[dict[str, Any], list[memoryview]]:
    """The header and blobs (views into ``body``, not copies) of one frame body without its length prefix."""
    view = memoryview(body)
    if len(view) < _LENGTH.size:
        raise ProtocolError("truncated frame")
    (head_len,) = _LENGTH.unpack(bytes(view[: _LENGTH.size]))
    start = _LENGTH.size + head_len
    if start > len(view):
        raise ProtocolError("a header longer than its frame")
    try:
        header = json.loads(bytes(view[_LENGTH.size : start]).decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, an int of too many digits, deep nesting
        raise ProtocolError(f"malformed header: {str(exc)[:80]}") from None
    sizes = header.get("blobs") if type(header) is dict else None
    if type(sizes) is not list or len(sizes) > MAX_BLOBS:
        raise ProtocolError("malformed header: no blob list, or too many blobs")
    blobs, offset = [], start
    for n in sizes:
        if type(n) is not int or n < 0:  # JSON gives exactly int for a count (bool is a type of its own)
            raise ProtocolError("malformed header: a blob length that is not a count")
        blobs.append(view[offset : offset + n])
        offset += n
    if offset != len(view):
        raise ProtocolError("blob lengths do not add up to the frame")
    return header, blobs


def encode_value(value: Any, blobs: list[Buffer]) -> dict[str, Any]:
    """A tagged description of ``value``; the bytes of arrays and NumPy scalars are appended to ``blobs``."""
    if value is None:
        return {"t": "none"}
    if isinstance(value, np.ndarray | np.generic):  # before float: np.float64 is a float
        arr = np.asarray(value)
        if not PLAIN_DTYPE.fullmatch(arr.dtype.str):
            raise TypeError(f"cannot send {arr.dtype} values")
        flat = arr.reshape(-1) if arr.flags.c_contiguous else np.ascontiguousarray(arr).reshape(-1)
        blobs.append(flat.data.cast("B"))  # the array's own bytes, in C order, not copied
        kind = "array" if isinstance(value, np.ndarray) else "scalar"
        tagged = {"t": kind, "dtype": arr.dtype.str, "shape": list(arr.shape), "b": len(blobs) - 1}
        layout = layout_of(arr)
        return {**tagged, "layout": layout} if layout else tagged
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, int):
        return {"t": "int", "v": value}
    if isinstance(value, float):
        return {"t": "float", "v": repr(value)}
    raise TypeError(f"cannot send a {type(value).__name__}")


def decode_value(tagged: Any, blobs: Sequence[Buffer]) -> Any:
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
        arr = _array(tagged, blobs)
        layout = tagged.get("layout")
        if layout is not None and layout not in ARRAY_LAYOUTS:
            raise ProtocolError(f"unknown memory layout {str(layout)[:40]!r}")
        return arr[()] if kind == "scalar" else lay_out(arr, layout) if layout else arr
    raise ProtocolError(f"unknown value tag {str(kind)[:40]!r}")


def _array(tagged: dict[str, Any], blobs: Sequence[Buffer]) -> np.ndarray:
    """A plain, owned ndarray from a tagged dtype and shape and the blob of its bytes."""
    index, shape = tagged.get("b"), tagged.get("shape")
    if not isinstance(index, int) or not 0 <= index < len(blobs):
        raise ProtocolError("a value names a blob that is not there")
    dt = plain_dtype(tagged.get("dtype"))
    if type(shape) is not list or len(shape) > MAX_DIMS:
        raise ProtocolError("malformed shape")
    for n in shape:
        if type(n) is not int or not 0 <= n <= MAX_FRAME:
            raise ProtocolError("malformed shape")
    if math.prod(shape) * dt.itemsize != len(blobs[index]):
        raise ProtocolError("the array bytes do not fill its shape")
    return np.frombuffer(blobs[index], dtype=dt).reshape(shape).copy()


_DTYPES: dict[str, np.dtype] = {}  # a plain dtype's str -> the dtype (at most the few PLAIN_DTYPE matches)


def plain_dtype(name: Any) -> np.dtype:
    """The dtype ``name`` (a numpy ``dtype.str``) stands for, if it is a plain numeric one; else ProtocolError."""
    found = _DTYPES.get(name) if type(name) is str else None
    if found is None:
        if not isinstance(name, str) or not PLAIN_DTYPE.fullmatch(name):
            raise ProtocolError(f"not a plain numeric dtype: {str(name)[:40]!r}")
        found = _DTYPES[name] = np.dtype(name)
    return found
