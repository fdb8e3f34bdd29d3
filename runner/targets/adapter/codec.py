"""Values on the adapter protocol: typed JSON (kind, dtype, shape) with the elements as base64 bytes or as text.

``data`` holds the elements' little-endian bytes in C order, base64-encoded; ``values`` the elements in C order as
JSON numbers (integers, booleans), with the strings ``NaN``, ``Infinity`` and ``-Infinity`` for what JSON has no
number for. Both are exact: a float64 prints as the shortest text that reads back to it (-0.0 and subnormals
included), and float32 and float16 values widen to float64 exactly. Nothing an adapter sends is trusted: sizes,
dtypes and element types are checked before any array is built.
"""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any

import numpy as np
from dlconform.format.values import DTYPES  # the dtypes a value may carry: one list for vectors and adapters

KINDS = ("array", "scalar", "python", "other")
MAX_DIMS = 32
SPECIALS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class BadValue(ValueError):
    """A value from an adapter that does not follow the protocol (a broken or hostile adapter)."""


def python_dtype(value: bool | int | float) -> str:
    """The dtype a Python number travels as: bool, int64 or float64."""
    return "bool" if isinstance(value, bool) else "int64" if isinstance(value, int) else "float64"


def encode(value: Any, encoding: str) -> dict[str, Any]:
    """The protocol's form of an argument: a NumPy array or scalar, or a Python bool, int or float.

    Raises TypeError for anything else (an int beyond int64 included)."""
    if isinstance(value, np.ndarray | np.generic):
        arr = np.asarray(value)
        kind = "array" if isinstance(value, np.ndarray) else "scalar"
    elif isinstance(value, bool | int | float):
        try:
            arr = np.asarray(value, dtype=python_dtype(value))
        except OverflowError:
            raise TypeError(f"the Python int {value} does not fit int64") from None
        kind = "python"
    else:
        raise TypeError(f"cannot send a {type(value).__name__} to an adapter")
    if arr.dtype.name not in DTYPES:
        raise TypeError(f"cannot send {arr.dtype} values to an adapter")
    out: dict[str, Any] = {"kind": kind, "dtype": arr.dtype.name, "shape": list(arr.shape)}
    if encoding == "base64":
        little = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
        out["data"] = base64.b64encode(little.tobytes()).decode("ascii")
    else:
        out["values"] = text_values(arr)
    return out


def text_values(arr: np.ndarray) -> list[Any]:
    """The elements in C order as JSON-ready numbers, the non-finite floats as their strings."""
    flat = arr.reshape(-1).tolist()
    if arr.dtype.kind != "f":
        return flat
    return [x if math.isfinite(x) else "NaN" if x != x else "Infinity" if x > 0 else "-Infinity" for x in flat]


def decode(tagged: Any) -> Any:
    """The value an adapter's typed result stands for: an ndarray, a NumPy scalar, a Python number, or for
    kind ``other`` a ``(description,)`` tuple. Raises BadValue where it breaks the protocol."""
    if not isinstance(tagged, dict):
        raise BadValue("a value must be a JSON object")
    kind = tagged.get("kind")
    if kind == "other":
        return (str(tagged.get("description", ""))[:200],)
    if kind not in KINDS:
        raise BadValue(f"unknown value kind {str(kind)[:40]!r}")
    arr = _elements(tagged)
    if kind == "array":
        return arr
    if arr.shape != ():
        raise BadValue(f"a {kind} value with shape {list(arr.shape)}")
    return arr[()] if kind == "scalar" else arr.item()


def _elements(tagged: dict[str, Any]) -> np.ndarray:
    """The array a value's dtype, shape and ``data`` or ``values`` describe."""
    dtype, shape = tagged.get("dtype"), tagged.get("shape")
    if dtype not in DTYPES:
        raise BadValue(f"unknown dtype {str(dtype)[:40]!r}")
    if not isinstance(shape, list) or len(shape) > MAX_DIMS:
        raise BadValue("malformed shape")
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 1 << 40 for n in shape):
        raise BadValue("malformed shape")
    dt = np.dtype(dtype)
    count = math.prod(shape)
    if ("data" in tagged) == ("values" in tagged):
        raise BadValue("a value needs exactly one of data and values")
    if "data" in tagged:
        if not isinstance(tagged["data"], str):
            raise BadValue("data must be a base64 string")
        try:
            raw = base64.b64decode(tagged["data"], validate=True)
        except (binascii.Error, ValueError):
            raise BadValue("data is not base64") from None
        if len(raw) != count * dt.itemsize:
            raise BadValue(f"{len(raw)} bytes of data for {count} {dtype} elements")
        return np.frombuffer(raw, dtype=dt.newbyteorder("<")).astype(dt).reshape(shape)
    values = tagged["values"]
    if not isinstance(values, list) or len(values) != count:
        raise BadValue(f"values must list the {count} elements of shape {shape}")
    return np.array([_element(v, dt) for v in values], dtype=dt).reshape(shape)


def _element(v: Any, dt: np.dtype) -> Any:
    """One element of the text form, checked against its dtype."""
    if dt.kind == "b":
        if isinstance(v, bool):
            return v
    elif dt.kind in "iu":
        if isinstance(v, int) and not isinstance(v, bool) and np.iinfo(dt).min <= v <= np.iinfo(dt).max:
            return v
    elif isinstance(v, str) and v in SPECIALS:
        return SPECIALS[v]
    elif isinstance(v, int | float) and not isinstance(v, bool):
        try:
            return float(v)
        except OverflowError:  # an integer literal beyond float64's range
            return math.copysign(math.inf, v)
    raise BadValue(f"{str(v)[:40]!r} is not a {dt.name} element")
