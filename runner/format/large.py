"""Large inputs: arrays generated from a formula instead of stored, and judged a block at a time.

A vector-file value ``{generate: linspace | hash, ..., shape: [...], dtype: d}``
stands for an array any language can rebuild from the formulas below; the
expected value of such a case is ``{generate: reference}``: the reference
applied to the same inputs, computed block by block so that no full-size copy
of the inputs or the expected result is ever held.

- ``linspace`` (float dtypes): element i of n is ``start + i * step`` with
  ``step = (stop - start) / (n - 1)`` in IEEE double (the product rounded, then
  the sum; no fused multiply-add), the last element is ``stop`` exactly, and
  the value is then rounded to ``dtype``. One element is ``start``.
- ``hash`` (float and integer dtypes): element i is ``z = splitmix64(seed + (i + 1) * 0x9E3779B97F4A7C15)``
  (all mod 2^64; the (i+1)-th output of SplitMix64 seeded with ``seed``). Float
  dtypes: ``low + (high - low) * ((z >> 11) * 2^-53)`` in double, rounded to
  ``dtype``. Integer dtypes: ``low + z mod (high - low)`` exactly.

Elements are laid out in C order over ``shape``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.format.values import DTYPES, ValueFormatError, decode, short_repr

MAX_ELEMENTS = 10**7
BLOCK = 1 << 17  # elements judged (or regenerated) at a time: 1 MiB of float64
LARGE_TAG = "large"
GAMMA = 0x9E3779B97F4A7C15
INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32")
FLOAT_DTYPES = ("float16", "float32", "float64")
GENERATORS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (its own keys, the dtypes it can make)
    "linspace": (("start", "stop"), FLOAT_DTYPES),
    "hash": (("seed", "low", "high"), FLOAT_DTYPES + INT_DTYPES),
}


@dataclass(frozen=True)
class Generated:
    """An input array given by a formula (see the module docstring); ``params`` holds the formula's numbers."""

    kind: str
    shape: tuple[int, ...]
    dtype_name: str
    params: tuple[tuple[str, Any], ...]

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.dtype_name)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    def to_data(self) -> dict[str, Any]:
        """The vector-file mapping this value was read from."""
        return {"generate": self.kind, **dict(self.params), "shape": list(self.shape), "dtype": self.dtype_name}

    def chunk(self, lo: int, hi: int) -> np.ndarray:
        """Elements ``lo`` to ``hi - 1`` (C order) as a fresh 1-D array."""
        p = dict(self.params)
        if self.kind == "linspace":
            return _linspace(p["start"], p["stop"], self.size, lo, hi).astype(self.dtype, copy=False)
        return _hash_values(p["seed"], p["low"], p["high"], lo, hi, self.dtype)

    def rows(self, lo: int, hi: int) -> np.ndarray:
        """Rows ``lo`` to ``hi - 1`` along the first axis."""
        row = math.prod(self.shape[1:])
        return self.chunk(lo * row, hi * row).reshape((hi - lo, *self.shape[1:]))

    def materialize(self) -> np.ndarray:
        """The whole array, built a block at a time into one buffer (no second full-size copy)."""
        out = np.empty(self.size, dtype=self.dtype)
        for lo in range(0, self.size, BLOCK):
            hi = min(lo + BLOCK, self.size)
            out[lo:hi] = self.chunk(lo, hi)
        return out.reshape(self.shape)


@dataclass(frozen=True)
class FromReference:
    """``expected: {generate: reference}``: the reference's result on the case's generated inputs."""

    def to_data(self) -> dict[str, Any]:
        """The vector-file mapping for this value."""
        return {"generate": "reference"}


REFERENCE = FromReference()


def _linspace(start: float, stop: float, n: int, lo: int, hi: int) -> np.ndarray:
    """Elements lo..hi-1 of the linspace formula, in float64."""
    if n == 1:
        return np.full(hi - lo, start, dtype=np.float64)
    step = (stop - start) / (n - 1)
    out = np.arange(lo, hi, dtype=np.float64)
    out *= step
    out += start
    if hi == n:
        out[-1] = stop
    return out


def splitmix64(seed: int, lo: int, hi: int) -> np.ndarray:
    """Outputs lo+1 .. hi of SplitMix64 seeded with ``seed``, as uint64."""
    z = np.arange(lo + 1, hi + 1, dtype=np.uint64)
    z *= np.uint64(GAMMA)
    z += np.uint64(seed)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def _hash_values(seed: int, low: float, high: float, lo: int, hi: int, dtype: np.dtype) -> np.ndarray:
    """Elements lo..hi-1 of the hash formula, in ``dtype``."""
    z = splitmix64(seed, lo, hi)
    if dtype.kind == "f":
        u = (z >> np.uint64(11)).astype(np.float64)
        u *= 2.0**-53
        u *= high - low
        u += low
        return u.astype(dtype, copy=False)
    z %= np.uint64(high - low)
    out = z.astype(np.int64)
    out += low
    return out.astype(dtype, copy=False)


