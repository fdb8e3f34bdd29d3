"""``AdapterTarget``: an implementation in any language, behind the runner's one Target interface.

The adapter is a process speaking the JSON-lines protocol of docs/protocol.md on its stdin and stdout. It
runs under the isolated worker's limits (``Limits``: seconds per call, address space, a wall-clock budget);
``resolve`` returns proxies that send a call and turn the reply into a value or an exception here, so the one
comparison engine judges it. A call in a dtype the adapter does not take is skipped, never sent. A call that
runs past the timeout costs one timeout (the function's remaining cases fail at once); an adapter that breaks
the protocol or dies fails that call and is restarted for the next. Given an untrusted ``submission`` (``grade
--adapter``), every start of the adapter is confined as an isolated worker is (``confine.py``).
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import shutil
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.errors import DlconformError
from dlconform.format.large import LARGE_TAG
from dlconform.format.model import Case
from dlconform.results import Failure, Fault, Outcome
from dlconform.targets.adapter import codec
from dlconform.targets.adapter.channel import AdapterDied, AdapterTimeout, Channel, Launch, LineTooLong
from dlconform.targets.adapter.confine import Confinement
from dlconform.targets.adapter.messages import PROTOCOL, problem
from dlconform.targets.base import Closing
from dlconform.targets.isolate.budget import Budget
from dlconform.targets.isolate.paths import escaping_link
from dlconform.targets.isolate.replies import reply_limit
from dlconform.targets.isolate.spawn import DEFAULT_LIMITS, Limits
from dlconform.targets.isolate.target import CallTimeout, not_array, remote_exception
from dlconform.targets.resolver import GraderFault, Unavailable, Unsupported
from dlconform.version import __version__

DESCRIBE_LIMIT = 1 << 20  # bytes of the describe line
MAX_CRASHES = 3  # protocol breaks or deaths of one function before its remaining cases are not run


class AdapterError(DlconformError):
    """An --adapter command that cannot be run at all (empty, or no such program): exit 2, before anything runs."""


class AdapterBroke(GraderFault):
    """The adapter died or broke the protocol during a call (seen by the runner: a crash, never the adapter's word)."""

    fault = Fault.CRASH


class AdapterTarget(Closing):
    """A target whose functions run in an adapter process, behind the one Target interface (``targets.base``)."""

    def __init__(
        self, command: str, limits: Limits = DEFAULT_LIMITS, cwd: str | None = None, submission: str | None = None
    ) -> None:
        self.argv = split_command(command)
        self.limits, self.cwd = limits, cwd
        self._confined: Confinement | None = None
        self.info: dict[str, Any] = {
            "kind": "adapter",
            "spec": submission or command,
            "path": submission,
            "module": None,
            "version": None,
            "load_error": None,
            "isolation": {"timeout": limits.timeout, "memory": limits.memory or None, "budget": limits.budget},
        }
        self.load_error: str | None = None
        self._notes: list[str] = []
        self.output = ""  # what the adapter wrote to stderr (bounded)
        self._hiding = False
        self._names: dict[str, str] = {}  # canonical function -> the name the adapter listed
        self._unsupported: dict[str, str] = {}
        self._dtypes: frozenset[str] = frozenset()
        self._encoding = "text"
        self._given_up: dict[str, Exception] = {}
        self._broken: Exception | None = None
        self._crashes: Counter[str] = Counter()
        self._channel: Channel | None = None
        self._seq = 0
        self._described = False
        self._budget = Budget(limits.budget)
        if submission is not None:
            self.info["adapter_command"] = command
            refused = escaping_link(submission)
            if refused is not None:
                self.load_error = self.info["load_error"] = refused
                return
            self._confined = Confinement(self.argv, Path(submission), limits)
            self.info["isolation"]["sandbox"] = self._confined.mode
        first = self._start()
        if first is not None:
            self.load_error = self.info["load_error"] = first

    isolated = True  # its calls run in another process: the pipeline runs hidden cases last, with ``hiding`` set

    @property
    def hiding(self) -> bool:
        """Set by the pipeline while hidden cases run: what the adapter writes to stderr then is dropped (it could
        show their inputs in a report a student sees)."""
        return self._hiding

    @hiding.setter
    def hiding(self, value: bool) -> None:
        self._keep_stderr(self._channel)  # what came before the switch: kept if it was visible
        self._hiding = value

    def _keep_stderr(self, channel: Channel | None) -> None:
        """Take what ``channel``'s adapter wrote to stderr into the report's output, unless hidden cases ran."""
        text = channel.take_stderr() if channel is not None else ""
        if not self._hiding:
            self.output = (self.output + text)[: self.limits.output]

    @property
    def warnings(self) -> list[str]:
        """The load notes, then what the adapter wrote to stderr so far (the report's notes)."""
        self._keep_stderr(self._channel)
        text = self.output.strip()
        return [*self._notes, *([f"the adapter wrote to stderr:\n{text}"] if text else [])]

    @warnings.setter
    def warnings(self, notes: list[str]) -> None:
        self._notes = list(notes)

    def resolve(self, function: str) -> Callable[..., Any] | Unavailable:
        """A proxy calling ``function`` in the adapter, or why it has none."""
        if self.load_error is not None:
            return Unavailable(f"target failed to import: {self.load_error}", Outcome.ERROR, Failure.IMPORT_ERROR)
        if function in self._unsupported:
            return Unavailable(
                f"unsupported by the adapter: {self._unsupported[function]}", Outcome.SKIPPED, Failure.UNSUPPORTED
            )
        if function not in self._names:
            return Unavailable(f"the adapter does not bind {function}", Outcome.ERROR, Failure.MISSING)
        return functools.partial(self.call, function)

    def call(self, function: str, *args: Any) -> Any:
        """Call ``function`` in the adapter on ``args``: its result, or its exception raised here."""
        if function in self._given_up:
            raise self._given_up[function]
        self._skip_unsupported(args)
        if self._broken is not None:
            raise self._broken
        self._budget.check()
        if self._channel is None:
            why = self._start()
            if why is not None:
                self._broken = AdapterBroke(f"the adapter could not be restarted: {why}")
                raise self._broken
        channel = self._channel
        assert channel is not None
        try:
            encoded = [codec.encode(a, self._encoding) for a in args]
        except TypeError as exc:
            raise Unsupported(str(exc)) from None
        self._seq += 1
        message = {"type": "call", "id": self._seq, "function": self._names[function], "args": encoded}
        timeout, limit = self._budget.call_timeout(self.limits.timeout)
        try:
            line = channel.exchange(message, timeout, reply_limit(args))
            return self._returned(line)
        except AdapterTimeout:
            self._retire()
            self._given_up[function] = CallTimeout(f"not run: an earlier call of {function} ran past {limit}")
            raise CallTimeout(f"no result within {limit}; the adapter was stopped") from None
        except (AdapterDied, LineTooLong, codec.BadValue) as exc:
            how = self._retire(0.5)
            self._crashes[function] += 1
            if self._crashes[function] >= MAX_CRASHES:
                self._given_up[function] = AdapterBroke(f"not run: {function} broke the adapter {MAX_CRASHES} times")
            if isinstance(exc, AdapterDied):
                raise AdapterBroke(f"the adapter {how} during the call{self._stderr_tail()}") from None
            raise AdapterBroke(f"the adapter broke the protocol: {exc}") from None

    def _skip_unsupported(self, args: tuple[Any, ...]) -> None:
        """Raise Unsupported when an array or NumPy scalar argument has a dtype the adapter does not take."""
        for arg in args:
            if isinstance(arg, np.ndarray | np.generic) and arg.dtype.name not in self._dtypes:
                taken = ", ".join(sorted(self._dtypes)) or "none"
                raise Unsupported(f"the adapter does not take {arg.dtype.name} (its dtypes: {taken})")

    def _returned(self, line: bytes) -> Any:
        """The reply ``line`` to the current call as a value, or its exception raised here."""
        reply = _parse(line)
        kind = reply.get("type")
        if kind not in ("result", "error", "unsupported"):
            raise codec.BadValue(f"a {str(kind)[:40]!r} message where a result or error is due: {_quote(line)}")
        why = problem(str(kind), reply)
        if why is not None:
            raise codec.BadValue(f"not a valid {kind} message ({why})")
        if reply["id"] != self._seq:
            raise codec.BadValue(f"a reply with id {reply['id']} to call {self._seq}")
        if kind == "unsupported":
            raise Unsupported(f"the adapter cannot take this call: {reply['reason']}")
        if kind == "error":
            error = reply["error"]
            raise remote_exception([error["type"], *error.get("bases", [])], error["message"])
        value = codec.decode(reply["value"])
        return not_array(f"not array-like: returned {value[0]}") if isinstance(value, tuple) else value

    def _start(self) -> str | None:
        """Start the adapter and read its describe; returns why that failed, or None."""
        try:
            launch = self._confined.launch() if self._confined else Launch(self.argv, self.cwd)
            channel = Channel(launch, self.limits.memory, self.limits.output)
        except OSError as exc:  # /bin/sh itself, or no more processes
            return f"the adapter could not be started: {exc}"
        timeout, limit = self._budget.call_timeout(self.limits.timeout)
        hello = {"type": "hello", "protocol": PROTOCOL, "runner": f"dlconform {__version__}"}
        try:
            described = self._describe(channel.exchange(hello, timeout, DESCRIBE_LIMIT))
        except AdapterTimeout:
            channel.stop()
            return f"the adapter did not describe itself within {limit}"
        except AdapterDied:
            self._channel = channel
            how = self._retire(0.5)
            return f"the adapter {how} before describing itself{self._stderr_tail()}"
        except (LineTooLong, codec.BadValue) as exc:
            channel.stop()
            return f"the adapter broke the protocol before any call: {exc}"
        if described.get("load_error"):
            self._channel = channel
            self._retire()
            return str(described["load_error"])
        self._channel = channel
        return None

    def _describe(self, line: bytes) -> dict[str, Any]:
        """Check the describe line and take what it says (the first time: a restarted adapter must say the same)."""
        reply = _parse(line)
        if reply.get("type") != "describe":
            raise codec.BadValue(f"its first line is not a describe message: {_quote(line)}")
        if reply.get("protocol") != PROTOCOL:
            raise codec.BadValue(f"it speaks protocol {str(reply.get('protocol'))[:20]}; this runner speaks {PROTOCOL}")
        why = problem("describe", reply)
        if why is not None:
            raise codec.BadValue(f"not a valid describe message ({why})")
        if self._described:
            return reply
        self._described = True
        canonical = {name: fn.name for fn in FUNCTIONS.values() for name in fn.names}
        self._names = {canonical[n]: n for n in reply["functions"] if n in canonical}
        self._unsupported = {canonical[n]: r for n, r in reply.get("unsupported", {}).items() if n in canonical}
        self._dtypes = frozenset(reply["dtypes"])
        self._encoding = reply.get("encoding", "text")
        self.info["version"] = reply["version"]
        self.info["adapter"] = {
            "name": reply["name"],
            "language": reply["language"],
            "protocol": reply["protocol"],
            "dtypes": list(reply["dtypes"]),
            **({"notes": reply["notes"]} if reply.get("notes") else {}),
        }
        unknown = [n for n in reply["functions"] if n not in canonical]
        if unknown:
            self._notes.append(f"the adapter lists functions the suite does not have: {', '.join(unknown)[:300]}")
        return reply

    def _stderr_tail(self) -> str:
        """The end of what the adapter wrote to stderr, for a message about its death."""
        tail = self.output.strip()[-300:]
        return f" (its stderr ends: {tail!r})" if tail else ""

    def _retire(self, grace: float = 0.0) -> str:
        """Stop the current adapter process, keeping its stderr; the next call starts a fresh one."""
        channel, self._channel = self._channel, None
        if channel is None:
            return "was already gone"
        how = channel.stop(grace)
        if self._confined is not None:
            self._confined.end_leftovers()
        self._keep_stderr(channel)
        return how

    def close(self) -> None:
        """Say bye and stop the adapter."""
        if self._channel is not None:
            self._channel.say({"type": "bye"})
        self._retire(0.2)
        if self._confined is not None:
            self._confined.close()


def _parse(line: bytes) -> dict[str, Any]:
    """One line as a JSON object; BadValue where it is not one."""
    try:
        reply = json.loads(line)
    except (ValueError, RecursionError):
        raise codec.BadValue(f"a line that is not JSON: {_quote(line)}") from None
    if not isinstance(reply, dict):
        raise codec.BadValue(f"a line that is not a JSON object: {_quote(line)}")
    return reply


def _quote(line: bytes) -> str:
    """The start of a line, for a message."""
    text = line[:80].decode("utf-8", errors="replace")
    return repr(text + ("..." if len(line) > 80 else ""))


def split_command(command: str) -> list[str]:
    """``command`` split as a POSIX shell would; AdapterError when it is empty, unbalanced or names no program."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise AdapterError(f"--adapter {command!r}: {exc}") from None
    if not argv:
        raise AdapterError("--adapter needs a command")
    if shutil.which(argv[0], path=os.environ.get("PATH") if os.sep not in argv[0] else None) is None:
        raise AdapterError(f"--adapter: no such program {argv[0]!r} (not found, or not executable)")
    return argv


def refuse_unsendable(cases: Iterable[Case], perf: bool) -> None:
    """AdapterError, before an adapter starts, for what it is not given: ``--perf`` (its calls cross a pipe as JSON
    lines, so a timing would measure the protocol, not the implementation) and the ``large`` cases (10^7 elements
    as JSON lines: minutes per call, past any timeout)."""
    if perf:
        raise AdapterError("--perf times a target in this process; an adapter's calls cross a pipe: drop --perf")
    large = sorted({c.key for c in cases if LARGE_TAG in c.tags})
    if large:
        raise AdapterError(
            f"--adapter: the large cases ({large[0]}, ... {len(large)} in all) are not sent to an adapter: "
            f"10^7 values as JSON lines take minutes per call; drop -t large"
        )


def open_adapter(command: str, limits: Limits | None, submission: str | None = None) -> AdapterTarget:
    """The adapter ``command`` started in the working directory, under ``limits`` (the worker's by default); with
    ``submission``, confined with its staged copy (``confine.py``: the command names it as ``{submission}``)."""
    return AdapterTarget(command, limits or DEFAULT_LIMITS, os.getcwd(), submission)
