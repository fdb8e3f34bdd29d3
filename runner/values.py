"""Vector-file values <-> Python and NumPy objects.

A value in a vector file is a plain YAML number or bool (a Python scalar), a
NumPy scalar ``{scalar: v, dtype: d}``, or an array ``{array: nested list,
dtype: d, shape: [...]}`` (``shape`` only where the list cannot say it).
Floats are written so that they read back bit for bit, in YAML 1.1 spelling.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

DTYPES: tuple[str, ...] = (
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
)
FLOAT_DTYPES: tuple[str, ...] = ("float16", "float32", "float64")


class ValueFormatError(ValueError):
    """A value in a vector file that does not follow the format."""


def decode(value: Any) -> Any:
    """Turn a vector-file value into the Python scalar, NumPy scalar or array it stands for."""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        if "array" in value:
            return _decode_array(value)
        if "scalar" in value:
            dtype = _dtype(value)
            if set(value) != {"scalar", "dtype"}:
                raise ValueFormatError(f"unknown keys in scalar: {sorted(set(value) - {'scalar', 'dtype'})}")
            return dtype.type(_number(value["scalar"]))
    raise ValueFormatError(f"not a value: {_short(value)} (want a number, {{array: ...}} or {{scalar: ...}})")


def _decode_array(value: dict) -> np.ndarray:
    """Build the ndarray of an ``{array: ...}`` mapping, checking list shape against ``shape``."""
    extra = set(value) - {"array", "dtype", "shape"}
    if extra:
        raise ValueFormatError(f"unknown keys in array: {sorted(extra)}")
    dtype = _dtype(value)
    data = value["array"]
    shape = _list_shape(data)
    if "shape" in value:
        declared = value["shape"]
        if not isinstance(declared, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in declared
        ):
            raise ValueFormatError(f"shape must be a list of non-negative integers, not {_short(declared)}")
        if math.prod(declared) != math.prod(shape) or (math.prod(shape) and tuple(declared) != shape):
            raise ValueFormatError(f"shape {declared} does not match the nested list, which is {list(shape)}")
        shape = tuple(declared)
    flat = _flatten(data)
    for item in flat:
        _number(item)
    arr = np.array(flat, dtype=dtype) if flat else np.zeros(0, dtype=dtype)
    return arr.reshape(shape)


def _dtype(value: dict) -> np.dtype:
    """The dtype a mapping names; only the suite's dtypes are allowed."""
    name = value.get("dtype")
    if name not in DTYPES:
        raise ValueFormatError(f"unknown dtype {name!r} (known: {', '.join(DTYPES)})")
    return np.dtype(name)


def _number(item: Any) -> bool | int | float:
    """Check one array element is a number; a string here is almost always a YAML 1.1 slip."""
    if isinstance(item, bool | int | float):
        return item
    if isinstance(item, str):
        raise ValueFormatError(
            f"{item!r} is a string, not a number (YAML 1.1 needs a dot and a signed exponent: 1.0e-5)"
        )
    raise ValueFormatError(f"array element {_short(item)} is not a number")


def _list_shape(data: Any) -> tuple[int, ...]:
    """The shape of a rectangular nested list; a ragged list is an error."""
    if not isinstance(data, list):
        return ()
    if not data:
        return (0,)
    inner = {_list_shape(item) for item in data}
    if len(inner) != 1:
        raise ValueFormatError("ragged nested list: rows differ in length or depth")
    return (len(data), *inner.pop())


def _flatten(data: Any) -> list:
    """All leaves of a nested list, in C order."""
    if not isinstance(data, list):
        return [data]
    out: list = []
    stack = [iter(data)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, list):
                stack.append(iter(item))
                break
            out.append(item)
        else:
            stack.pop()
    return out


def _short(value: Any) -> str:
    """A value's repr, cut to one short line for messages."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def encode(value: Any) -> Any:
    """The vector-file form of a result: plain for Python scalars and 0-d float64/int64/bool."""
    if isinstance(value, bool | int | float) and not isinstance(value, np.generic):
        return value
    arr = np.asarray(value)
    name = arr.dtype.name
    if name not in DTYPES:
        raise ValueFormatError(f"dtype {name} cannot be stored in a vector file")
    if arr.ndim == 0:
        item = arr.item()
        if name in ("float64", "int64", "bool"):
            return item
        return {"scalar": item, "dtype": name}
    out: dict[str, Any] = {"array": arr.tolist(), "dtype": name}
    if arr.size == 0:
        out["shape"] = list(arr.shape)
    return out


def format_float(x: float, dtype: str = "float64") -> str:
    """Shortest YAML 1.1 spelling of ``x`` that reads back to the same ``dtype`` value."""
    if math.isnan(x):
        return ".nan"
    if math.isinf(x):
        return ".inf" if x > 0 else "-.inf"
    kind = np.dtype(dtype).type
    if dtype == "float64" or (x.is_integer() and abs(x) < 2**53):
        text = repr(float(x))
    elif x == 0 or 1e-4 <= abs(x) < 1e16:
        text = np.format_float_positional(kind(x), unique=True, trim="0")
    else:
        text = np.format_float_scientific(kind(x), unique=True, trim="0")
    if kind(float(text)) != kind(x) or math.copysign(1, float(text)) != math.copysign(1, x):
        text = repr(float(x))
    mantissa, _, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    if exponent:
        sign = exponent[0] if exponent[0] in "+-" else "+"
        return f"{mantissa}e{sign}{exponent.lstrip('+-')}"
    return mantissa