def decode_value(value: Any) -> Any:
    """A vector-file value as ``values.decode`` gives it, or the Generated value a ``{generate: ...}`` mapping names."""
    if not (isinstance(value, dict) and "generate" in value):
        return decode(value)
    if not isinstance(value["generate"], str):
        raise ValueFormatError(f"generate must name a generator, not {short_repr(value['generate'])}")
    return parse_generated(value)


def parse_generated(value: dict[str, Any]) -> Generated | FromReference:
    """The Generated value (or the reference marker) a ``{generate: ...}`` mapping stands for."""
    kind = value.get("generate")
    if kind == "reference":
        if set(value) != {"generate"}:
            raise ValueFormatError("{generate: reference} takes no other keys")
        return REFERENCE
    if kind not in GENERATORS:
        raise ValueFormatError(f"unknown generator {kind!r} (known: {', '.join(GENERATORS)}, reference)")
    own, dtypes = GENERATORS[kind]
    wanted = {"generate", "shape", "dtype", *own}
    if set(value) != wanted:
        missing, extra = sorted(wanted - set(value)), sorted(set(value) - wanted)
        raise ValueFormatError(f"generate: {kind} needs keys {sorted(wanted)} (missing {missing}, unknown {extra})")
    name = value["dtype"]
    if name not in dtypes:
        known = [d for d in DTYPES if d in dtypes]
        raise ValueFormatError(f"generate: {kind} makes dtypes {', '.join(known)}, not {name!r}")
    shape = value["shape"]
    if not (isinstance(shape, list) and all(_is_int(n) and n >= 0 for n in shape)):
        raise ValueFormatError(f"generate: shape must be a list of non-negative integers, not {shape!r}")
    shape = [int(n) for n in shape]
    if math.prod(shape) > MAX_ELEMENTS:
        raise ValueFormatError(f"generate: {math.prod(shape):,} elements is more than {MAX_ELEMENTS:,}")
    params = _checked_params(kind, {k: value[k] for k in own}, np.dtype(name))
    return Generated(kind, tuple(shape), name, tuple(params.items()))


def _finite(x: float) -> bool:
    """Whether a number is a finite float64 (a Python int too large for one is not)."""
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def _is_int(x: Any) -> bool:
    """An integer in JSON Schema's sense: a number, not a bool, with no fraction (``2.0`` counts)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return False
    return isinstance(x, int) or (_finite(x) and x.is_integer())


def _checked_params(kind: str, p: dict[str, Any], dtype: np.dtype) -> dict[str, Any]:
    """The formula's numbers, integers as ints; refuses numbers that are not, not finite, or out of range."""
    for key, x in p.items():
        if isinstance(x, bool) or not isinstance(x, int | float) or not _finite(x):
            shown = repr(x) if len(repr(x)) <= 40 else repr(x)[:37] + "..."
            raise ValueFormatError(f"generate: {kind} {key} must be a finite number, not {shown}")
    if kind == "hash":
        if not (_is_int(p["seed"]) and 0 <= p["seed"] < 2**64):
            raise ValueFormatError("generate: hash seed must be an integer in [0, 2**64)")
        if not p["low"] < p["high"]:
            raise ValueFormatError("generate: hash needs low < high")
        if not _finite(float(p["high"]) - float(p["low"])):
            raise ValueFormatError("generate: hash high - low overflows a float64")
        if dtype.kind in "iu":
            info = np.iinfo(dtype)
            if not (_is_int(p["low"]) and _is_int(p["high"]) and info.min <= p["low"] and p["high"] <= info.max + 1):
                raise ValueFormatError(f"generate: hash low and high must be integers in {dtype}'s range")
            p = {**p, "low": int(p["low"]), "high": int(p["high"])}
        p = {**p, "seed": int(p["seed"])}
    return p


def is_generated(value: Any) -> bool:
    """Whether a decoded value is a generated input."""
    return isinstance(value, Generated)


def block_plan(function: str, args: tuple[Any, ...]) -> str | None:
    """How ``function``'s reference result on ``args`` is computed in blocks (its catalogue rule); None when it cannot be.

    "flat": elementwise, all array arguments one shape, result that shape; "rows": split the first argument
    along its first axis, the result's first axis follows; "sum": a sum over elements, summed block by block;
    "whole": computed at once (a reshape, a 1-D dot).
    """
    spec = FUNCTIONS.get(function)
    return spec.block_plan(args) if spec is not None else None


