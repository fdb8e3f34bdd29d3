"""Library profiles: YAML files binding the suite's functions to a library's callables.

``open_target(Bindings("torch", ("sigmoid=torch:sigmoid",)))`` (``dlconform.targets.open``)
reads a built-in profile (or a file) through ``profile_target``, lays inline bindings
on top, imports the library and returns a target the engine runs like any other. The built-in profiles (numpy, scipy,
torch, jax, array_api) and their baselines live in this folder; the format is
documented in docs/profiles.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from dlconform.targets.profiles.model import (
    Binding,
    Profile,
    ProfileError,
    builtin_names,
    load_profile,
    parse_bind,
    read_profile,
    with_binds,
)
from dlconform.targets.profiles.target import (
    ConversionError,
    LibraryMissing,
    ProfileTarget,
    open_profile,
    resolve_attribute,
)


def profile_target(spec: str | None, binds: Sequence[str] = ()) -> ProfileTarget:
    """Open a profile (built-in name or file) with ``--bind`` bindings on top; either may be absent."""
    if spec is None and not binds:
        raise ProfileError("give a profile or at least one --bind")
    profile = load_profile(spec) if spec is not None else None
    parsed = [parse_bind(b) for b in binds]
    for text, bound in zip(binds, parsed, strict=True):
        _check_bind(text, bound)
    merged = with_binds(profile, parsed)
    return open_profile(merged, spec if spec is not None else "--bind " + " ".join(binds))


def _check_bind(text: str, bound: Binding) -> None:
    """A ``--bind`` whose callable cannot be found is a usage error, said once, not an error in every case."""
    try:
        resolve_attribute(str(bound.call))
    except ModuleNotFoundError as exc:
        raise ProfileError(f"--bind {text!r}: no module named {exc.name!r}") from None
    except Exception as exc:  # a missing attribute, a non-callable, a library that raises on import
        raise ProfileError(f"--bind {text!r}: {type(exc).__name__}: {exc}") from None


__all__ = [
    "Binding",
    "ConversionError",
    "LibraryMissing",
    "Profile",
    "ProfileError",
    "ProfileTarget",
    "builtin_names",
    "load_profile",
    "open_profile",
    "parse_bind",
    "profile_target",
    "read_profile",
    "with_binds",
]
