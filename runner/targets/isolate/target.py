"""``IsolatedTarget``: a submission loaded in a confined worker, behind the runner's one Target interface.

``resolve`` returns proxies that send inputs to the worker and return what came
back as plain data, so ``dlconform.run.engine.run_cases`` judges isolated results with
the one comparison engine, in the grader's process. A call that runs past the
timeout costs one timeout: the function's remaining cases fail at once. A worker
that dies is restarted for the next call.
"""

from __future__ import annotations

import functools
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.format.model import Case
from dlconform.results import BROKE, Failure, Fault, Outcome, Report
from dlconform.targets.base import Closing
from dlconform.targets.capture import Capture
from dlconform.targets.isolate.access import check_module_target
from dlconform.targets.isolate.ahead import start_worker, stop_worker
from dlconform.targets.isolate.batch import Batch, Call, batchable, encode_call, plan_batch, planned_call
from dlconform.targets.isolate.budget import Budget
from dlconform.targets.isolate.paths import escaping_link
from dlconform.targets.isolate.protocol import ProtocolError, Reply, Returned, decode_value
from dlconform.targets.isolate.replies import check_call_reply, check_load_reply
from dlconform.targets.isolate.sandbox import resolve as resolve_sandbox
from dlconform.targets.isolate.spawn import (
    CLOSED,
    DEFAULT_LIMITS,
    STOPPED,
    Limits,
    Worker,
    WorkerBroke,
    WorkerDied,
    WorkerTimeout,
)
from dlconform.targets.load import TargetNotFound, is_module_spec, refuse_folder
from dlconform.targets.resolver import GraderFault, Unavailable

MAX_CRASHES = 3  # crashes of one function before its remaining cases are not run
RESERVED = {"object", "BaseException", "Exception"}


class RemoteFunction:
    """A function of the submission, called in its worker; ``worker_seconds`` is the last call's own time there
    (its reply may have come with a batch: the grader's clock would count the others' time), None when unknown."""

    def __init__(self, target: IsolatedTarget, function: str) -> None:
        self.target, self.function = target, function
        self.worker_seconds: float | None = None

    def __call__(self, *args: Any) -> Any:
        try:
            return self.target.call(self.function, *args)
        finally:
            self.worker_seconds = self.target.took


class CallTimeout(GraderFault):
    """A call of the submission (or its import) that ran past ``--timeout``."""

    fault = Fault.TIMEOUT


class WorkerCrash(GraderFault):
    """The worker died, or broke the protocol, during a call."""

    fault = Fault.CRASH


