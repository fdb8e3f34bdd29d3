"""The ``domain:`` block of a vector file: which inputs a function accepts, for drawing random cases.

A domain lists alternative call signatures (one shape pattern per parameter,
with symbolic dimensions shared between parameters), the sizes the symbols may
take, the dtypes to draw from and the range of the values::

    domain:
      shapes:                          # alternatives, each one pattern per param
        - [["n"]]                      # a 1-D array of length n ("n" quoted: YAML reads n as false)
        - [[m, "n"]]                   # a 2-D array
      dims: {m: [1, 4], "n": [1, 8]}   # symbol -> [low, high], inclusive
      dtypes: [float64, float32]       # one is drawn per case, shared by all params
      range: [-10.0, 10.0]             # values drawn uniformly from [low, high]

A pattern ``[]`` is a NumPy scalar of the drawn dtype; the word ``scalar`` is a
plain Python number (float, or int for an integer dtype).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, TypeGuard

from dlconform.format.values import DTYPES

DOMAIN_KEYS = {"shapes", "dims", "dtypes", "range"}
SYMBOL = re.compile(r"[a-z][a-z0-9_]*")
MAX_DIM = 64
MAX_ELEMENTS = 4096  # per argument, at the largest sizes the dims allow
PYTHON_SCALAR = "scalar"
BOOL_WORDS = 'YAML 1.1 reads n, y, no, on, off as booleans: quote the symbol, as in [m, "n"]'

Pattern = tuple[int | str, ...] | str  # dims (sizes or symbols), or PYTHON_SCALAR


@dataclass(frozen=True)
class Domain:
    """A parsed, valid domain block."""

    shapes: tuple[tuple[Pattern, ...], ...]
    dims: dict[str, tuple[int, int]]
    dtypes: tuple[str, ...]
    low: float
    high: float


def domain_problems(raw: Any, params: tuple[str, ...]) -> list[str]:
    """Everything wrong with a domain block, as messages; empty when it is valid."""
    if not isinstance(raw, dict):
        return ["must be a mapping with shapes, dims, dtypes and range"]
    problems = [f"unknown key {key!r}" for key in sorted(set(raw) - DOMAIN_KEYS, key=str)]
    problems += [f"missing key {key!r}" for key in sorted(DOMAIN_KEYS - set(raw))]
    dims = raw.get("dims", {})
    if not isinstance(dims, dict):
        problems.append("dims must map symbols to [low, high]")
        dims = {}
    for name, bounds in dims.items():
        if isinstance(name, bool):
            problems.append(f"dims: {name!r} is not a symbol ({BOOL_WORDS})")
        elif not (isinstance(name, str) and SYMBOL.fullmatch(name)):
            problems.append(f"dims: {name!r} is not a lower-case symbol")
        elif not _bounds_ok(bounds):
            problems.append(f"dims: {name} must be [low, high] with 0 <= low <= high <= {MAX_DIM}")
    shapes = raw.get("shapes", [])
    if not isinstance(shapes, list) or not shapes:
        problems.append("shapes must be a non-empty list of signatures")
        shapes = []
    for i, signature in enumerate(shapes):
        problems += [f"shapes[{i}]: {p}" for p in _signature_problems(signature, params, dims)]
    dtypes = raw.get("dtypes", [])
    if not isinstance(dtypes, list) or not dtypes or not all(d in DTYPES for d in dtypes):
        problems.append(f"dtypes must be a non-empty list of {', '.join(DTYPES)}")
    bounds = raw.get("range")
    if "range" in raw and not (_pair(bounds) and all(math.isfinite(b) for b in bounds) and bounds[0] <= bounds[1]):
        problems.append("range must be [low, high], finite numbers with low <= high")
    return problems


def parse_domain(raw: Any, params: tuple[str, ...]) -> Domain:
    """A Domain from a block that ``domain_problems`` accepts; raises ValueError otherwise."""
    problems = domain_problems(raw, params)
    if problems:
        raise ValueError("; ".join(problems))
    shapes = tuple(tuple(p if p == PYTHON_SCALAR else tuple(p) for p in signature) for signature in raw["shapes"])
    dims = {name: (int(lo), int(hi)) for name, (lo, hi) in raw["dims"].items()}
    return Domain(shapes, dims, tuple(raw["dtypes"]), float(raw["range"][0]), float(raw["range"][1]))


def _signature_problems(signature: Any, params: tuple[str, ...], dims: dict[str, Any]) -> list[str]:
    """What is wrong with one signature: its length, its patterns, undeclared symbols, sizes."""
    if not isinstance(signature, list) or (params and len(signature) != len(params)):
        return [f"a signature lists one shape per param {list(params)}"]
    problems = []
    for j, pattern in enumerate(signature):
        if pattern == PYTHON_SCALAR:
            continue
        if not isinstance(pattern, list):
            problems.append(f"param {j}: a shape is a list of sizes and symbols, or the word {PYTHON_SCALAR!r}")
            continue
        largest = 1
        for d in pattern:
            if isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_DIM:
                largest *= d
            elif isinstance(d, str) and d in dims and _bounds_ok(dims[d]):
                largest *= dims[d][1]
            elif isinstance(d, bool):
                problems.append(f"param {j}: {d!r} is not a symbol ({BOOL_WORDS})")
            else:
                problems.append(f"param {j}: {d!r} is neither a size 0..{MAX_DIM} nor a symbol declared in dims")
        if largest > MAX_ELEMENTS:
            problems.append(f"param {j}: up to {largest} elements, more than {MAX_ELEMENTS}")
    return problems


def _pair(value: Any) -> TypeGuard[list[float]]:
    """Whether ``value`` is a list of two numbers (not bools)."""
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    )


def _bounds_ok(value: Any) -> bool:
    """Whether ``value`` is [low, high] integers with 0 <= low <= high <= MAX_DIM."""
    return _pair(value) and all(isinstance(v, int) for v in value) and 0 <= value[0] <= value[1] <= MAX_DIM
