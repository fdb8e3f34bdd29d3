"""Bounded, safe YAML reading for vector files.

Only plain YAML is accepted (PyYAML's safe loader: no Python tags). Before any
Python object is built, the event stream is scanned so that a nesting bomb or an
alias bomb is refused while it is still text. libyaml's C parser is used when
PyYAML has it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 2_000_000


class YamlError(ValueError):
    """A vector file that is not safe, bounded YAML; ``line`` is 1-based where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Document:
    """A parsed YAML document and the 1-based line of each item of its top-level ``cases`` list."""

    data: Any
    case_lines: list[int]


def _mark_line(mark: Any) -> int | None:
    """1-based line of a PyYAML mark, if there is one."""
    return mark.line + 1 if mark is not None else None


def _check_bounds(text: str) -> None:
    """Refuse documents that nest deeper than MAX_DEPTH or expand (aliases included) past MAX_NODES."""
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = [[None, 0]]
    events = yaml.parse(text, Loader=Loader)
    for event in events:
        if isinstance(event, yaml.AliasEvent):
            stack[-1][1] += sizes.get(event.anchor, 1)
        elif isinstance(event, yaml.ScalarEvent):
            stack[-1][1] += 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            stack.append([event.anchor, 1])
            if len(stack) - 1 > MAX_DEPTH:
                raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", _mark_line(event.start_mark))
            continue
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, count = stack.pop()
            if anchor:
                sizes[anchor] = count
            stack[-1][1] += count
        else:
            continue
        if stack[-1][1] > MAX_NODES or stack[0][1] > MAX_NODES:
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
    return Document(data, _case_lines(node))


def _case_lines(node: Any) -> list[int]:
    """Lines of the items of the root mapping's ``cases`` sequence."""
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "cases" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []
