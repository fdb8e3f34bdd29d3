"""What a target answers when asked for a function: its callable, or ``Unavailable`` saying why there is none.

The engine knows targets only through a ``Resolver``; every kind of target (file, module, profile, isolated
worker) provides one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from dlconform.results import Failure, Fault, Outcome


@dataclass(frozen=True)
class Unavailable:
    """Why a target has no callable for a function; ``outcome`` is error (missing) or skipped (unsupported)."""

    reason: str
    outcome: Outcome = Outcome.ERROR
    failure: str = Failure.MISSING
    fault: Fault | None = None  # the grader saw the target's import time out


class Unsupported(Exception):
    """Raised by a target's callable for a call it cannot take (an argument dtype an adapter lacks): the case is
    skipped with this reason, never run."""


class GraderFault(Exception):
    """Raised by a target's callable when the grader, not the target, ended the call (a timeout, a dead worker):
    the case's result carries ``fault``. The target's own exceptions are never of this class."""

    fault: Fault


class Resolver(Protocol):
    """Maps a canonical function name to the target's callable for it."""

    def __call__(self, function: str) -> Callable[..., Any] | Unavailable: ...
