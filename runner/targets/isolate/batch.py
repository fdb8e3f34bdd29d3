"""Several calls of one function in one request, so that a submission's hundreds of cases cost tens of round trips.

The isolated target is told the cases it is about to be asked for (``IsolatedTarget.expect``, per phase: visible,
then hidden). When the engine calls a case, the request carries that call and the next cases of the same function
in the plan, as far as ``BATCH_CALLS`` calls or ``BATCH_BYTES`` bytes of inputs (a ``large`` case goes alone), never
a case of the other phase. The worker answers each call with its own reply as soon as it is done; the engine's next
calls take those replies, each only if it is the very call sent (same function, the same inputs byte for byte).
Every guarantee of a single call holds per call: its timeout runs from the previous reply, its reply is checked
alone and must name its place in the batch, and a hang or crash ends the batch (the rest run in a fresh worker).
"""

from __future__ import annotations

import functools
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from dlconform.format.large import Generated
from dlconform.format.layouts import layout_of
from dlconform.format.model import Case, fresh_inputs
from dlconform.targets.isolate.protocol import MAX_BLOBS, Buffer, encode_value
from dlconform.targets.isolate.replies import reply_limit

BATCH_CALLS = 64  # calls in one request at most
BATCH_BYTES = 1 << 22  # bytes of inputs in one request at most: past this, the round trip is not what costs


@dataclass
class Call:
    """One call as sent: its function, its tagged inputs (blob numbers its own, from 0) and their bytes."""

    function: str
    tagged: list[dict[str, Any]]
    blobs: list[Buffer]
    limit: int  # the bytes its reply may take (replies.reply_limit of its inputs)
    args: tuple[Any, ...] = ()  # the inputs it was encoded from (they travel as views: kept as they were)

    def matches(self, function: str, args: Sequence[Any]) -> bool:
        """Whether ``function`` on ``args`` is this very call, without encoding them: what ``same`` says of their
        encoding, or False where that cannot be told cheaply (the caller then encodes them)."""
        if function != self.function or len(args) != len(self.args):
            return False
        for arg, mine in zip(args, self.keys, strict=True):
            key = travel_key(arg)
            if key is None or key != mine:
                return False
        return True

    @functools.cached_property
    def keys(self) -> tuple[tuple[Any, ...] | None, ...]:
        """``travel_key`` of each input, taken once: a planned call is compared with every submission's."""
        return tuple(travel_key(a) for a in self.args)

    def same(self, other: Call) -> bool:
        """Whether ``other`` is this very call: the same function on the same inputs, byte for byte."""
        return (
            self.function == other.function
            and self.tagged == other.tagged
            and len(self.blobs) == len(other.blobs)
            and all(bytes(a) == bytes(b) for a, b in zip(self.blobs, other.blobs, strict=True))
        )


def encode_call(function: str, args: Sequence[Any]) -> Call:
    """``function`` on ``args``, encoded for the wire."""
    blobs: list[Buffer] = []
    tagged = [encode_value(a, blobs) for a in args]
    return Call(function, tagged, blobs, reply_limit(list(args)), tuple(args))


def travel_key(value: Any) -> tuple[Any, ...] | None:
    """What ``encode_value`` sends of ``value``, to compare: class, dtype, shape, memory layout and bytes of an array;
    class, dtype and bytes of a NumPy scalar (it travels as a 0-d array); type and repr of None or a Python number;
    None for anything else (not told cheaply)."""
    kind = type(value)
    if kind is np.ndarray:
        return (kind, value.dtype.str, value.shape, layout_of(value), value.tobytes())
    if isinstance(value, np.generic):
        return (kind, value.dtype.str, value.tobytes())
    if value is None or kind in (bool, int, float):
        return (kind, repr(value))
    return None


@dataclass
class Batch:
    """A request in flight: the calls it carries and how many of their replies have been taken."""

    calls: list[Call]
    taken: int = 0
    since: float = field(default_factory=time.monotonic)  # when the previous reply came (or the request went)
    seq: int = 0  # the request's number, once sent
    end: int | None = None  # the plan's position after its last call (None: not the plan's calls)
    after: Batch | None = None  # the plan's next batch, sent behind this one

    def request(self) -> tuple[dict[str, Any], list[Buffer]]:
        """The call request's header and blobs: each call's blob numbers shifted past the calls before it."""
        blobs: list[Buffer] = []
        calls = []
        for call in self.calls:
            shift = len(blobs)
            calls.append([{**t, "b": t["b"] + shift} if "b" in t else t for t in call.tagged])
            blobs.extend(call.blobs)
        return {"op": "call", "function": self.calls[0].function, "calls": calls}, blobs

    def pending(self) -> Call | None:
        """The next call this batch sent whose reply is not yet taken (None: every reply taken)."""
        return self.calls[self.taken] if self.taken < len(self.calls) else None

    def next_is(self, call: Call) -> bool:
        """Whether ``call`` is the next one this batch sent, its reply not yet taken."""
        pending = self.pending()
        return pending is not None and pending.same(call)

    def took_one(self) -> None:
        """A reply was taken: the next call's timeout runs from now."""
        self.taken += 1
        self.since = time.monotonic()

    @property
    def done(self) -> bool:
        return self.taken >= len(self.calls)


def plan_batch(first: Call, following: Sequence[Case], hidden: bool) -> Batch:
    """A batch of ``first`` and the calls of ``following`` (the cases after it in the plan) that may join it: of
    the same function and phase (``hidden``), none generated (``large``), within the bounds on calls, bytes and
    blobs."""
    calls, size, count = [first], _size(first), len(first.blobs)
    for case in following[: BATCH_CALLS - 1]:
        if case.function != first.function or not batchable(case, hidden):
            break
        call = planned_call(case)
        size, count = size + _size(call), count + len(call.blobs)
        if size > BATCH_BYTES or count > MAX_BLOBS // 2:
            break
        calls.append(call)
    return Batch(calls)


def batchable(case: Case, hidden: bool) -> bool:
    """Whether ``case`` may travel in a batch of its phase (``hidden``): of that phase, and no input generated
    (``large``: it goes alone)."""
    return case.hidden == hidden and not any(isinstance(a, Generated) for a in case.args)


_PLANNED: dict[int, Call] = {}  # id(case) -> the case's call as a batch sends it (dropped with the case)


def planned_call(case: Case) -> Call:
    """The call of ``case`` as a batch sends it, encoded once for the case's life: every submission graded on the
    case is sent the same inputs, and nothing changes them (they travel as views; the engine calls with its own
    copies, compared with these)."""
    found = _PLANNED.get(id(case))
    if found is None:
        found = _PLANNED[id(case)] = encode_call(case.function, fresh_inputs(case.args, case.layout))
        weakref.finalize(case, _PLANNED.pop, id(case), None)
    return found


def _size(call: Call) -> int:
    """The bytes of a call's inputs."""
    return sum(memoryview(b).nbytes for b in call.blobs)
