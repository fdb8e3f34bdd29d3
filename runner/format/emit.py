"""The one canonical text of a vector file, so that a diff shows only real changes.

Keys come in a fixed order, values in flow style, floats in their shortest exact
YAML 1.1 spelling (see ``values.format_float``), strings quoted only when YAML
could misread them, and arrays wider than one line split by their first axis.
"""

from __future__ import annotations

import json
import re
from typing import Any

from dlconform.format.values import format_float

TOP_ORDER = ("format", "function", "aliases", "params", "description", "accuracy", "tolerance", "domain")
CASE_ORDER = (
    "id",
    "description",
    "tags",
    "level",
    "hidden",
    "source",
    "signed_zero",
    "flush_subnormal",
    "tolerance",
    "args",
    "expected",
    "expected_any",
    "raises",
)
DTYPE_ORDER = ("float64", "float32", "float16")
VALUE_ORDER = (
    *("generate", "start", "stop", "seed", "low", "high"),  # generated values (dlconform/format/large.py)
    *("array", "scalar", "dtype", "shape"),
    *("rtol", "atol", "ulp", "reason"),
)
WIDTH = 100
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}
# Characters YAML refuses in a file, or reads as line breaks inside a quoted string: written as escapes.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def scalar(value: Any, dtype: str = "float64") -> str:
    """One scalar in canonical spelling; floats in the shortest form that reads back as ``dtype``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float(value, dtype)
    if value is None:
        return "null"
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def flow(value: Any, dtype: str = "float64") -> str:
    """A value in YAML flow style on one line; arrays and scalars spell their elements in their own dtype.

    Other numbers in a mapping (a generator's start and stop, say) are float64 whatever its dtype.
    """
    if isinstance(value, dict):
        inner = value.get("dtype", dtype) if isinstance(value.get("dtype"), str) else dtype
        items = ", ".join(
            f"{scalar(k)}: {flow(v, inner if k in ('array', 'scalar') else 'float64')}"
            for k, v in _ordered_value(value)
        )
        return "{" + items + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v, dtype) for v in value) + "]"
    return scalar(value, dtype)


def _ordered(value: dict[Any, Any], order: tuple[str, ...]) -> list[tuple[Any, Any]]:
    """A mapping's items with the keys of ``order`` first, in that order, then the rest as given."""
    known = [(k, value[k]) for k in order if k in value]
    return known + [(k, v) for k, v in value.items() if k not in order]


def _ordered_value(value: dict[Any, Any]) -> list[tuple[Any, Any]]:
    """Values and tolerances in canonical key order (VALUE_ORDER), other keys after them as given."""
    return _ordered(value, VALUE_ORDER)


def _is_array(value: Any) -> bool:
    """Whether a value is an ``{array: ...}`` mapping."""
    return isinstance(value, dict) and isinstance(value.get("array"), list)


def _wrap(prefix: str, items: list[str], indent: str) -> list[str]:
    """A flow sequence of pre-spelled items, wrapped at WIDTH with continuation lines at ``indent``."""
    lines: list[str] = []
    current = prefix + "["
    for i, item in enumerate(items):
        piece = item + ("]" if i == len(items) - 1 else ",")
        if len(current) + len(piece) + 1 > WIDTH and not current.endswith("["):
            lines.append(current)
            current = indent + piece
        else:
            current += ("" if current.endswith("[") else " ") + piece
    lines.append(current if items else prefix + "[]")
    return lines


def _array_lines(value: dict[str, Any], indent: str) -> list[str]:
    """An array mapping in block form: dtype, shape, then the rows of its first axis."""
    dtype = value.get("dtype", "float64")
    out = [f"{indent}dtype: {scalar(dtype)}"]
    if "shape" in value:
        out.append(f"{indent}shape: {flow(value['shape'])}")
    data = value["array"]
    if data and all(isinstance(row, list) for row in data):
        out.append(f"{indent}array:")
        for row in data:
            out.extend(_wrap(f"{indent}- ", [flow(v, dtype) for v in row], indent + "    "))
    else:
        out.extend(_wrap(f"{indent}array: ", [flow(v, dtype) for v in data], indent + "  "))
    return out


def _item_lines(item: Any, indent: str) -> list[str]:
    """One block-sequence item: inline when it fits, else its mapping lines after the dash."""
    one = f"{indent}- {flow(item)}"
    if len(one) <= WIDTH or not _is_array(item):
        return [one]
    sub = _array_lines(item, indent + "  ")
    sub[0] = f"{indent}- {sub[0].lstrip()}"
    return sub


def _block(key: str, value: Any, indent: str) -> list[str]:
    """``key: value`` lines: one line when it fits, else block form by the value's kind."""
    one = f"{indent}{key}: {flow(value)}"
    if len(one) <= WIDTH:
        return [one]
    if _is_array(value):
        return [f"{indent}{key}:", *_array_lines(value, indent + "  ")]
    if isinstance(value, list):
        return [f"{indent}{key}:", *(line for item in value for line in _item_lines(item, indent))]
    if isinstance(value, dict):
        items = _ordered_value(value)
        return [f"{indent}{key}:", *(line for k, v in items for line in _block(scalar(k), v, indent + "  "))]
    return [one]


def render(data: dict[str, Any]) -> str:
    """The canonical text of a whole vector file."""
    lines: list[str] = []
    for key in TOP_ORDER:
        if key not in data:
            continue
        value = data[key]
        if key in ("tolerance", "domain") and isinstance(value, dict) and value:
            lines.append(f"{key}:")
            for k, v in _ordered(value, DTYPE_ORDER if key == "tolerance" else ()):
                lines.extend(_block(scalar(k), v, "  "))
        else:
            lines.extend(_block(key, value, ""))
    lines.append("cases:")
    for case in data.get("cases", []):
        keys = [k for k in CASE_ORDER if k in case] + [k for k in case if k not in CASE_ORDER]
        for i, key in enumerate(keys):
            block = _block(key, case[key], "  ")
            if i == 0:
                block[0] = "- " + block[0][2:]
            lines.extend(block)
    return "\n".join(lines) + "\n"
