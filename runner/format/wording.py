"""The vector-file schema's violations worded as the reader's one-line problems.

``vectors/schema.json`` states a vector file's structure; this module only says,
for each rule it states, what a person should read. Generated inputs and the
domain block are left to the reader's code (``deferred``), which checks the same
rules and more and can say precisely what is wrong.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from dlconform.catalogue import FUNCTIONS
from dlconform.format.schemacheck import Path, Violation

FORMAT = 1
TOLERANCE_NUMBERS = ("rtol", "atol", "ulp")
OUTCOME_KEYS = ("expected", "expected_any", "raises")
NO_OUTCOME = "no expected value yet: run 'dlconform generate' (or give expected_any or raises)"
Worded = list[tuple[str, Path]]  # a message and the path whose node's line it is given


def deferred(v: Violation) -> bool:
    """Whether the reader's code, not this wording, reports ``v``: the generated-input rules and the domain block."""
    generated = v.schema_path[:1] != ("allOf",) and "then" in v.schema_path  # the case's if/then, not a file rule
    return v.under("domain") or (v.under("cases", "*") and generated)


def word(v: Violation, data: Any, schema: dict[str, Any], require_outcome: bool) -> Worded:
    """One line per thing ``v`` finds wrong (none for a missing outcome when ``require_outcome`` is off)."""
    if not v.path:
        return _top(v, data)
    key, rest = v.path[0], v.path[1:]
    if key == "cases" and rest:
        return [(m, v.path[:2]) for m in _case(v, rest[1:], data, schema, require_outcome)]
    return [(m, (key,)) for m in _header(v, str(key), rest, data)]


def _top(v: Violation, data: Any) -> Worded:
    """The root: a mapping, the keys it may and must have, the file-level tolerance rule."""
    if v.rule == "type":
        return [("a vector file is a mapping with format, function, params, ... and cases", ())]
    if v.rule == "additionalProperties":
        return [(f"unknown top-level key {k!r}", (k,)) for k in v.extra_keys()]
    if v.rule == "required" and v.schema_path[:1] == ("allOf",):
        accuracy = data.get("accuracy")
        return [(_tolerance_wanted(accuracy, d), ("accuracy",)) for d in v.node["properties"]["tolerance"]["required"]]
    if v.rule == "required":
        return [(f"missing top-level key {k!r}", ()) for k in v.missing_keys()]
    return [(v.message, ())]


def _tolerance_wanted(accuracy: Any, dtype: str) -> str:
    """A missing default tolerance: float64's always (Python numbers and integers give float64), a narrower
    dtype's where the file uses that dtype."""
    why = "" if dtype == "float64" else f" (the file has {dtype} cases)"
    return f"accuracy {accuracy} needs a default tolerance for {dtype}{why}"


def _header(v: Violation, key: str, rest: Path, data: Any) -> list[str]:
    """A file-level key's rule."""
    function = data.get("function")
    if key == "format":
        return [f"format {v.value!r} is not supported (this runner reads format {FORMAT})"]
    if key == "function":
        return [f"unknown function {v.value!r} (known: {', '.join(FUNCTIONS)})"]
    if key in ("params", "aliases") and v.rule == "const":
        names = isinstance(v.value, list) and all(isinstance(n, str) for n in v.value)
        shaped = names and (key == "aliases" or bool(v.value))  # else the list rule says what is wrong
        return [f"{key} {v.value} differ from {function}'s {v.wanted}"] if shaped else []
    if key == "params":
        return ["params must be a non-empty list of names"]
    if key == "aliases":
        return ["aliases must be a list of names"]
    if key == "description":
        return ["description must be a non-empty string"]
    if key == "accuracy":
        return [f"accuracy {v.value!r} is not one of {', '.join(v.wanted)}"]
    if key == "tolerance" and rest:
        return [f"tolerance {rest[0]}: {m}" for m in _tolerance(v, rest[1:])]
    if key == "tolerance" and "propertyNames" in v.schema_path:
        return [f"tolerance for unknown float dtype {v.value!r}"]
    if key == "tolerance" and v.rule == "required":
        return [_tolerance_wanted(data.get("accuracy"), d) for d in v.missing_keys()]
    if key == "tolerance":
        return ["tolerance must map dtype names to tolerances"]
    if key == "cases":
        return ["cases must be a non-empty list"]
    return [v.message]


