"""The wire protocol between the grader and a worker: length-prefixed frames of JSON plus raw array bytes.

A frame is ``>I`` total length, ``>I`` JSON length, the JSON header (UTF-8) and
the blobs whose lengths the header lists under ``"blobs"``. A call's reply that returned a plain array, changed no
input and raised no warning may instead come in a fixed binary form (``pack_returned``): a JSON length of 0, then
``RETURNED`` (seq, the call's place, its seconds, dtype and layout codes, dimensions), the dimensions and the
array's bytes, which must fill them exactly. Values travel as
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
from dataclasses import dataclass
from typing import Any

import numpy as np
from dlconform.format.layouts import ARRAY_LAYOUTS, lay_out, layout_of

MAX_FRAME = 512 * 1024 * 1024  # bytes; a longer frame is a protocol violation (the suite's largest: 160 MB)
_LENGTH = struct.Struct(">I")
PLAIN_DTYPE = re.compile(r"[<>|=](b1|[iu][1248]|f(2|4|8|12|16))")  # numpy dtype.str of bool, ints, floats
MAX_DIMS = 32  # NumPy's own limit on an array's dimensions
MAX_BLOBS = 1024  # blobs in one frame (a reply holds a result and the inputs a call changed)
_JSON = json.JSONEncoder(allow_nan=False)  # json.dumps with an option builds an encoder per call: a frame's cost


RETURNED = struct.Struct(">IIdBBB")  # a binary reply's header: seq, i, took, dtype code, layout code, dimensions
_DIM = struct.Struct(">Q")
_INTEGERS = (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64)
BINARY_DTYPES = tuple(  # a binary reply's dtype codes: this machine's plain dtypes (grader and worker: one build)
    np.dtype(t) for t in (np.bool_, *_INTEGERS, np.float16, np.float32, np.float64, np.longdouble)
)
_DTYPE_CODES = {dt.str: code for code, dt in enumerate(BINARY_DTYPES)}
_LAYOUT_CODES: dict[str | None, int] = {None: 0, **{name: 1 + k for k, name in enumerate(ARRAY_LAYOUTS)}}
ARRAY_FIELDS = frozenset({"t", "dtype", "shape", "b", "layout"})  # a tagged array's fields (encode_value)
BINARY_FIELDS = frozenset({"status", "result", "mutated", "took", "seq", "i"})  # what the binary form carries


class ProtocolError(ValueError):
    """A frame or value that does not follow the protocol (from a broken or hostile worker)."""


Buffer = bytes | bytearray | memoryview


def pack(header: dict[str, Any], blobs: Sequence[Buffer] = ()) -> list[Buffer]:
    """One frame holding ``header`` (JSON-serialisable) and the binary ``blobs``, as the parts to send in order
    (the blobs are not copied)."""
    head = _JSON.encode({**header, "blobs": [len(b) for b in blobs]}).encode("utf-8")
    length = _LENGTH.size + len(head) + sum(len(b) for b in blobs)
    return [_LENGTH.pack(length) + _LENGTH.pack(len(head)) + head, *blobs]


@dataclass(frozen=True)
class Returned:
    """A call's reply in the fixed binary form: the plain array the call returned, nothing changed in place, no
    warnings (``took``: the call's own seconds, as the worker says; ``i``: its place in its batch)."""

    seq: int
    i: int
    took: float
    value: np.ndarray


Reply = dict[str, Any] | Returned  # a worker's reply as read: a JSON header, or a call's in the binary form


def pack_returned(reply: dict[str, Any], blobs: Sequence[Buffer]) -> list[Buffer] | None:
    """A call reply (as ``pack`` takes it) in the fixed binary form, when it has one: a returned array of a dtype of
    ``BINARY_DTYPES``, no input changed, no warnings, no field beyond those; else None (it goes as JSON, where the
    grader's checks see all of it)."""
    result = reply.get("result")
    if reply.get("status") != "returned" or reply.get("mutated") or not BINARY_FIELDS.issuperset(reply):
        return None
    if type(result) is not dict or result.get("t") != "array" or not ARRAY_FIELDS.issuperset(result):
        return None
    code, layout = _DTYPE_CODES.get(result.get("dtype", "")), _LAYOUT_CODES.get(result.get("layout"))
    seq, index, took, shape = reply.get("seq"), reply.get("i"), reply.get("took"), result.get("shape")
    if code is None or layout is None or result.get("b") != 0 or len(blobs) != 1 or type(took) is not float:
        return None
    if not all(type(n) is int and 0 <= n < 1 << 32 for n in (seq, index)) or type(shape) is not list:
        return None
    if len(shape) > MAX_DIMS or not all(type(n) is int and 0 <= n <= MAX_FRAME for n in shape):
        return None
    head = RETURNED.pack(seq, index, took, code, layout, len(shape)) + b"".join(_DIM.pack(n) for n in shape)
    length = _LENGTH.size + len(head) + len(blobs[0])
    return [_LENGTH.pack(length) + _LENGTH.pack(0) + head, blobs[0]]


def unpack_reply(body: Buffer) -> tuple[dict[str, Any] | Returned, list[memoryview]]:
    """A reply's frame body: ``unpack``'s header and blobs, or a reply in the fixed binary form (``Returned``, no
    blobs), its dtype, layout, dimensions and bytes checked as ``decode_value`` checks a tagged array."""
    view = memoryview(body)
    if len(view) < _LENGTH.size or bytes(view[: _LENGTH.size]) != bytes(_LENGTH.size):
        return unpack(body)
    start = _LENGTH.size + RETURNED.size
    if len(view) < start:
        raise ProtocolError("truncated frame")
    seq, index, took, code, layout, ndim = RETURNED.unpack_from(view, _LENGTH.size)
    if code >= len(BINARY_DTYPES) or layout >= len(_LAYOUT_CODES) or ndim > MAX_DIMS:
        raise ProtocolError("a binary reply with an unknown dtype or layout, or too many dimensions")
    end = start + _DIM.size * ndim
    if len(view) < end:
        raise ProtocolError("truncated frame")
    shape = struct.unpack_from(f">{ndim}Q", view, start)
    dt = BINARY_DTYPES[code]
    if any(n > MAX_FRAME for n in shape) or math.prod(shape) * dt.itemsize != len(view) - end:
        raise ProtocolError("the array bytes do not fill its shape")
    arr = np.frombuffer(view[end:], dtype=dt).reshape(shape).copy()
    return Returned(seq, index, took, lay_out(arr, ARRAY_LAYOUTS[layout - 1]) if layout else arr), []


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
