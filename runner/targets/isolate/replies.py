"""Checking a worker's replies before the grader acts on them: it trusts no field, count or size a worker chose.

A reply carries values only (a function name the grader asked about, a typed result, an exception's class names,
message and source line, printed text): never an outcome or a failure code, which the grader decides. Each kind of
reply has its fields listed below (``*_FIELDS``, the protocol's one schema); a field not listed, or a value of the
wrong type or size, raises ProtocolError, which the isolated target turns into that submission's error (never the
batch's). Sizes are checked before any work that grows with them: a call's reply may be at most a small multiple of
the largest result its inputs could give, each blob is used once, and every list and string has a bound.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from dlconform.targets.isolate.protocol import ARRAY_FIELDS, MAX_FRAME, ProtocolError, Returned

REPLY_FLOOR = 1 << 20  # bytes any call reply may take
REPLY_FACTOR = 4  # times the bytes of the largest result the inputs could give (16 bytes an element)
MAX_TEXT = 4000  # characters of a message, a warning or a path
MAX_OUTPUT = 1 << 20  # characters of printed output in a load reply
MAX_NAMES = 32  # exception class names
MAX_WARNINGS = 200  # warnings of one load
MAX_WARNED = 5  # warnings of one call
MAX_LINE = 10_000_000  # the largest source line number a raised reply may name
MAX_TOOK = 1e6  # seconds a call may say it took (the grader's timeout ends any call long before)
FRAMING = frozenset({"seq", "blobs"})  # what the protocol's framing adds to every reply
CALL_FRAMING = FRAMING | {"i", "took"}  # a call's place in its batch, and the call's own seconds in the worker
RAISED_FIELDS = CALL_FRAMING | {"status", "mro", "message", "line", "warned"}
RETURNED_FIELDS = CALL_FRAMING | {"status", "result", "mutated", "warned"}
LOADED_FIELDS = FRAMING | {"status", "load_error", "warnings", "output", "module", "path", "version", "missing"}
NOT_FOUND_FIELDS = FRAMING | {"status", "message"}
VALUE_FIELDS = {  # a tagged value's fields, by tag (protocol.encode_value)
    "none": frozenset({"t"}),
    "array": ARRAY_FIELDS,
    "not-array": frozenset({"t", "message"}),
}
CHANGE_FIELDS = frozenset({"i", "v"})
RESULT_TAGS = ("none", "array", "not-array")


def reply_limit(args: tuple[Any, ...] | list[Any]) -> int:
    """The bytes a reply to a call on ``args`` may take: a small multiple of the largest result those inputs could
    give (the product of their sizes, as for ``outer``), plus the inputs it may send back changed."""
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    elements = math.prod(max(1, a.size) for a in arrays)
    sent = sum(a.nbytes for a in arrays)
    return min(MAX_FRAME, REPLY_FLOOR + REPLY_FACTOR * (16 * elements + sent))


def _text(value: Any, limit: int = MAX_TEXT, optional: bool = False) -> None:
    """``value`` must be a string of at most ``limit`` characters (or None when ``optional``)."""
    if optional and value is None:
        return
    if not isinstance(value, str) or len(value) > limit:
        raise ProtocolError("a text field that is not a bounded string")


def _fields(mapping: dict[str, Any], allowed: frozenset[str], what: str) -> None:
    """``mapping`` may hold only the ``allowed`` fields: anything else is a forged or unexpected field."""
    if not allowed.issuperset(mapping):
        extra = set(mapping) - allowed
        name = sorted(map(str, extra))[0]
        raise ProtocolError(f"{what} with a field the protocol does not have: {name[:40]!r}")


def _value(tagged: Any, tags: tuple[str, ...], what: str) -> dict[str, Any]:
    """``tagged``, which must be a tagged value with one of ``tags`` and only that tag's fields."""
    if not isinstance(tagged, dict) or tagged.get("t") not in tags:
        raise ProtocolError(f"{what} that is not {' or '.join(tags)}")
    _fields(tagged, VALUE_FIELDS[tagged["t"]], what)
    return tagged


def _blob_refs(tagged: dict[str, Any]) -> list[int]:
    """The blobs a tagged value names."""
    return [tagged["b"]] if tagged.get("t") in ("array", "scalar") and isinstance(tagged.get("b"), int) else []


