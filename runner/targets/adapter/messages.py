"""The protocol's messages checked against their JSON Schemas (``*.schema.json`` beside this module).

The schemas are the protocol's one statement of each message (docs/protocol.md explains them); a message is
checked with ``dlconform.format.schemacheck`` as the vector and baseline files are. A value's elements are
checked by the codec (one pass, with the sizes): the schema check sees them as empty so that a large result is
not walked twice.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from dlconform.format.schemacheck import violations

PROTOCOL = 1
MESSAGES = ("hello", "describe", "call", "result", "error", "unsupported", "bye", "value")


@functools.cache
def schema(name: str) -> dict[str, Any]:
    """The schema of message ``name``, its ``$ref`` to value.schema.json inlined."""
    loaded: dict[str, Any] = json.loads(Path(__file__).with_name(f"{name}.schema.json").read_text(encoding="utf-8"))
    return _inline(loaded) if name != "value" else loaded


def _inline(node: Any) -> Any:
    """``node`` with each ``{"$ref": "value.schema.json"}`` replaced by that schema."""
    if isinstance(node, dict):
        if node.get("$ref") == "value.schema.json":
            return {k: v for k, v in schema("value").items() if k not in ("$schema", "$id")}
        return {k: _inline(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v) for v in node]
    return node


def problem(name: str, message: Any) -> str | None:
    """Why ``message`` is not a valid ``name`` message (the first rule it breaks, in a short sentence), or None."""
    found = violations(schema(name), _hollow(message))
    if not found:
        return None
    first = min(found, key=lambda v: len(v.path))
    where = "/".join(str(p) for p in first.path)
    return f"{where + ': ' if where else ''}{first.message[:200]}"


def _hollow(message: Any) -> Any:
    """A result message with its value's elements left out (the codec checks them)."""
    if not isinstance(message, dict) or not isinstance(message.get("value"), dict):
        return message
    value = dict(message["value"])
    for key, empty in (("data", ""), ("values", [])):
        if key in value:
            value[key] = empty if isinstance(value[key], type(empty)) else value[key]
    return {**message, "value": value}
