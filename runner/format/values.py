"""Vector-file values <-> Python and NumPy objects.

A value in a vector file is a plain YAML number or bool (a Python scalar), a
NumPy scalar ``{scalar: v, dtype: d}``, or an array ``{array: nested list,
dtype: d, shape: [...]}`` (``shape`` where the list cannot say it: empty arrays),
or a large array given by a formula, ``{generate: ...}`` (see dlconform/format/large.py).
Floats are written so that they read back bit for bit, in YAML 1.1 spelling.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from dlconform.errors import DlconformError
from dlconform.text import shorten

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


class ValueFormatError(DlconformError, ValueError):
    """A value in a vector file that does not follow the format."""


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def decode(value: Any) -> Any:
    """Turn a vector-file value into the Python scalar, NumPy scalar or array it stands for."""
    if isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise ValueFormatError(f"integer {value} does not fit int64")
        return value
    if isinstance(value, dict):
        if "array" in value:
            return _decode_array(value)
        if "scalar" in value:
            return _decode_scalar(value)
    if isinstance(value, str):
        raise ValueFormatError(_string_message(value))
    raise ValueFormatError(f"not a value: {short_repr(value)} (want a number, {{array: ...}} or {{scalar: ...}})")


def _decode_scalar(value: dict) -> np.generic:
    """The NumPy scalar of a ``{scalar: v, dtype: d}`` mapping."""
    extra = set(value) - {"scalar", "dtype"}
    if extra:
        raise ValueFormatError(f"unknown keys in scalar: {sorted(extra, key=str)}")
    dtype = _dtype(value)
    if isinstance(value["scalar"], list | dict):
        raise ValueFormatError(f"scalar must be one number, not {short_repr(value['scalar'])}")
    return _cast([value["scalar"]], dtype)[0]


def _decode_array(value: dict) -> np.ndarray:
    """Build the ndarray of an ``{array: ...}`` mapping; ``shape`` is required exactly when the list is empty."""
    extra = set(value) - {"array", "dtype", "shape"}
    if extra:
        raise ValueFormatError(f"unknown keys in array: {sorted(extra, key=str)}")
    dtype = _dtype(value)
    data = value["array"]
    shape = _list_shape(data)
    empty = math.prod(shape) == 0
    if "shape" in value:
        declared = value["shape"]
        if not isinstance(declared, list) or not all(_is_integer(n) and n >= 0 for n in declared):
            raise ValueFormatError(f"shape must be a list of non-negative integers, not {short_repr(declared)}")
        declared = [int(n) for n in declared]
        fits = tuple(declared[: len(shape)]) == shape if empty else tuple(declared) == shape
        if not fits or len(declared) < len(shape):
            raise ValueFormatError(
                f"shape {short_repr(declared)} does not match the nested list, which is {list(shape)}"
            )
        shape = tuple(declared)
    elif empty:
        raise ValueFormatError(f"an empty array needs a shape (the list {short_repr(data)} cannot say it)")
    flat = _cast(_flatten(data), dtype)
    try:
        return flat.reshape(shape)
    except (ValueError, OverflowError) as exc:
        raise ValueFormatError(f"shape {short_repr(list(shape))} is not possible: {exc}") from None


def _dtype(value: dict) -> np.dtype:
    """The dtype a mapping names; only the suite's dtypes are allowed."""
    name = value.get("dtype")
    if not isinstance(name, str) or name not in DTYPES:
        raise ValueFormatError(f"unknown dtype {name!r} (known: {', '.join(DTYPES)})")
    return np.dtype(name)


def _cast(items: list, dtype: np.dtype) -> np.ndarray:
    """A 1-D array of ``dtype`` holding ``items``, refusing anything the cast would change.

    As in JSON Schema, an integer is any number with no fraction: bool arrays take true/false, integer arrays
    integral numbers within range, float arrays any number that does not overflow the dtype.
    """
    kind = dtype.kind
    for item in items:
        _check_element(item, kind, dtype)
    if kind in "iu":
        items = [int(item) for item in items]
    try:
        if kind != "f":
            return np.array(items, dtype=dtype) if items else np.zeros(0, dtype=dtype)
        wide = np.array(items, dtype=np.float64) if items else np.zeros(0)
    except OverflowError as exc:
        raise ValueFormatError(f"a value does not fit {dtype.name}: {exc}") from None
    with np.errstate(over="ignore"):
        out = wide.astype(dtype)
    overflow = np.isinf(out) & ~np.isinf(wide)
    if overflow.any():
        raise ValueFormatError(f"{float(wide[overflow][0])!r} overflows {dtype.name}")
    return out


def _check_element(item: Any, kind: str, dtype: np.dtype) -> None:
    """Refuse an element that is not a number of the dtype's kind; a string here is almost always a YAML slip."""
    if isinstance(item, str):
        raise ValueFormatError(_string_message(item))
    if kind == "b":
        if not isinstance(item, bool):
            raise ValueFormatError(f"bool array element {short_repr(item)} is not true or false")
        return
    if isinstance(item, bool) or not isinstance(item, int | float):
        raise ValueFormatError(f"{dtype.name} array element {short_repr(item)} is not a number")
    if kind in "iu" and not _is_integer(item):
        raise ValueFormatError(f"{dtype.name} array element {item!r} is not an integer")


def _is_integer(item: Any) -> bool:
    """Whether ``item`` is an integer in JSON Schema's sense: a number (not a bool) with no fraction."""
    if isinstance(item, bool) or not isinstance(item, int | float):
        return False
    return isinstance(item, int) or item.is_integer()


def _string_message(text: str) -> str:
    """Why a string is not a value, naming the YAML 1.1 slip when it looks like a number."""
    try:
        number = float(text)
    except ValueError:
        return f"not a value: {short_repr(text)} (want a number, {{array: ...}} or {{scalar: ...}})"
    if not math.isfinite(number):
        return f"{text!r} is a string, not a number (YAML spells them .nan, .inf and -.inf)"
    return f"{text!r} is a string, not a number (YAML 1.1 needs a dot and a signed exponent: 1.0e-5)"


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


def short_repr(value: Any) -> str:
    """A value's repr, cut to one short line for messages."""
    text = repr(value)
    return shorten(text)


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
    """Shortest YAML 1.1 spelling of ``x`` that reads back to the same ``dtype`` value.

    Every choice is made on ``x`` rounded to ``dtype``, so the spelling of a value read back from its own
    spelling is the same text: the canonical form is a fixed point.
    """
    if math.isnan(x):
        return ".nan"
    if math.isinf(x):
        return ".inf" if x > 0 else "-.inf"
    kind = np.dtype(dtype).type
    with np.errstate(over="ignore"):
        v = kind(x)
    if not np.isfinite(v):  # beyond the dtype: kept as written, for the reader to refuse
        kind, v = np.float64, np.float64(x)
    value = float(v)
    if kind is np.float64 or (value.is_integer() and abs(value) < 2**53):
        text = repr(value)
    elif value == 0 or 1e-4 <= abs(value) < 1e16:
        text = np.format_float_positional(v, unique=True, trim="0")
    else:
        text = np.format_float_scientific(v, unique=True, trim="0")
    if kind(float(text)) != v or math.copysign(1, float(text)) != math.copysign(1, value):
        text = repr(value)
    mantissa, _, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    if exponent:
        sign = exponent[0] if exponent[0] in "+-" else "+"
        return f"{mantissa}e{sign}{exponent.lstrip('+-')}"
    return mantissa
