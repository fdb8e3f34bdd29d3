"""What a target answers when asked for a function: its callable, or ``Unavailable`` saying why there is none.

The engine knows targets only through a ``Resolver``; every kind of target (file, module, profile, isolated
worker) provides one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Unavailable:
    """Why a target has no callable for a function; ``outcome`` is error (missing) or skipped (unsupported)."""

    reason: str
    outcome: str = "error"
    failure: str = "missing"


class Unsupported(Exception):
    """Raised by a target's callable for a call it cannot take (an argument dtype an adapter lacks): the case is
    skipped with this reason, never run."""


class Resolver(Protocol):
    """Maps a canonical function name to the target's callable for it."""

    def __call__(self, function: str) -> Callable[..., Any] | Unavailable: ...
