"""The worker side of isolation: load one submission, then call its functions on the inputs the grader sends.

Runs in a process forked by the zygote (``dlconform.targets.isolate.zygote``), already
confined. It never sees an expected value: it receives inputs, calls, turns
the result into a plain array with the runner's own ``to_plain_array`` and
sends it back as raw array bytes, with any inputs the call changed in place.
Whatever the submission prints goes to the capture pipe on stdout and stderr;
the protocol uses its own socket.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from dlconform.judge.compare import NotArrayLike, to_plain_array
from dlconform.judge.raised import raising_frame
from dlconform.targets.isolate.channel import send_some
from dlconform.targets.isolate.protocol import (
    decode_value,
    encode_value,
    frame_length,
    pack,
    pack_returned,
    unpack,
)

TEXT_LIMIT = 2000  # characters of any one string the worker reports (messages, warnings, output)
MAX_WARNED = 5  # warnings reported per call


def serve(fd: int) -> None:
    """Answer ``load`` and ``call`` requests on socket ``fd`` until the grader hangs up. A call request holds a
    batch of calls of one function; each gets its own reply, sent as soon as it is done (``i``: its place in the
    batch), so that the grader times each call and knows which one hangs."""
    sock = socket.socket(fileno=fd)
    functions: dict[str, Callable[..., Any]] = {}
    while True:
        request = _receive(sock)
        if request is None:
            return
        header, blobs = request
        if header.get("op") == "load":
            write_support(header, blobs)
            _reply(sock, {**load(header, functions), "seq": header.get("seq")}, [])
            continue
        fn = functions[header["function"]]
        for i, tagged in enumerate(header["calls"]):
            reply, out = call(fn, tagged, blobs)  # through the module: what a submission patches there, runs
            _reply(sock, {**reply, "seq": header.get("seq"), "i": i}, out)


def _reply(sock: socket.socket, reply: dict[str, Any], out: list[Any]) -> None:
    """Send one reply, after what the submission printed so far (so that it is attributed to this call); a returned
    array, with no input changed and no warning, in the fixed binary form (``protocol.pack_returned``)."""
    _flush()
    parts = [memoryview(part).cast("B") for part in pack_returned(reply, out) or pack(reply, out)]
    while parts:  # one system call for the header and the blobs, unless the socket takes less at once
        parts = send_some(sock, [part for part in parts if len(part)])


def write_support(header: dict[str, Any], blobs: list[memoryview]) -> None:
    """The assignment's support files (the course's public_tests.py, say), written beside the submission's copy."""
    folder = os.path.dirname(str(header["spec"]))
    for name, data in zip(header.get("support") or [], blobs, strict=False):
        if isinstance(name, str) and name == os.path.basename(name) and not name.startswith("."):
            with open(os.path.join(folder, name), "wb") as out:
                out.write(data)


def load(header: dict[str, Any], functions: dict[str, Callable[..., Any]]) -> dict[str, Any]:
    """Load the submission and resolve every function of the suite; the reply says what was found."""
    from dlconform.catalogue import FUNCTIONS
    from dlconform.targets.load import TargetNotFound, load_target

    sys.path.extend(header.get("paths", []))
    try:
        target = load_target(header["spec"])
    except TargetNotFound as exc:
        return {"status": "not-found", "message": _text(exc)}
    except BaseException as exc:  # what the loader lets through (KeyboardInterrupt raised by the submission, ...)
        return {"status": "loaded", "load_error": f"{type(exc).__name__}: {_text(exc)}"}
    missing: dict[str, str] = {}  # function -> why the submission has none (how that counts, the grader decides)
    for name in FUNCTIONS:
        found = target.resolve(name)
        if callable(found):
            functions[name] = found
        else:
            missing[name] = _text(found.reason)
    return {
        "status": "loaded",
        "load_error": target.load_error,
        "warnings": [_text(w) for w in target.warnings],
        "output": _text(target.output, one_line=False),
        "module": target.info.get("module"),
        "path": None if target.info.get("path") is None else _text(target.info["path"]),
        "version": None if target.info.get("version") is None else _text(target.info["version"]),
        "missing": missing,
    }