def _case(v: Violation, rest: Path, data: Any, schema: dict[str, Any], require_outcome: bool) -> list[str]:
    """One case's rule (``rest``: the path inside the case)."""
    if not rest:
        return _case_itself(v, schema, require_outcome)
    key = rest[0]
    if key == "id":
        return [f"id {v.value!r} must match {_pattern(schema, 'id')}"]
    if key == "description":
        return ["needs a one-line description of what it catches"]
    if key == "tags" and len(rest) > 1 and isinstance(v.value, str):
        return [_unknown_tag(v.value, schema)]
    if key == "tags":
        return [f"tags must be a non-empty list of {_tag_words(schema)}"]
    if key == "source":
        return ["source must be a string"]
    if key in ("signed_zero", "flush_subnormal", "hidden"):
        return [f"{key} must be true or false"]
    if key == "level":
        return [f"level must be one of {', '.join(map(str, v.wanted))}"]
    if key == "args" and v.rule in ("minItems", "maxItems"):
        params = list(FUNCTIONS[data["function"]].params)
        return [f"{len(v.value)} args for {len(params)} params {params}"]
    if key == "args":
        return ["args must be a list, in params order"]
    if key == "expected_any":
        return ["expected_any must list at least two acceptable results"]
    if key == "raises":
        return ["raises must name an exception class"]
    if key == "tolerance":
        return list(_tolerance(v, rest[1:]))
    return [v.message]


def _case_itself(v: Violation, schema: dict[str, Any], require_outcome: bool) -> list[str]:
    """A rule about the case mapping as a whole: its type, keys and single outcome."""
    if not isinstance(v.value, dict):
        return ["a case must be a mapping"]
    if v.rule == "additionalProperties":
        return [f"unknown key {k!r}" for k in v.extra_keys()]
    if v.rule == "oneOf" and isinstance(v.value, dict):
        if not any(k in v.value for k in OUTCOME_KEYS):  # args only: the authoring flow's first step
            return [NO_OUTCOME] if require_outcome else []  # generate fills the expected value in
        return ["needs exactly one of expected, expected_any, raises"]
    if v.rule == "required":
        missing = {
            "id": f"id None must match {_pattern(schema, 'id')}",
            "description": "needs a one-line description of what it catches",
            "tags": f"tags must be a non-empty list of {_tag_words(schema)}",
            "args": "args must be a list, in params order",
        }
        return [missing.get(k, f"missing key {k!r}") for k in v.missing_keys()]
    return [v.message]


def _tolerance(v: Violation, rest: Path) -> Iterable[str]:
    """A rule of a tolerance mapping (``rest``: the path inside it)."""
    if rest and rest[0] in TOLERANCE_NUMBERS:
        if isinstance(v.value, str):
            yield f"tolerance {rest[0]} {v.value!r} is a string (YAML 1.1 reads 1e-5 as text: write 1.0e-5)"
        else:
            yield f"tolerance {rest[0]} must be a finite non-negative number, not {v.value!r}"
    elif rest:
        yield "tolerance reason must be a non-empty string"
    elif not isinstance(v.value, dict):
        yield "tolerance must be a mapping"
    elif v.rule == "additionalProperties":
        yield f"unknown tolerance keys {v.extra_keys()}"
    elif v.rule == "required":
        yield "a case's own tolerance needs a reason"
    elif "ulp" in v.value:
        yield "tolerance gives either ulp or rtol/atol, not both"
    else:
        yield "tolerance needs rtol and/or atol, or ulp"


def _pattern(schema: dict[str, Any], key: str) -> str:
    """The pattern the schema gives a case's ``id``."""
    return str(schema["$defs"]["case"]["properties"][key]["pattern"])


def _tags(schema: dict[str, Any]) -> list[str]:
    """The suite's tags, as the schema lists them."""
    return list(schema["$defs"]["tag"]["anyOf"][0]["enum"])


def _tag_words(schema: dict[str, Any]) -> str:
    """What a tag may be, in words."""
    return f"tags ({', '.join(_tags(schema))}, or x-name for your own)"


def _unknown_tag(tag: str, schema: dict[str, Any]) -> str:
    """An unknown tag, with the closest known one when there is one."""
    close = difflib.get_close_matches(tag, _tags(schema), n=1)
    guess = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown tag {tag!r} ({guess}known: {', '.join(_tags(schema))}; tags of your own start with x-)"
