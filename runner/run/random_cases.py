"""``--random N --seed S``: fresh cases per function, drawn from its vector file's ``domain``.

Inputs come from a PCG64 stream keyed by the seed and the function name (bit
generator streams are stable across NumPy versions, and adding a function
shifts no other's draws); expected values come from the reference, here in the
grader. Case ids are ``random-<seed>-<i>``, tagged ``random``: the same seed
gives the same cases, a new seed cases nobody has seen. Each case carries the contract level of its draw
(``dlconform.format.contract``): a float32, 1-D or 3-D draw beyond the function's documented contract is
beyond, as a stored case with those inputs would be.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from dlconform.errors import DlconformError
from dlconform.format.contract import structurally_inside
from dlconform.format.domain import PYTHON_SCALAR, Domain, Pattern, parse_domain
from dlconform.format.model import Case, VectorFile
from dlconform.results import Level

TAG = "random"


class DomainError(DlconformError, ValueError):
    """A domain that cannot produce a valid case (the reference refuses what it draws)."""


class _Stream:
    """Reproducible draws: raw 64-bit words of PCG64 seeded by (seed, function)."""

    def __init__(self, seed: int, function: str) -> None:
        sequence = np.random.SeedSequence([seed, zlib.crc32(function.encode("utf-8"))])
        self._bits = np.random.PCG64(sequence)

    def raw(self, count: int) -> np.ndarray:
        """``count`` uniform 64-bit words."""
        return np.asarray(self._bits.random_raw(count), dtype=np.uint64).reshape(count)

    def index(self, n: int) -> int:
        """An index in range(n)."""
        return int(self.raw(1)[0] % np.uint64(n))

    def uniform(self, count: int) -> np.ndarray:
        """``count`` floats in [0, 1), 53 random bits each."""
        return (self.raw(count) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def random_cases(vf: VectorFile, n: int, seed: int) -> list[Case]:
    """``n`` cases for ``vf``'s function from its domain; raises DomainError when the reference refuses one."""
    domain = parse_domain(vf.domain, vf.params)
    stream = _Stream(seed, vf.function)
    out = []
    for i in range(n):
        signature = domain.shapes[stream.index(len(domain.shapes))]
        sizes = {name: lo + stream.index(hi - lo + 1) for name, (lo, hi) in sorted(domain.dims.items())}
        dtype = np.dtype(domain.dtypes[stream.index(len(domain.dtypes))])
        args = tuple(_draw(pattern, sizes, dtype, domain, stream, vf.path) for pattern in signature)
        case = Case(
            function=vf.function,
            id=f"random-{seed}-{i}",
            description=f"Random input {i} drawn from the domain of {Path(vf.path).name} with seed {seed}.",
            tags=(TAG,),
            args=args,
            path=vf.path,
            accuracy=vf.accuracy,
            file_tolerance=vf.tolerance,
        )
        level = Level.INSIDE if structurally_inside(case) else Level.BEYOND
        out.append(replace(case, expected=_expected(case), level=level))
    return out


def add_random(
    selected: Sequence[Case], files: Iterable[VectorFile], n: int, seed: int
) -> tuple[list[Case], list[str]]:
    """The selected cases with ``n`` random ones after each function's own, and a warning per function
    that has no domain in any file."""
    domains: dict[str, VectorFile] = {}
    for vf in files:
        if vf.domain is not None:
            domains.setdefault(vf.function, vf)
    functions = list(dict.fromkeys(c.function for c in selected))
    extra = {f: random_cases(domains[f], n, seed) for f in functions if f in domains}
    warnings = [
        f"--random: no vector file declares a domain for {f}; no random cases" for f in functions if f not in extra
    ]
    out: list[Case] = []
    for f in functions:
        out.extend(c for c in selected if c.function == f)
        out.extend(extra.get(f, []))
    return out, warnings


def _draw(pattern: Pattern, sizes: dict[str, int], dtype: np.dtype, domain: Domain, stream: _Stream, path: str) -> Any:
    """One argument: a Python number, a NumPy scalar or an array, per its pattern."""
    if pattern == PYTHON_SCALAR:
        return _values(1, dtype, domain, stream, path)[0].item()
    shape = tuple(sizes[d] if isinstance(d, str) else d for d in pattern)
    arr = _values(math.prod(shape), dtype, domain, stream, path).reshape(shape)
    return arr[()] if arr.ndim == 0 else arr


def _values(count: int, dtype: np.dtype, domain: Domain, stream: _Stream, path: str) -> np.ndarray:
    """``count`` values of ``dtype`` drawn uniformly from the domain's range (integers: its whole numbers)."""
    if dtype.kind == "b":
        return (stream.raw(count) & np.uint64(1)).astype(bool)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        lo = max(math.ceil(domain.low), int(info.min), -(2**62))  # within int64 arithmetic
        hi = min(math.floor(domain.high), int(info.max), 2**62)
        if lo > hi:
            raise DomainError(f"{path}: domain: range [{domain.low}, {domain.high}] holds no {dtype} value")
        offsets = (stream.raw(count) % np.uint64(hi - lo + 1)).astype(np.int64)
        return (offsets + lo).astype(dtype)
    return (domain.low + (domain.high - domain.low) * stream.uniform(count)).astype(dtype)


def _expected(case: Case) -> Any:
    """The reference's answer for a drawn case, in the grader's process."""
    from dlconform.judge.expected import reference_value

    try:
        return reference_value(case)
    except Exception as exc:
        raise DomainError(
            f"{case.path}: domain: the reference refuses {case.key} ({type(exc).__name__}: {exc})"
        ) from None


def with_random(
    selected: list[Case], files: list[VectorFile], n: int, seed: int | None
) -> tuple[list[Case], list[str]]:
    """The selection with --random N cases per function, and report notes; a broken domain is a DlconformError."""
    if not n:
        return selected, []
    import secrets  # here: random and hashlib cost start-up time

    chosen = seed if seed is not None else secrets.randbelow(1_000_000)
    try:
        cases, notes = add_random(selected, files, n, chosen)
    except ValueError as exc:  # DomainError is a DlconformError already; NumPy's own refusals are worded here
        raise exc if isinstance(exc, DlconformError) else DlconformError(str(exc)) from None
    return cases, [f"{n} random cases per function drawn with --seed {chosen}", *notes]
