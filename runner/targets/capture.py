"""Keep what target code prints or warns out of the runner's own output, and bring it to the report.

A target may print (course notebooks test themselves with print calls), emit
NumPy RuntimeWarnings, or call ``input()``; none of it may corrupt a JSON report
on stdout or hang a run. ``captured()`` collects it, bounded, for ``notes()``.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Iterator

OUTPUT_LIMIT = 4000  # characters of printed output kept
SHOWN = 3  # lines or warnings quoted in a report note


class Capture(io.TextIOBase):
    """A write-only text stream keeping the first OUTPUT_LIMIT characters, plus the Python warnings raised."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0
        self.warned: Counter[str] = Counter()
        self.case = ""  # the key of the case whose call is running, "" between calls (the runner's own work)
        self.first_in: dict[str, str] = {}  # warning -> the case whose call first raised it

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        room = max(0, OUTPUT_LIMIT - self.size)
        self.parts.append(s[:room])
        self.size += min(len(s), room)
        self.dropped += max(0, len(s) - room)
        return len(s)

    def text(self) -> str:
        """Everything printed and kept, with a note of how much was dropped."""
        kept = "".join(self.parts)
        return kept + (f"\n[... {self.dropped} more characters]" if self.dropped else "")

    def notes(self, when: str) -> list[str]:
        """One report line for what was printed and one for the warnings raised, quoting the first few."""
        out = []
        lines = [ln.strip() for ln in self.text().splitlines() if ln.strip()]
        if lines:
            more = f" | ... ({len(lines) - SHOWN} more lines)" if len(lines) > SHOWN else ""
            out.append(f"target printed while {when}: " + " | ".join(lines[:SHOWN]) + more)
        if self.warned:
            quoted = [self._quoted(w, n) for w, n in self.warned.most_common(SHOWN)]
            more = f" | ... ({len(self.warned) - SHOWN} more)" if len(self.warned) > SHOWN else ""
            out.append(f"target warned while {when}: " + " | ".join(quoted) + more)
        return out

    def warn(self, text: str) -> None:
        """Count a warning the target raised, and the case whose call raised it first."""
        self.warned[text] += 1
        if self.case:
            self.first_in.setdefault(text, self.case)

    def _quoted(self, warning: str, count: int) -> str:
        """A warning as a note quotes it: how often, and the case whose call raised it first."""
        facts = [f"x{count}"] if count > 1 else []
        if warning in self.first_in:
            facts.append(f"first in {self.first_in[warning]}")
        return f"{warning} ({', '.join(facts)})" if facts else warning


def _record(capture: Capture) -> Callable[..., None]:
    """A ``warnings.showwarning`` replacement counting each distinct warning on ``capture``."""

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int, *_: object) -> None:
        capture.warn(f"{category.__name__}: {message} ({os.path.basename(filename)}:{lineno})")

    return show


@contextlib.contextmanager
def captured() -> Iterator[Capture]:
    """Collect stdout, stderr and Python warnings from target code, and give it an empty stdin.

    The warning filters stay as they are (NumPy's RuntimeWarnings shown, ResourceWarnings not); only where
    a shown warning goes changes."""
    capture = Capture()
    stdin = sys.stdin
    sys.stdin = io.StringIO()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(capture), contextlib.redirect_stderr(capture):
            warnings.showwarning = _record(capture)
            yield capture
    finally:
        sys.stdin = stdin
