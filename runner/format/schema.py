"""vectors/schema.json, built from its hand-written base and the function catalogue.

``schema_base.json`` (beside this module) holds everything that is about the
format; the list of function names and one block per function (its params,
aliases and arity) are added from ``dlconform.catalogue``, so a new function
needs no schema edit: ``dlconform generate`` rewrites the file and
``dlconform generate --check`` fails while it is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dlconform.catalogue import FUNCTIONS, Function

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


def build() -> dict[str, Any]:
    """The whole schema: the base with the catalogue's names and per-function blocks."""
    schema = json.loads(BASE.read_text(encoding="utf-8"))
    schema["properties"]["function"] = {"enum": list(FUNCTIONS), **schema["properties"]["function"]}
    schema["allOf"] += [function_rules(fn) for fn in FUNCTIONS.values()]
    return schema


def render() -> str:
    """The schema's text as it is stored: two-space JSON, one trailing newline."""
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
