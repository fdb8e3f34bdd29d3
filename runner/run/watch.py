"""Never silent: say which case is running when one call of an in-process run takes more than a few seconds.

An in-process run has no time limit (that needs a worker: ``--timeout``), so an
infinite loop would otherwise hang without a word. A daemon thread looks at the
case in progress a few times a second and writes one line to ``stream`` (the
real stderr, not the capture the target's output goes to) once a call has run
for ``after`` seconds.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import TextIO

from dlconform.format.model import Case

SLOW_AFTER = 5.0  # seconds one call may run before the notice
POLL = 0.25  # seconds between looks


class SlowNotice:
    """A ``run_cases`` watch: remembers the case in progress; ``check()`` writes the notice once per slow call."""

    def __init__(self, after: float, stream: TextIO) -> None:
        self.after = after
        self.stream = stream
        self.case: Case | None = None
        self.since = 0.0
        self.told = False

    def __call__(self, case: Case | None) -> None:
        """A call of ``case`` starts (None: the call ended)."""
        self.since, self.told, self.case = time.monotonic(), False, case

    def check(self) -> None:
        """Write the notice if the call in progress has run for ``after`` seconds and was not reported yet."""
        case, since = self.case, self.since
        if case is None or self.told or time.monotonic() - since < self.after:
            return
        self.told = True
        seconds = time.monotonic() - since
        with contextlib.suppress(OSError, ValueError):  # a closed stderr must not kill the run
            self.stream.write(
                f"dlconform: {case.key} is still running after {seconds:.0f} s (an infinite loop?); "
                "Ctrl-C stops with a report of what ran; --timeout S limits every call\n"
            )
            self.stream.flush()


@contextlib.contextmanager
def slow_notice(after: float, stream: TextIO) -> Iterator[SlowNotice]:
    """A SlowNotice checked by a daemon thread for as long as the block runs."""
    notice = SlowNotice(after, stream)
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(POLL):
            notice.check()

    thread = threading.Thread(target=poll, name="dlconform-slow-notice", daemon=True)
    thread.start()
    try:
        yield notice
    finally:
        stop.set()
        thread.join()
