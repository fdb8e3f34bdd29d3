"""Bounded, safe YAML reading for vector files.

Only plain YAML is accepted (PyYAML's safe loader: no Python tags). Before any
Python object is built, the event stream is scanned so that a nesting bomb, an
alias bomb, a recursive alias or a duplicate key is refused while it is still
text. libyaml's C parser is used when PyYAML has it. A NaN is read as Python's own ``float('nan')``:
PyYAML builds ``.nan`` with its sign bit set, which JSON (the load cache) cannot carry, so a cold and a warm
load would give different NaNs (and reports different repro lines).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from dlconform.errors import DlconformError


class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader (libyaml's when there), whose NaN has no sign bit."""

    def construct_yaml_float(self, node: Any) -> float:
        value = super().construct_yaml_float(node)
        return math.nan if math.isnan(value) else value


Loader.add_constructor("tag:yaml.org,2002:float", Loader.construct_yaml_float)

MAX_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 2_000_000


class YamlError(DlconformError, ValueError):
    """A vector file that is not safe, bounded YAML; ``line`` is 1-based where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Document:
    """A parsed YAML document, the 1-based line of each top-level key, of each item of ``cases``, and of each item
    of a top-level list (``item_lines``)."""

    data: Any
    case_lines: list[int]
    key_lines: dict[str, int] = field(default_factory=dict)
    item_lines: list[int] = field(default_factory=list)


def _mark_line(mark: Any) -> int | None:
    """1-based line of a PyYAML mark, if there is one."""
    return mark.line + 1 if mark is not None else None


class _Frame:
    """One open collection during the pre-scan: its anchor, node count and, for a mapping, the keys seen."""

    __slots__ = ("anchor", "count", "keys", "next_is_key")

    def __init__(self, anchor: str | None, mapping: bool) -> None:
        self.anchor = anchor
        self.count = 1
        self.keys: set[str] | None = set() if mapping else None
        self.next_is_key = mapping

    def child(self, event: Any) -> None:
        """Note one child node; a repeated plain key in a mapping is refused (YAML would keep only the last)."""
        if self.keys is None:
            return
        if self.next_is_key and isinstance(event, yaml.ScalarEvent):
            if event.value in self.keys:
                raise YamlError(f"duplicate key {event.value!r}", _mark_line(event.start_mark))
            self.keys.add(event.value)
        self.next_is_key = not self.next_is_key


def _check_bounds(text: str) -> None:
    """Refuse, from the event stream alone, what must never be built.

    That is: nesting deeper than MAX_DEPTH, more than MAX_NODES nodes once aliases are expanded (an alias
    bomb), an alias to a collection that is still open (a recursive structure), and duplicate mapping keys.
    """
    sizes: dict[str, int] = {}
    root = _Frame(None, mapping=False)
    stack: list[_Frame] = [root]
    open_anchors: set[str] = set()
    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in open_anchors:
                raise YamlError(f"recursive alias *{event.anchor}", _mark_line(event.start_mark))
            stack[-1].child(event)
            stack[-1].count += sizes.get(event.anchor, 1)
        elif isinstance(event, yaml.ScalarEvent):
            stack[-1].child(event)
            stack[-1].count += 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            stack[-1].child(event)
            stack.append(_Frame(event.anchor, isinstance(event, yaml.MappingStartEvent)))
            if event.anchor:
                open_anchors.add(event.anchor)
            if len(stack) - 1 > MAX_DEPTH:
                raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", _mark_line(event.start_mark))
            continue
        elif isinstance(event, yaml.CollectionEndEvent):
            frame = stack.pop()
            if frame.anchor:
                sizes[frame.anchor] = frame.count
                open_anchors.discard(frame.anchor)
            stack[-1].count += frame.count
        else:
            continue
        if stack[-1].count > MAX_NODES or root.count > MAX_NODES:
            raise YamlError(
                f"document expands to more than {MAX_NODES:,} nodes (alias bomb?)", _mark_line(event.start_mark)
            )


def load(text: str) -> Document:
    """Parse one vector file's text, bounded and safe; raises YamlError with a line where known."""
    if len(text) > MAX_BYTES:
        raise YamlError(f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        _check_bounds(text)
        loader = Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if "could not determine a constructor" in str(exc):
            tag = re.search(r"'([^']*)'", problem)
            problem = f"unsafe or unknown YAML tag {tag.group(1) if tag else ''}".rstrip()
        raise YamlError(problem, _mark_line(mark)) from None
    except yaml.YAMLError as exc:
        raise YamlError(str(exc).splitlines()[0]) from None
    except RecursionError:
        raise YamlError("nesting too deep to parse") from None
    items = [item.start_mark.line + 1 for item in node.value] if isinstance(node, yaml.SequenceNode) else []
    return Document(data, _case_lines(node), _key_lines(node), items)


def _key_lines(node: Any) -> dict[str, int]:
    """Lines of the root mapping's keys."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {key.value: key.start_mark.line + 1 for key, _ in node.value if isinstance(key, yaml.ScalarNode)}


def _case_lines(node: Any) -> list[int]:
    """Lines of the items of the root mapping's ``cases`` sequence."""
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "cases" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []
