"""vectors/schema.json, built from its hand-written base and the function catalogue.

``schema_base.json`` (beside this module) holds everything that is about the
format; the list of function names and one block per function (its params,
aliases and arity) are added from ``dlconform.catalogue``, so a new function
needs no schema edit: ``dlconform generate`` rewrites the file and
``dlconform generate --check`` fails while it is stale. So is one block per narrow float dtype: a file that
uses it needs its default tolerance.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dlconform.catalogue import FUNCTIONS, Function
from dlconform.format.values import FLOAT_DTYPES

BASE = Path(__file__).with_name("schema_base.json")


def function_rules(fn: Function) -> dict[str, Any]:
    """The schema block that holds a file for ``fn`` to its params, aliases and number of args."""
    arity = len(fn.params)
    return {
        "if": {"properties": {"function": {"const": fn.name}}, "required": ["function"]},
        "then": {
            "properties": {
                "params": {"const": list(fn.params)},
                "aliases": {"const": list(fn.aliases)},
                "cases": {"items": {"properties": {"args": {"minItems": arity, "maxItems": arity}}}},
            }
        },
    }


def dtype_tolerance_rule(dtype: str) -> dict[str, Any]:
    """The block that asks a non-exact file for ``dtype``'s default tolerance where it uses ``dtype``: a value of
    that dtype among its cases' args, expected or expected_any, or the dtype among its domain's."""
    value = {"type": "object", "properties": {"dtype": {"const": dtype}}, "required": ["dtype"]}
    in_case = {
        "anyOf": [
            {"properties": {"args": {"type": "array", "contains": value}}, "required": ["args"]},
            {"properties": {"expected": value}, "required": ["expected"]},
            {"properties": {"expected_any": {"type": "array", "contains": value}}, "required": ["expected_any"]},
        ]
    }
    dtypes = {"type": "array", "contains": {"const": dtype}}
    in_domain = {"type": "object", "properties": {"dtypes": dtypes}, "required": ["dtypes"]}
    return {
        "if": {
            "properties": {"accuracy": {"not": {"const": "exact"}}},
            "anyOf": [
                {"properties": {"cases": {"type": "array", "contains": in_case}}, "required": ["cases"]},
                {"properties": {"domain": in_domain}, "required": ["domain"]},
            ],
        },
        "then": {"properties": {"tolerance": {"required": [dtype]}}},
    }


def build() -> dict[str, Any]:
    """The whole schema: the base with the catalogue's names and per-function blocks."""
    schema = json.loads(BASE.read_text(encoding="utf-8"))
    schema["properties"]["function"] = {"enum": list(FUNCTIONS), **schema["properties"]["function"]}
    schema["allOf"] += [dtype_tolerance_rule(d) for d in FLOAT_DTYPES if d != "float64"]  # float64: always asked
    schema["allOf"] += [function_rules(fn) for fn in FUNCTIONS.values()]
    return schema


def render() -> str:
    """The schema's text as it is stored: two-space JSON, one trailing newline."""
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
