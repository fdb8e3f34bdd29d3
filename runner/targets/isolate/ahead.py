"""Workers started ahead and stopped behind, for a batch of submissions (``grade``), off each job's path.

While a job grades one submission, the worker of the submission it will grade next is started in the
background: forked, confined, its own copy of its own submission staged, and nothing of it run (its load
request, sent when its turn comes, is its first). A bwrap worker that is done is stopped in the background
(its namespaces and cgroup make it no neighbour of the next); a uid worker is stopped on the job's path, so
that with ``--jobs 1`` nothing of a uid runs or lies in /tmp when the next submission loads. A submission's
result is handed on only once every worker of it is stopped, and the batch ends only once every worker it
started is.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextvars import ContextVar
from pathlib import Path

from dlconform.targets.isolate import spawn
from dlconform.targets.isolate.paths import escaping_link
from dlconform.targets.isolate.spawn import Limits, Worker
from dlconform.targets.isolate.uids import NoFreeUid

CURRENT: ContextVar[Lookahead | None] = ContextVar("dlconform_lookahead", default=None)


def start_worker(source: Path | None, limits: Limits) -> Worker:
    """A started worker for ``source``: the one its batch started ahead, else a fresh one (``spawn.start_worker``);
    then the batch starts the next submission's."""
    ahead = CURRENT.get()
    if ahead is None or source is None:
        return spawn.start_worker(source, limits)
    worker = ahead.take(source, limits)
    if worker is None:
        try:
            worker = spawn.start_worker(source, limits)
        except NoFreeUid:  # the workers started ahead hold the last uids: this one comes first
            ahead.drop_ahead()
            worker = spawn.start_worker(source, limits)
    ahead.start_after(source)
    return worker


def stop_worker(worker: Worker) -> None:
    """Stop a worker whose submission is done: through its batch (``Lookahead.stop``), else now."""
    ahead = CURRENT.get()
    if ahead is None:
        worker.stop(0.0)
    else:
        ahead.stop(worker)


def _spawn_ahead(source: Path, limits: Limits) -> Worker:
    """A worker for ``source``, started before its turn (in a background thread)."""
    return Worker(source, limits)


def _stop_behind(worker: Worker) -> None:
    """Stop a worker whose submission is done (in a background thread)."""
    worker.stop(0.0)


class Lookahead:
    """The workers of one batch started ahead (one per job) and stopped behind."""

    def __init__(self, submissions: Sequence[str], limits: Limits, jobs: int, enabled: bool = True) -> None:
        self.enabled = enabled  # not for an adapter's batch: its processes are started as they are
        self.order = [(_key(s), s) for s in submissions]
        self._place: dict[Path, int] = {}
        for at, (key, _) in enumerate(self.order):
            self._place.setdefault(key, at)
        self.limits, self.jobs = limits, max(1, jobs)
        self._ahead: dict[Path, Future[Worker]] = {}
        self._seen: set[Path] = set()  # submissions whose worker was started ahead, or whose turn came
        self._stops: list[Future[None]] = []
        self._lock = threading.Lock()
        self._mine = threading.local()  # the stops each job started, for the submission it grades
        self._pool = ThreadPoolExecutor(max_workers=self.jobs + 1, thread_name_prefix="dlconform-ahead")

    def take(self, source: Path, limits: Limits) -> Worker | None:
        """The worker started ahead for ``source`` (waiting for its start), or None: none was, or it failed to
        start (the caller starts one as it would have)."""
        with self._lock:
            started = self._ahead.pop(_key(str(source)), None)
            self._seen.add(_key(str(source)))
        worker = None
        if started is not None:
            with contextlib.suppress(Exception):  # not the submission's doing: it has run nothing yet
                worker = started.result()
        if worker is not None and limits != self.limits:
            worker.stop(0.0)
            worker = None
        return worker

    def start_after(self, source: Path) -> None:
        """Start the worker of the submission ``jobs`` places after ``source`` (the next this job will take)."""
        at = self._place.get(_key(str(source)), len(self.order)) + self.jobs
        if at >= len(self.order):
            return
        key, spec = self.order[at]
        if escaping_link(spec) is not None or key.suffix not in (".py", ".ipynb") or not key.is_file():
            return  # refused or not found when its turn comes, as the target says: never read ahead
        with self._lock:
            if key not in self._seen:
                self._seen.add(key)
                self._ahead[key] = self._pool.submit(_spawn_ahead, key, self.limits)

    def stop(self, worker: Worker) -> None:
        """Stop ``worker`` in the background where its sandbox allows (bwrap), else now."""
        if worker.mode != "bwrap":
            worker.stop(0.0)
            return
        done = self._pool.submit(_stop_behind, worker)
        with self._lock:
            self._stops = [*(f for f in self._stops if not f.done()), done]
        self._mine.stops.append(done)

    @contextlib.contextmanager
    def job(self) -> Iterator[list[Future[None]]]:
        """Within it, this thread's workers are taken from and stopped through this batch; it yields the stops
        they started, to wait for before the submission's result is handed on."""
        stops: list[Future[None]] = []
        self._mine.stops = stops
        token = CURRENT.set(self if self.enabled else None)
        try:
            yield stops
        finally:
            CURRENT.reset(token)
            self._mine.stops = []

    def drop_ahead(self) -> None:
        """Stop every worker started ahead and not taken (their uids, say, are wanted now)."""
        with self._lock:
            left, self._ahead = list(self._ahead.values()), {}
        for started in left:
            started.cancel()
        for started in left:
            with contextlib.suppress(Exception):
                if not started.cancelled():
                    started.result().stop(0.0)

    def close(self) -> None:
        """Stop every worker started ahead and not taken, and wait until every stop is done."""
        self.drop_ahead()
        with self._lock:
            stops = list(self._stops)
        wait(stops)
        self._pool.shutdown(wait=True)


def _key(submission: str) -> Path:
    """The submission's path as its target resolves it."""
    return Path(submission).resolve()