class IsolatedTarget(Closing):
    """A target whose code runs only in a worker process, behind the one Target interface (``targets.base``)."""

    isolated = True

    def __init__(self, spec: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.source = _source_file(spec)
        kind = "module" if self.source is None else ("notebook" if self.source.suffix == ".ipynb" else "file")
        self.info: dict[str, Any] = {
            "kind": kind,
            "spec": spec,
            "path": str(self.source) if self.source else None,
            "module": None,
            "version": None,
            "load_error": None,
            "isolation": {
                "timeout": limits.timeout,
                "memory": limits.memory or None,
                "user": "unprivileged uid of its own" if os.geteuid() == 0 else "the grader's own user",
                "sandbox": resolve_sandbox(limits.sandbox, module_target=self.source is None),
            },
        }
        if self.source is None:  # a module is imported where it lies: one line if the worker cannot read it
            check_module_target(spec, self.info["isolation"]["sandbox"])
        self.warnings: list[str] = []
        self.load_error: str | None = None
        self.load_fault: Fault | None = None  # TIMEOUT when this process saw the import run past its limit
        self.output = ""  # what the submission printed while loading
        self.run_output = ""  # what it printed during calls of public cases (bounded)
        self.hiding = False  # set while hidden cases run: what is printed then is never shown (it would leak inputs)
        self._given_hidden = False  # the current worker was given a hidden case's inputs
        self._warned = Capture()  # the warnings the calls of public cases raised, by case (the pipeline sets .case)
        self.calls = self._warned
        self._raw_loading = ""  # what reached the capture pipe (not Python's sys.stdout) while loading
        self._missing: dict[str, Unavailable] = {}
        self._given_up: dict[str, Exception] = {}  # function -> what its remaining calls raise
        self._broken: Exception | None = None  # set when a restarted worker cannot load the submission
        self._crashes: Counter[str] = Counter()
        self._breaches: Counter[str] = Counter()  # of those, the calls whose worker broke the protocol
        self._worker: Worker | None = None
        self._loaded = False  # a restarted worker's import output is not recorded twice
        self._budget = Budget(limits.budget)
        self._plan: list[Case] = []  # the cases of the phase running (expect), to batch calls by
        self._position: dict[str, int] = {}
        self._batch: Batch | None = None  # the calls sent in the worker's last request whose replies are not taken
        self.took: float | None = None  # the last call's own seconds in the worker (RemoteFunction.worker_seconds)
        first = self._start()
        if first is not None:
            self.load_error = first
            self.info["load_error"] = first

    def finish(self, report: Report) -> Report:
        """The report with what the submission printed in its worker (``with_transcript``)."""
        return with_transcript(report, self)

    def resolve(self, function: str) -> Callable[..., Any] | Unavailable:
        """A proxy calling ``function`` in the worker, or why the submission has none."""
        if self.load_error is not None:
            why = f"target failed to import: {self.load_error}"
            return Unavailable(why, Outcome.ERROR, Failure.IMPORT_ERROR, self.load_fault)
        if function in self._missing:
            return self._missing[function]
        return RemoteFunction(self, function)

    def expect(self, cases: Sequence[Case]) -> None:
        """The cases the engine is about to run, in order (one phase: visible, or hidden), so that a call can carry
        the next cases of its function with it (batch.py); calls outside them go alone."""
        self._plan = list(cases)
        self._position = {c.key: i for i, c in enumerate(self._plan)}

    def call(self, function: str, *args: Any) -> Any:
        """Call ``function`` in the worker on ``args``; in-place changes to arrays are mirrored onto ``args``.
        ``took`` is then the call's own seconds in the worker, or None when no reply came."""
        self.took = None
        if function in self._given_up:
            raise self._given_up[function]
        if self._broken is not None:
            raise self._broken
        self._budget.check()
        if self.hiding:
            self._given_hidden = True
        elif self._given_hidden:  # a worker that was given hidden inputs never runs a call the student sees
            self._retire(0.0)
            self._given_hidden = False
        call = self._encoded(function, args)
        worker = self._worker or self._restart()
        timeout, limit = self._budget.call_timeout(self.limits.timeout)
        try:
            reply, out = self._reply(worker, call, timeout)
            if isinstance(reply, Returned):  # the usual reply: an array, no input changed, no warning
                self.took = reply.took
                return reply.value
            for warned in reply.get("warned", []) if not self.hiding else ():  # a hidden case's could show inputs
                self._warned.warn(warned)
            self.took = reply.get("took")
            return self._returned(reply, out, args)
        except WorkerTimeout:
            self._retire(0.0)
            self._given_up[function] = CallTimeout(f"not run: an earlier call of {function} ran past {limit}")
            raise CallTimeout(f"no result within {limit}; the worker was stopped") from None
        except (WorkerDied, ProtocolError) as exc:
            raise self._crashed(function, exc) from None
        finally:
            self._collect_output(self._worker or worker)

    def _encoded(self, function: str, args: tuple[Any, ...]) -> Call:
        """``function`` on ``args`` as sent: the batch in flight's next call when they are that very call (compared,
        not encoded again), else encoded afresh, the batch in flight given up when it did not foresee them (its
        replies are not this call's)."""
        batch = self._batch
        pending = batch.pending() if batch is not None else None
        if pending is not None and pending.matches(function, args):
            return pending
        call = encode_call(function, args)
        if batch is not None and not batch.next_is(call):
            self._retire(0.0)
        return call

    def _restart(self) -> Worker:
        """A fresh worker with the submission loaded, for the next call."""
        why = self._start()
        if why is not None:  # no point trying again for every remaining case
            self._broken = WorkerCrash(f"the worker could not be restarted: {why}")
            raise self._broken
        assert self._worker is not None
        return self._worker

    def _reply(self, worker: Worker, call: Call, timeout: float) -> tuple[Reply, list[Any]]:
        """The checked reply to ``call``: the next of the batch in flight, or the first of a new batch. Its
        timeout runs from the previous reply of its batch."""
        batch = self._batch
        if batch is None:
            at = self._position.get(self._warned.case, -1)  # the case the pipeline says runs now (Capture.case)
            ours = at >= 0 and self._plan[at].function == call.function
            batch = plan_batch(call, self._plan[at + 1 :] if ours else [], self.hiding)
            batch.end = at + len(batch.calls) if ours else None
            header, blobs = batch.request()
            self._batch = batch
            reply, out = worker.request(header, blobs, timeout, call.limit)
            batch.seq = worker.seq
        else:
            wait = max(0.0, timeout - (time.monotonic() - batch.since))
            queued = self._next_batch(batch)
            if queued is None:
                reply, out = worker.next_reply(wait, call.limit, batch.seq)
            else:  # sent while this reply is awaited, so that the worker goes on to it while the grader judges
                header, blobs = queued.request()
                reply, out = worker.request(header, blobs, wait, call.limit, batch.seq)
                queued.seq, batch.after = worker.seq, queued
        check_call_reply(reply, out, len(call.tagged), batch.taken)
        batch.took_one()
        if batch.done:  # the batch sent behind it (if any) was the worker's to start from now
            self._batch = batch.after
            if batch.after is not None:
                batch.after.since = batch.since
        return reply, out

    def _next_batch(self, batch: Batch) -> Batch | None:
        """The plan's next batch after ``batch`` (the cases following it in the phase running, none generated), when
        it is not sent yet; the engine's calls must still be those very calls to take their replies."""
        at = batch.end
        if at is None or at >= len(self._plan) or batch.after is not None:
            return None
        case = self._plan[at]
        if case.function in self._missing or case.function in self._given_up:  # calls the engine will not make
            return None
        if not batchable(case, self.hiding):
            return None
        queued = plan_batch(planned_call(case), self._plan[at + 1 :], self.hiding)
        queued.end = at + len(queued.calls)
        return queued

    def _crashed(self, function: str, exc: Exception) -> WorkerCrash:
        """What a dead worker, or one that broke the protocol, makes of this call: the worker is stopped, and the
        crash counts against ``function``."""
        broke = _breach(exc)
        how = self._retire(0.0 if broke is not None else 0.5)
        self._crashes[function] += 1
        self._breaches[function] += broke is not None
        if self._crashes[function] >= MAX_CRASHES:
            lied = self._breaches[function] == self._crashes[function]
            what = f"{BROKE} in {function}" if lied else f"{function} crashed the worker"
            self._given_up[function] = WorkerCrash(f"not run: {what} {MAX_CRASHES} times")
        if broke is not None:
            return WorkerCrash(f"{BROKE} during the call: {broke}")
        detail = "" if str(exc) == CLOSED and how != STOPPED else f" ({exc})"
        return WorkerCrash(f"the worker {how} during the call{detail}")

    def _returned(self, reply: dict[str, Any], blobs: list[bytes], args: tuple[Any, ...]) -> Any:
        """The call's outcome as the engine expects it: a value, or the submission's exception raised here."""
        if reply.get("status") == "raised":
            raise remote_exception(reply.get("mro"), reply.get("message"), self._place(reply.get("line")))
        if reply.get("status") != "returned":
            raise ProtocolError("a reply that is neither a result nor an exception")
        for change in reply.get("mutated") or []:
            if isinstance(change, dict) and isinstance(change.get("i"), int) and 0 <= change["i"] < len(args):
                mirror(args[change["i"]], decode_value(change.get("v"), blobs))
        result = reply.get("result")
        if isinstance(result, dict) and result.get("t") == "not-array":
            return not_array(str(result.get("message", "")))
        return decode_value(result, blobs)

    def _place(self, line: Any) -> str | None:
        """Where in the submission a call raised, from the line its worker reported (None, or not a line: unknown)."""
        if self.source is None or not isinstance(line, int) or isinstance(line, bool) or not 0 < line < 10**7:
            return None
        cell = " of a cell" if self.source.suffix == ".ipynb" else ""
        return f"{self.source.name}, line {line}{cell}" if cell else f"{self.source.name}:{line}"

    def _start(self) -> str | None:
        """Start a worker and load the submission in it; returns why that failed, or None."""
        refused = escaping_link(self.info["spec"]) if self.source is not None else None
        if refused is not None:
            return refused
        try:
            worker = start_worker(self.source, self.limits)
        except (WorkerDied, OSError) as exc:
            return f"the worker {exc}"
        header: dict[str, Any] = {"op": "load", "spec": str(worker.spec_path or self.info["spec"])}
        if self.source is None:
            header["paths"] = [os.getcwd()]  # as `run` finds a module target from the working directory
        support = [Path(p) for p in self.limits.support] if self.source is not None else []
        header["support"] = [p.name for p in support]  # written beside the submission's copy by the worker
        timeout, limit = self._budget.call_timeout(self.limits.timeout)
        try:
            answer, _ = worker.request(header, [p.read_bytes() for p in support], timeout)
            reply = check_load_reply(answer, tuple(FUNCTIONS), module_target=self.source is None)
        except WorkerTimeout:
            worker.stop(0.0)
            self.load_fault = self.load_fault if self._loaded else Fault.TIMEOUT
            return f"importing took longer than {limit}"
        except (WorkerBroke, ProtocolError) as exc:  # WorkerBroke before the WorkerDied it is
            worker.stop(0.0)
            return f"{BROKE} while importing the submission ({_breach(exc)})"
        except WorkerDied:
            return f"the worker {worker.stop(0.5)} while importing the submission"
        finally:
            self._collect_output(worker, loading=not self._loaded)
        if reply.get("status") == "not-found":
            worker.stop()
            raise TargetNotFound(str(reply.get("message")))
        if reply.get("load_error"):
            worker.stop()
            return str(reply["load_error"]).replace(f"{worker.workdir}{os.sep}", "")
        if not self._loaded:
            self._remember(reply, worker)
        self._worker = worker
        return None

    def _remember(self, reply: dict[str, Any], worker: Worker) -> None:
        """What the first successful load said: warnings, version, printed output, missing functions."""
        self._loaded = True
        folder = f"{worker.workdir}{os.sep}"
        self.warnings = [str(w).replace(folder, "") for w in reply.get("warnings") or []]
        self.output = (str(reply.get("output") or "").replace(folder, "") + self.output)[: self.limits.output]
        for key in ("module", "version") if self.source is not None else ("module", "version", "path"):
            if isinstance(reply.get(key), str):
                self.info[key] = reply[key]
        for name, why in (reply.get("missing") or {}).items():  # the worker's reason; the outcome is ours
            self._missing[str(name)] = Unavailable(str(why), Outcome.ERROR, Failure.MISSING)

    def _collect_output(self, worker: Worker, loading: bool = False) -> None:
        """Add what the worker printed to the loading or running transcript, within the output limit."""
        text = worker.take_output()
        if not text:
            return
        if loading:
            self.output = (self.output + text)[: self.limits.output]
            self._raw_loading = (self._raw_loading + text)[: self.limits.output]
        elif not self.hiding:
            self.run_output = (self.run_output + text)[: self.limits.output]

    def _retire(self, grace: float) -> str:
        """Stop the current worker (its batch in flight with it); the next call starts a fresh one."""
        worker, self._worker, self._batch = self._worker, None, None
        return worker.stop(grace) if worker else "was already gone"

    def close(self) -> None:
        """Stop the worker and remove its folder (in a batch: maybe behind, ``ahead.stop_worker``)."""
        worker, self._worker, self._batch = self._worker, None, None
        if worker is not None:
            stop_worker(worker)


def _breach(exc: Exception) -> str | None:
    """What a worker sent that is not the protocol: a frame (``WorkerBroke``) or a reply the checks refused
    (``ProtocolError``); None for any other end. Such a worker is alive, and a liar: how it ends once stopped (a
    send cut short by the stop, an exit) says nothing of the call or the import."""
    if isinstance(exc, WorkerBroke):
        return exc.why
    return str(exc) if isinstance(exc, ProtocolError) else None


def _source_file(spec: str) -> Path | None:
    """The submission file a spec names, or None for a module spec; raises TargetNotFound as ``run`` does."""
    refuse_folder(spec)
    if is_module_spec(spec):
        return None
    path = Path(spec)
    if not path.is_file() or path.suffix not in (".py", ".ipynb"):
        raise TargetNotFound(f"no such .py file or .ipynb notebook: {spec}")
    return path.resolve()


@functools.cache
def _exception_class(names: tuple[str, ...]) -> type[Exception]:
    """An exception class whose MRO carries ``names`` (most derived first), so ``raises:`` checks match by name."""
    cls: type[Exception] = Exception
    for name in reversed(names):
        cls = type(name, (cls,), {"__module__": "submission"})
    return cls


def remote_exception(mro: Any, message: Any, where: str | None = None) -> Exception:
    """A stand-in for an exception raised in the worker: same class names, same message, no code of theirs; it
    carries where the submission raised it (``raised_at``, read by dlconform.judge.raised)."""
    names = mro if isinstance(mro, list) else []
    kept = tuple(re.sub(r"\W", "_", n)[:80] for n in names[:12] if isinstance(n, str) and n not in RESERVED)
    exc = _exception_class(kept[:10])(str(message)[:2000])
    exc.raised_at = where  # type: ignore[attr-defined]
    return exc


def not_array(message: str) -> Any:
    """An opaque stand-in for a result the worker found not array-like; the comparison engine words the verdict
    from its type name, so the name carries the worker's description."""
    prefix = "not array-like: returned "
    name = message[len(prefix) :] if message.startswith(prefix) else message
    return type(name or "object", (), {"__slots__": ()})()


def mirror(arg: Any, after: Any) -> None:
    """Make the grader's copy of an input show the change the call made to the worker's copy (``after``:
    its value after the call, or None when it cannot travel)."""
    if not isinstance(arg, np.ndarray):
        return
    if isinstance(after, np.ndarray) and after.dtype == arg.dtype:
        try:
            arg.resize(after.shape, refcheck=False)
            np.copyto(arg, after)
            return
        except ValueError:
            pass
    if arg.nbytes:  # a change that cannot be mirrored (another dtype): any byte changed is seen as a change
        arg.view(np.uint8).reshape(-1)[0] ^= 0xFF


def with_transcript(report: Report, target: IsolatedTarget) -> Report:
    """A new report with what the submission printed in its worker: a note per phase, and the target's output."""
    notes: list[str] = []
    for when, text in (("loading", target._raw_loading), ("running", target.run_output)):
        printed = Capture()
        printed.write(text)
        notes.extend(printed.notes(when))
    notes.extend(target._warned.notes("running"))
    header = {**report.target, "output": (target.output + target.run_output)[: target.limits.output]}
    return replace(report, target=header, warnings=[*report.warnings, *notes])
