"""``Target``: the one interface of what is being checked, in process, through a profile or in a worker.

The engine, the API, the CLI, the pytest plugin and the grader see only this:
a header (``info``), load warnings, the load error, ``resolve`` and ``close``, and
what the pipeline needs of a target running in a worker (``isolated``, ``hiding``,
``calls``, ``expect``, ``finish``), with in-process defaults on ``Closing``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from dlconform.format.model import Case
from dlconform.results import Report
from dlconform.targets.capture import Capture
from dlconform.targets.resolver import Unavailable


class Target(Protocol):
    """The callables of one implementation and what the report says about where they came from."""

    info: dict[str, Any]
    warnings: list[str]
    load_error: str | None
    isolated: bool  # its calls run in a worker: the pipeline captures nothing in this process for it
    hiding: bool  # set by the pipeline while hidden cases run: what the target prints then is never shown
    calls: Capture | None  # a worker's own record of its calls' warnings, by case; None: captured here

    def resolve(self, function: str) -> Callable[..., Any] | Unavailable:
        """The target's callable for the canonical ``function``, or why there is none."""
        ...

    def expect(self, cases: Sequence[Case]) -> None:
        """The cases about to run, in order: a worker sends a function's next calls with the one asked for."""
        ...

    def finish(self, report: Report) -> Report:
        """The run's report with what only the target knows added (a worker's transcript)."""
        ...

    def close(self) -> None:
        """Release what the target holds (a worker process); a target may be closed more than once."""
        ...

    def __enter__(self) -> Target: ...

    def __exit__(self, *exc: object) -> None: ...


class Closing:
    """The base of the runner's target classes: ``with`` closes the target on the way out.

    ``is_target`` tells an open target from a namespace by this base, never by looking up the namespace's
    attributes (a target's own ``__getattr__`` may raise).
    """

    isolated = False
    hiding = False
    calls: Capture | None = None

    def expect(self, cases: Sequence[Case]) -> None:
        """Nothing to prepare by default: in process, each call is made as it comes."""

    def finish(self, report: Report) -> Report:
        """Nothing to add by default."""
        return report

    def close(self) -> None:
        """Nothing to release by default."""

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def is_target(obj: object) -> bool:
    """Whether ``obj`` is an open target rather than a namespace (module, mapping, object) to open as one."""
    return isinstance(obj, Closing)
