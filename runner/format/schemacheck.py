"""Runs a JSON Schema over data parsed from YAML, and says where each rule is broken.

The one place ``jsonschema`` is used at run time; it is imported on first use
so that start-up does not pay for it (a warm load from the cache never
validates). A format module turns each ``Violation`` into its own one-line
message; ``located`` gives the line of the YAML node a violation points at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]

_VALIDATORS: dict[int, tuple[Mapping[str, Any], Any]] = {}


@dataclass(frozen=True)
class Violation:
    """One broken rule: where in the data (``path``), which keyword (``rule``) and what it asked (``wanted``)."""

    path: Path
    rule: str
    wanted: Any
    value: Any
    schema_path: Path
    node: Mapping[str, Any]  # the (sub)schema holding the rule
    message: str  # jsonschema's own wording, for a rule a format module does not word itself

    def under(self, *prefix: str | int) -> bool:
        """Whether the violation lies at or below ``prefix`` in the data (``"*"`` matches any key or index)."""
        return len(self.path) >= len(prefix) and all(
            p in ("*", k) for p, k in zip(prefix, self.path[: len(prefix)], strict=True)
        )

    def extra_keys(self) -> list[str]:
        """The keys an ``additionalProperties: false`` rule refuses, sorted."""
        return sorted((str(k) for k in self.value if k not in self.node.get("properties", {})), key=str)

    def missing_keys(self) -> list[str]:
        """The keys a ``required`` rule asks for that are absent."""
        return [k for k in self.wanted if k not in self.value]


def _validator(schema: Mapping[str, Any]) -> Any:
    """A compiled Draft 2020-12 validator for ``schema``, built once per schema object."""
    held = _VALIDATORS.get(id(schema))
    if held is None or held[0] is not schema:
        import jsonschema

        held = (schema, jsonschema.Draft202012Validator(schema))
        _VALIDATORS[id(schema)] = held
    return held[1]


def violations(schema: Mapping[str, Any], data: Any) -> list[Violation]:
    """Every rule of ``schema`` that ``data`` breaks; a failed oneOf/anyOf is one violation where the alternatives branch."""
    return [
        Violation(
            tuple(e.absolute_path),
            str(e.validator),
            e.validator_value,
            e.instance,
            tuple(e.absolute_schema_path),
            e.schema,
            e.message,
        )
        for e in _validator(schema).iter_errors(data)
    ]


def located(
    path: Sequence[str | int], key_lines: Mapping[str, int], list_lines: Mapping[str, Sequence[int]]
) -> int | None:
    """The line of the node at ``path``: a top-level key's, or an item's of a list under one (``list_lines``)."""
    if not path or not isinstance(path[0], str):
        return None
    lines = list_lines.get(path[0])
    if lines is not None and len(path) > 1 and isinstance(path[1], int) and path[1] < len(lines):
        return lines[path[1]]
    return key_lines.get(path[0])


def explain(v: Violation, schema: Mapping[str, Any]) -> str:
    """A violation in words: unknown and missing keys said alike in every format; any other rule by the ``message``
    of the deepest schema node above it that has one (``{key}`` and ``{value!r}`` filled in), else jsonschema's."""
    if v.rule == "additionalProperties" and v.wanted is False and isinstance(v.value, dict):
        known = ", ".join(sorted(v.node.get("properties", {})))
        return f"unknown key {v.extra_keys()[0]!r} (known: {known})"
    if v.rule == "required":
        return f"missing {', '.join(v.missing_keys())}"
    template: Any = schema.get("message")
    node: Any = schema
    for step in v.schema_path[:-1]:  # down the schema to the rule, keeping the last message met
        if isinstance(node, Mapping) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        else:
            break
        if isinstance(node, Mapping):
            template = node.get("message", template)
    if isinstance(template, str):
        return template.format(key=v.path[-1] if v.path else "", value=v.value)
    return v.message


def first_problem(schema: Mapping[str, Any], data: Any, key_lines: Mapping[str, int]) -> tuple[int | None, str] | None:
    """The line (of the top-level key it lies under, where known) and wording of the shallowest rule ``data``
    breaks, or None: what a YAML format without items of its own reports, one line per file."""
    found = sorted(violations(schema, data), key=lambda v: len(v.path))
    if not found:
        return None
    v = found[0]
    key = v.extra_keys()[0] if v.rule == "additionalProperties" and v.wanted is False and not v.path else None
    if "propertyNames" in v.schema_path and not v.path and isinstance(v.value, str):
        key = v.value  # a top-level key the format refuses: its own line
    line = key_lines.get(key) if key is not None else located(v.path, key_lines, {})
    return line, explain(v, schema)


def at(name: str, line: int | None, message: str) -> str:
    """``name:line: message``, or ``name: message`` where the line is not known."""
    return f"{name}:{line}: {message}" if line else f"{name}: {message}"