def call(fn: Callable[..., Any], tagged: list[Any], blobs: list[memoryview]) -> tuple[dict[str, Any], list[Any]]:
    """Call ``fn`` on the decoded inputs; reply with the plain result, or the exception's class names and message,
    and the Python warnings the call raised (the grader names the case that raised them)."""
    with warnings.catch_warnings(record=True) as caught:
        reply, out = _call(fn, tagged, blobs)
    if caught:
        reply["warned"] = [
            _text(f"{w.category.__name__}: {w.message} ({os.path.basename(w.filename)}:{w.lineno})")
            for w in caught[:MAX_WARNED]
        ]
    return reply, out


def _call(fn: Callable[..., Any], tagged: list[Any], blobs: list[memoryview]) -> tuple[dict[str, Any], list[Any]]:
    """The call and its reply, without the warnings."""
    args = [decode_value(t, blobs) for t in tagged]
    start = time.perf_counter()
    try:
        got = fn(*args)
    except BaseException as exc:  # sys.exit, KeyboardInterrupt and the like are results too
        took = time.perf_counter() - start
        where = raising_frame(exc)  # the line of the submission's own file that raised it
        names = [c.__name__ for c in type(exc).__mro__]
        line = where[1] if where else None
        return {"status": "raised", "mro": names, "message": _text(exc), "line": line, "took": took}, []
    took = time.perf_counter() - start  # the call's own time: the grader's clock would see the whole batch's
    out: list[Any] = []
    reply: dict[str, Any] = {"status": "returned", "mutated": _mutated(args, tagged, blobs, out), "took": took}
    if got is None:
        reply["result"] = {"t": "none"}
        return reply, out
    try:
        arr = to_plain_array(got)
    except NotArrayLike as exc:
        reply["result"] = {"t": "not-array", "message": _text(exc)}
        return reply, out
    except BaseException as exc:  # a result whose own conversion raised something beyond Exception
        reply["result"] = {"t": "not-array", "message": f"{type(got).__name__} could not be converted: {_text(exc)}"}
        return reply, out
    try:
        reply["result"] = encode_value(arr, out)
    except TypeError as exc:
        reply["result"] = {"t": "not-array", "message": f"a result that cannot be sent as plain data: {_text(exc)}"}
    return reply, out


def _mutated(args: list[Any], tagged: list[Any], blobs: list[memoryview], out: list[Any]) -> list[dict[str, Any]]:
    """The inputs the call changed in place (shape, dtype or bytes, against the bytes received), each with its
    value after the call."""
    changed = []
    for i, (arg, sent) in enumerate(zip(args, tagged, strict=True)):
        if not isinstance(arg, np.ndarray) or sent.get("t") != "array":
            continue
        same = arg.dtype.str == sent["dtype"] and list(arg.shape) == sent["shape"]
        if same and _octets(arg).data == blobs[sent["b"]]:  # memoryviews of bytes compare by content
            continue
        try:
            changed.append({"i": i, "v": encode_value(np.array(arg, copy=True), out)})
        except TypeError:  # changed into a dtype that cannot travel: say that it changed
            changed.append({"i": i, "v": {"t": "none"}})
    return changed


def _octets(arr: np.ndarray) -> np.ndarray:
    """The bytes of ``arr`` in C order, as a uint8 vector (a view when it is contiguous)."""
    return np.ascontiguousarray(arr).reshape(-1).view(np.uint8)


def _receive(sock: socket.socket) -> tuple[dict[str, Any], list[memoryview]] | None:
    """The next request, or None when the grader has closed the socket."""
    prefix = _read_exact(sock, 4)
    if prefix is None:
        return None
    body = _read_exact(sock, frame_length(prefix))
    return None if body is None else unpack(body)


def _read_exact(sock: socket.socket, n: int) -> bytearray | None:
    """Exactly ``n`` bytes, read into one buffer; None at end of stream."""
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        count = sock.recv_into(view[got:])
        if not count:
            return None
        got += count
    return buf


def _flush() -> None:
    """Push what the submission printed into the capture pipe before replying, so it is attributed to this call."""
    for stream in filter(None, (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)):
        try:
            stream.flush()
        except BaseException:  # the submission may have replaced or closed the streams
            continue


def _text(value: Any, one_line: bool = True) -> str:
    """``str(value)``, bounded and by default on one line; a value whose ``__str__`` fails is described instead."""
    try:
        text = str(value)
    except BaseException:
        text = f"<unprintable {type(value).__name__}>"
    if one_line:
        text = " ".join(text.split())
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 3] + "..."
