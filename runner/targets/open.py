"""``open_target``: the one way to open what is being checked, in this process or in a confined worker.

A spec string (``file.py``, ``notebook.ipynb``, ``pkg.mod``, ``pkg.mod:obj``), a
module, a mapping of name -> callable or any object opens in this process; a
``Bindings`` (a profile and/or ``--bind`` lines) or a ``Profile`` opens a library
through its profile; ``isolation=Limits(...)`` opens a spec in a worker process instead; an ``Adapter`` command opens an
implementation in another language through its adapter process.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dlconform.errors import DlconformError
from dlconform.targets.base import Target, is_target

if TYPE_CHECKING:
    from dlconform.targets.isolate.spawn import Limits


@dataclass(frozen=True)
class Bindings:
    """A library to check: a profile (built-in name or file) and/or ``FUNCTION=module:callable`` bindings."""

    profile: str | None = None
    binds: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.profile is not None or bool(self.binds)


@dataclass(frozen=True)
class Adapter:
    """An implementation in any language: the command that starts its adapter (docs/protocol.md)."""

    command: str
    submission: str | None = None  # an untrusted submission: confined, the command naming it as {submission}


def open_target(source: Any, isolation: Limits | None = None) -> Target:
    """Open ``source`` as a Target; a spec that names nothing raises TargetNotFound, a bad profile ProfileError.

    A Target given is returned as it is. ``isolation`` runs a spec in a worker under those limits.
    """
    if isinstance(source, Adapter):  # always under the worker's limits (the defaults without isolation)
        from dlconform.targets.adapter.target import open_adapter

        return open_adapter(source.command, isolation, source.submission)
    if isolation is not None:
        if not isinstance(source, str | os.PathLike):
            raise DlconformError(
                "--isolate (and --timeout, --memory) check a TARGET file, notebook or module, not a --profile or --bind"
            )
        from dlconform.targets.isolate.target import IsolatedTarget

        return IsolatedTarget(os.fspath(source), isolation)
    if isinstance(source, Bindings):
        from dlconform.targets.profiles import profile_target  # only for profiles: it costs start-up time

        return profile_target(source.profile, source.binds)
    profiles = sys.modules.get("dlconform.targets.profiles.model")  # a Profile exists only once that is imported
    if profiles is not None and isinstance(source, profiles.Profile):
        from dlconform.targets.profiles import open_profile

        return open_profile(source)
    if isinstance(source, str | os.PathLike):
        from dlconform.targets.load import load_target

        return load_target(os.fspath(source))
    if is_target(source):
        return source
    from dlconform.targets.load import namespace_target

    return namespace_target(source)
