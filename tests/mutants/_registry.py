"""The mutant registry: each wrong implementation registers itself under the function it imitates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mutant:
    """A deliberately wrong implementation of one suite function, named for its mistake."""

    function: str
    name: str
    impl: Callable[..., Any]
    note: str = ""  # what it gets wrong, where the impl has no docstring
    beyond: bool = False  # a mistake only beyond the function's documented contract: right on every inside case

    @property
    def mistake(self) -> str:
        """What the mutant gets wrong: its note, else the first line of its docstring."""
        return self.note or (self.impl.__doc__ or self.name).strip().splitlines()[0]


MUTANTS: list[Mutant] = []
ALTERNATIVES: list[Mutant] = []  # correct implementations written differently: they must pass every case


def mutant(function: str, beyond: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a mutant of ``function`` (``beyond``: wrong only beyond its contract)."""

    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        MUTANTS.append(Mutant(function, impl.__name__, impl, beyond=beyond))
        return impl

    return register


def alternative(function: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a correct alternative implementation of ``function``."""

    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        ALTERNATIVES.append(Mutant(function, impl.__name__, impl))
        return impl

    return register