def case_problem(function: str, fields: dict[str, Any]) -> str | None:
    """What is wrong with how a case uses generated values (see the module docstring), or None."""
    args = fields.get("args", ())
    generated = any(is_generated(a) for a in args)
    if any(isinstance(a, FromReference) for a in (*args, *(fields.get("expected_any") or ()))):
        return "{generate: reference} can only be a case's expected value"
    if isinstance(fields.get("expected"), FromReference) != generated:
        return "a case has generated args if and only if its expected value is {generate: reference}"
    if not generated:
        return None
    if LARGE_TAG not in fields.get("tags", ()):
        return f"a case with generated args needs the {LARGE_TAG!r} tag (left out of a run unless selected)"
    if block_plan(function, args) is None:
        shapes = ", ".join(str(list(np.shape(a))) for a in args)
        return f"{function} cannot be checked block by block on args of shapes {shapes}"
    return None


def materialize(value: Any) -> Any:
    """A generated value as its array; anything else as it is."""
    return value.materialize() if is_generated(value) else value


def unchanged(spec: Generated, after: np.ndarray) -> bool:
    """Whether ``after`` still holds exactly the generated values, checked against regenerated blocks."""
    if after.shape != spec.shape or after.dtype != spec.dtype:
        return False
    flat = after.reshape(-1)
    for lo in range(0, spec.size, BLOCK):
        hi = min(lo + BLOCK, spec.size)
        if not np.array_equal(flat[lo:hi].view(np.uint8), spec.chunk(lo, hi).view(np.uint8)):
            return False
    return True


@dataclass
class _Block:
    """One block of the comparison: its arguments, the reference's result on them, and where it sits."""

    args: tuple[Any, ...]
    expected: Any
    where: slice  # along the result's first axis ("rows") or its flattened elements


def blocks(plan: str, impl: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Iterator[_Block], tuple[int, ...]]:
    """The comparison blocks of a plan, and the full result's shape."""
    if plan == "flat":
        shape = next(np.shape(a) for a in args if np.ndim(a))
        return _flat_blocks(impl, args, math.prod(shape)), shape
    if plan == "rows":
        first, rest = args[0], [materialize(a) for a in args[1:]]
        probe = np.asarray(impl(_rows(first, 0, 1), *rest))
        return _row_blocks(impl, first, rest, max(1, BLOCK // max(1, probe.size))), (first.shape[0], *probe.shape[1:])
    if plan == "sum":
        total = _block_sum(impl, args)
        return iter([_Block(args, total, slice(0, 1))]), np.shape(total)
    full = [materialize(a) for a in args]
    expected = np.asarray(impl(*full))
    flat = expected.reshape(-1)
    return (
        _Block(tuple(full), flat[lo : lo + BLOCK], slice(lo, lo + BLOCK)) for lo in range(0, max(1, flat.size), BLOCK)
    ), expected.shape


def _rows(value: Any, lo: int, hi: int) -> Any:
    """Rows lo..hi-1 of an argument, generated or stored."""
    return value.rows(lo, hi) if is_generated(value) else value[lo:hi]


def _flat(value: Any, lo: int, hi: int) -> Any:
    """Flattened elements lo..hi-1 of an array argument; scalars as they are."""
    if is_generated(value):
        return value.chunk(lo, hi)
    return value.reshape(-1)[lo:hi] if np.ndim(value) else value


def _flat_blocks(impl: Callable[..., Any], args: tuple[Any, ...], size: int) -> Iterator[_Block]:
    for lo in range(0, max(1, size), BLOCK):
        hi = min(lo + BLOCK, size)
        block_args = tuple(_flat(a, lo, hi) for a in args)
        yield _Block(block_args, impl(*block_args), slice(lo, hi))


def _row_blocks(impl: Callable[..., Any], first: Any, rest: list[Any], step: int) -> Iterator[_Block]:
    n = np.shape(first)[0]
    for lo in range(0, max(1, n), step):
        hi = min(lo + step, n)
        block_args = (_rows(first, lo, hi), *rest)
        yield _Block(block_args, impl(*block_args), slice(lo, hi))


def _block_sum(impl: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """A sum-reduction of the whole input as the sum of its blocks' (floats: correctly rounded)."""
    size = next(np.size(a) for a in args if np.ndim(a))
    parts = [
        np.asarray(impl(*(_flat(a, lo, min(lo + BLOCK, size)) for a in args))) for lo in range(0, max(1, size), BLOCK)
    ]
    dtype = parts[0].dtype
    if dtype.kind == "f":
        return dtype.type(math.fsum(float(p) for p in parts))
    return np.add.reduce(np.array(parts, dtype=dtype))