def check_call_reply(reply: Any, blobs: list[Any], nargs: int, index: int | None = None) -> None:
    """A call reply must be a raised exception or a returned result (array, none or not-array) with at most one
    change per input, each blob used exactly once; ``index``: the reply must answer that call of its batch. A reply in
    the binary form (``Returned``) has its array checked already (``protocol.unpack_reply``): its place and time here."""
    if isinstance(reply, Returned):
        if index is not None and reply.i != index:
            raise ProtocolError(f"a reply that does not answer call {index} of its batch")
        if not 0.0 <= reply.took <= MAX_TOOK:  # NaN is refused too
            raise ProtocolError("a call's time that is not a number of seconds")
        return
    if not isinstance(reply, dict) or reply.get("status") not in ("raised", "returned"):
        raise ProtocolError("a reply that is neither a result nor an exception")
    _fields(reply, RAISED_FIELDS if reply["status"] == "raised" else RETURNED_FIELDS, "a call reply")
    if index is not None and (type(reply.get("i")) is not int or reply["i"] != index):
        raise ProtocolError(f"a reply that does not answer call {index} of its batch")
    took = reply.get("took", 0.0)
    if type(took) is not float or not 0.0 <= took <= MAX_TOOK:
        raise ProtocolError("a call's time that is not a number of seconds")
    warned = reply.get("warned", [])
    if not isinstance(warned, list) or len(warned) > MAX_WARNED:
        raise ProtocolError("the call's warnings are not a bounded list")
    for text in warned:
        _text(text)
    if reply["status"] == "raised":
        mro = reply.get("mro")
        if not isinstance(mro, list) or len(mro) > MAX_NAMES:
            raise ProtocolError("an exception without a bounded list of class names")
        for name in mro:
            _text(name, 200)
        _text(reply.get("message"))
        line = reply.get("line")
        if line is not None and (type(line) is not int or not 1 <= line <= MAX_LINE):
            raise ProtocolError("an exception's source line that is not a line number")
        if blobs:
            raise ProtocolError("an exception with array bytes")
        return
    result, mutated = _value(reply.get("result"), RESULT_TAGS, "a result"), reply.get("mutated") or []
    if result["t"] == "not-array":
        _text(result.get("message"))
    if not isinstance(mutated, list) or len(mutated) > nargs:
        raise ProtocolError("more changed inputs than inputs")
    seen: set[int] = set()
    used = _blob_refs(result)
    for change in mutated:
        if not isinstance(change, dict) or not isinstance(change.get("i"), int) or isinstance(change["i"], bool):
            raise ProtocolError("a changed input without an index")
        _fields(change, CHANGE_FIELDS, "a changed input")
        if not 0 <= change["i"] < nargs or change["i"] in seen:
            raise ProtocolError("a changed input that is not one of the inputs, or twice the same")
        seen.add(change["i"])
        used += _blob_refs(_value(change.get("v"), ("array", "none"), "a changed input"))
    if sorted(used) != list(range(len(blobs))):
        raise ProtocolError("blobs that are not each used exactly once")


def check_load_reply(reply: Any, functions: tuple[str, ...] | list[str], module_target: bool) -> dict[str, Any]:
    """A load reply must say loaded (or, for a module name only, not found), with bounded text fields and missing
    functions that are functions of the suite, each with the reason it is missing (text: how that counts is the
    grader's to decide); returns it."""
    if not isinstance(reply, dict):
        raise ProtocolError("a load reply that is not a mapping")
    if reply.get("status") == "not-found" and module_target:
        _fields(reply, NOT_FOUND_FIELDS, "a load reply")
        _text(reply.get("message"))
        return reply
    if reply.get("status") != "loaded":
        raise ProtocolError("a load reply that does not say loaded")
    _fields(reply, LOADED_FIELDS, "a load reply")
    _text(reply.get("load_error"), optional=True)
    if reply.get("load_error") is not None:
        return reply
    warnings = reply.get("warnings") or []
    if not isinstance(warnings, list) or len(warnings) > MAX_WARNINGS:
        raise ProtocolError("warnings that are not a bounded list")
    for warning in warnings:
        _text(warning)
    _text(reply.get("output") or "", MAX_OUTPUT)
    for key in ("module", "path", "version"):
        _text(reply.get(key), optional=True)
    missing = reply.get("missing") or {}
    if not isinstance(missing, dict) or not set(missing) <= set(functions):
        raise ProtocolError("missing functions that are not functions of the suite")
    for why in missing.values():
        _text(why)
    return reply
