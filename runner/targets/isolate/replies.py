"""Checking a worker's replies before the grader acts on them: it trusts no field, count or size a worker chose.

A reply that breaks these rules raises ProtocolError, which the isolated target
turns into that submission's error (never the batch's). Sizes are checked
before any work that grows with them: a call's reply may be at most a small
multiple of the largest result its inputs could give, each blob is used once,
and every list and string has a bound.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from dlconform.targets.isolate.protocol import MAX_FRAME, ProtocolError

REPLY_FLOOR = 1 << 20  # bytes any call reply may take
REPLY_FACTOR = 4  # times the bytes of the largest result the inputs could give (16 bytes an element)
MAX_TEXT = 4000  # characters of a message, a warning or a path
MAX_OUTPUT = 1 << 20  # characters of printed output in a load reply
MAX_NAMES = 32  # exception class names
MAX_WARNINGS = 200  # warnings of one load
MAX_WARNED = 5  # warnings of one call
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


def _blob_refs(tagged: dict[str, Any]) -> list[int]:
    """The blobs a tagged value names."""
    return [tagged["b"]] if tagged.get("t") in ("array", "scalar") and isinstance(tagged.get("b"), int) else []


def check_call_reply(reply: Any, blobs: list[Any], nargs: int) -> None:
    """A call reply must be a raised exception or a returned result (array, none or not-array) with at most one
    change per input, each blob used exactly once."""
    if not isinstance(reply, dict) or reply.get("status") not in ("raised", "returned"):
        raise ProtocolError("a reply that is neither a result nor an exception")
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
        if blobs:
            raise ProtocolError("an exception with array bytes")
        return
    result, mutated = reply.get("result"), reply.get("mutated") or []
    if not isinstance(result, dict) or result.get("t") not in RESULT_TAGS:
        raise ProtocolError("a result that is not an array, none or not-array")
    if result["t"] == "not-array":
        _text(result.get("message"))
    if not isinstance(mutated, list) or len(mutated) > nargs:
        raise ProtocolError("more changed inputs than inputs")
    seen: set[int] = set()
    used = _blob_refs(result)
    for change in mutated:
        if not isinstance(change, dict) or not isinstance(change.get("i"), int) or isinstance(change["i"], bool):
            raise ProtocolError("a changed input without an index")
        if not 0 <= change["i"] < nargs or change["i"] in seen:
            raise ProtocolError("a changed input that is not one of the inputs, or twice the same")
        seen.add(change["i"])
        value = change.get("v")
        if not isinstance(value, dict) or value.get("t") not in ("array", "none"):
            raise ProtocolError("a changed input that is not an array")
        used += _blob_refs(value)
    if sorted(used) != list(range(len(blobs))):
        raise ProtocolError("blobs that are not each used exactly once")


def check_load_reply(reply: Any, functions: tuple[str, ...] | list[str], module_target: bool) -> None:
    """A load reply must say loaded (or, for a module name only, not found), with bounded text fields and missing
    functions that are functions of the suite."""
    if not isinstance(reply, dict):
        raise ProtocolError("a load reply that is not a mapping")
    if reply.get("status") == "not-found" and module_target:
        _text(reply.get("message"))
        return
    if reply.get("status") != "loaded":
        raise ProtocolError("a load reply that does not say loaded")
    _text(reply.get("load_error"), optional=True)
    if reply.get("load_error") is not None:
        return
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
        if not isinstance(why, dict) or set(why) - {"reason", "outcome", "failure"}:
            raise ProtocolError("a missing function without a plain reason")
        for field in why.values():
            _text(field)
