"""One adapter process and its JSON lines: started under the worker limits, every read bounded in time and size.

The adapter runs in a session of its own (its children die with it), with RLIMIT_AS for memory and RLIMIT_CORE 0
(set by /bin/sh's ulimit before it execs the command), stdin and stdout for the protocol and stderr captured up
to the output limit. ``exchange`` sends one line and
waits for one line back until a deadline; a line longer than its limit, end of stream or a missed deadline raise,
and the caller stops the process: nothing here ever waits without a deadline.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shlex
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class AdapterTimeout(Exception):
    """The adapter did not answer before the deadline."""


class AdapterDied(Exception):
    """The adapter's stdout closed (it exited or crashed)."""


class LineTooLong(Exception):
    """The adapter sent a line longer than the limit for that reply."""


@dataclass(frozen=True)
class Launch:
    """How to start an adapter: its command line, its working folder, and for a confined one (``confine.py``) the
    host uid it runs as (and the most processes that uid may have), and the cgroup ``cgroup.procs`` files it
    joins before anything of it runs."""

    argv: Sequence[str]
    cwd: str | None = None
    user: int | None = None
    joins: Sequence[str] = ()
    processes: int | None = None


def limited(argv: Sequence[str], memory: int, joins: Sequence[str] = (), processes: int | None = None) -> list[str]:
    """``argv`` run through /bin/sh's ulimit: its address space bounded (0: no bound), no core files and at most
    ``processes`` processes of its uid, after it wrote its pid into each of ``joins`` (a cgroup's
    ``cgroup.procs``: everything it starts is counted there).

    (dash spells the process limit ``-p``, bash ``-u``.) A shell sets the limits rather than a ``preexec_fn``, which would make Popen fork this process (unsafe
    beside the threads a library such as JAX starts) instead of spawning."""
    memory_kib = f"ulimit -v {max(1, memory >> 10)}; " if memory else ""
    join = "".join(f"echo $$ > {shlex.quote(path)} || exit 125; " for path in joins)
    nproc = f"{{ ulimit -p {processes} || ulimit -u {processes}; }} 2>/dev/null || exit 125; " if processes else ""
    return ["/bin/sh", "-c", f'{join}{memory_kib}{nproc}ulimit -c 0; exec "$@"', "sh", *argv]


class Channel:
    """A started adapter process speaking JSON lines on stdin and stdout."""

    def __init__(self, launch: Launch, memory: int, output: int) -> None:
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "NODE_PATH", "TMPDIR")}
        self.proc = subprocess.Popen(
            limited(launch.argv, memory, launch.joins, launch.processes),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=launch.cwd,
            env=env,
            start_new_session=True,
            user=launch.user,
            group=launch.user,
            extra_groups=[] if launch.user is not None else None,
        )
        assert self.proc.stdin and self.proc.stdout and self.proc.stderr
        self.stdin, self.stdout, self.stderr = (
            self.proc.stdin.fileno(),
            self.proc.stdout.fileno(),
            self.proc.stderr.fileno(),
        )
        for fd in (self.stdin, self.stdout, self.stderr):
            os.set_blocking(fd, False)
        self.output_limit = output
        self.stderr_text = bytearray()
        self.dropped = 0
        self._pending = bytearray()  # what stdout gave beyond the last line read

    def exchange(self, message: dict[str, Any] | None, timeout: float, limit: int) -> bytes:
        """Send ``message`` (one JSON line; None sends nothing) and return the next line the adapter writes,
        without its newline; at most ``limit`` bytes."""
        out = memoryview(b"" if message is None else json.dumps(message, allow_nan=False).encode() + b"\n")
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self.stdout, selectors.EVENT_READ, "out")
            sel.register(self.stderr, selectors.EVENT_READ, "err")
            if len(out):
                sel.register(self.stdin, selectors.EVENT_WRITE, "in")
            while True:
                line = self._line(limit)
                if line is not None:
                    return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AdapterTimeout()
                for key, _ in sel.select(left):
                    if key.data == "in":
                        try:
                            out = out[os.write(self.stdin, out) :]
                        except BlockingIOError:
                            continue
                        except OSError:  # it closed stdin: what it wrote, or its exit, says why
                            out = memoryview(b"")
                        if not len(out):
                            sel.unregister(self.stdin)
                    elif key.data == "err":
                        if not self._read_stderr():
                            sel.unregister(self.stderr)
                    else:
                        self._read_stdout(limit)

    def say(self, message: dict[str, Any]) -> None:
        """Send one short line if the pipe takes it now (``bye``); never waits."""
        with contextlib.suppress(OSError):
            os.write(self.stdin, json.dumps(message).encode() + b"\n")

    def _line(self, limit: int) -> bytes | None:
        """The first complete line pending, if any; raises LineTooLong once more than ``limit`` bytes have no end."""
        end = self._pending.find(b"\n", 0, limit + 1)
        if end >= 0:
            line = bytes(self._pending[:end])
            del self._pending[: end + 1]
            return line
        if len(self._pending) > limit:
            raise LineTooLong(f"a line longer than {limit} bytes")
        return None

    def _read_stdout(self, limit: int) -> None:
        """Append what stdout has to the pending bytes; raises AdapterDied at end of stream."""
        try:
            chunk = os.read(self.stdout, max(1 << 16, min(limit + 1 - len(self._pending), 1 << 24)))
        except BlockingIOError:
            return
        if not chunk:
            raise AdapterDied()
        self._pending += chunk

    def _read_stderr(self) -> bool:
        """Keep what stderr has, up to the output limit; False once it closed."""
        try:
            chunk = os.read(self.stderr, 1 << 16)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        room = max(0, self.output_limit - len(self.stderr_text))
        self.stderr_text += chunk[:room]
        self.dropped += len(chunk) - min(room, len(chunk))
        return True

    def stray(self) -> bytes:
        """What the adapter wrote to stdout since its last reply (nothing, in the protocol), then forgotten."""
        try:
            while True:
                chunk = os.read(self.stdout, 1 << 16)
                if not chunk or len(self._pending) > 1 << 16:
                    break
                self._pending += chunk
        except (BlockingIOError, OSError):
            pass
        stray, self._pending = bytes(self._pending), bytearray()
        return stray

    def stop(self, grace: float = 0.0) -> str:
        """End the adapter and its children (after ``grace`` seconds to exit on its own); how it ended."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=grace) if grace else None
        killed = self.proc.poll() is None
        with contextlib.suppress(OSError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # its session: whatever it started goes too
        self.proc.wait()
        for _ in range(16):  # what it wrote before it ended (a descendant that escaped may hold the pipe open)
            try:
                if not self._read_stderr():
                    break
            except OSError:
                break
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError):
                stream.close() if stream else None
        return "was stopped by the runner" if killed else describe_exit(self.proc.returncode)

    def take_stderr(self) -> str:
        """What the adapter wrote to stderr since the last call, as text."""
        text = self.stderr_text.decode("utf-8", errors="replace")
        if self.dropped:
            text += f"\n[... {self.dropped} more bytes of stderr dropped]\n"
        self.stderr_text.clear()
        self.dropped = 0
        return text


def describe_exit(code: int) -> str:
    """How an adapter process ended: ``exited with code 3``, ``died of signal SIGSEGV``."""
    if code >= 0:
        return f"exited with code {code}"
    try:
        return f"died of {signal.Signals(-code).name}"
    except ValueError:
        return f"died of signal {-code}"
