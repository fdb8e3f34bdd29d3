"""One-line binding expressions in profiles: a small, checked subset of Python.

A profile may bind a function to an expression such as
``torch.reshape(image, (-1, 1))`` or convert values with ``torch.from_numpy(a)``.
Expressions are parsed once and checked against a whitelist: names (only those
the profile makes available), attribute access (no ``_``-prefixed attributes),
calls, arithmetic, comparisons, constant subscripts, tuples and lists. No
lambdas, comprehensions, assignments or builtins. This keeps profiles
declarative and their mistakes reportable at load time; it is not a sandbox: a
profile imports and runs library code, and is as trusted as a target file.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dlconform.errors import DlconformError

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.Name,
    ast.Load,
    ast.Attribute,
    ast.Call,
    ast.keyword,
    ast.Constant,
    ast.Tuple,
    ast.List,
    ast.UnaryOp,
    ast.UAdd,
    ast.USub,
    ast.Not,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.MatMult,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.Subscript,
    ast.Slice,
)


class ExpressionError(DlconformError, ValueError):
    """An expression outside the allowed subset, or naming something the profile does not provide."""


@dataclass(frozen=True)
class Expression:
    """A parsed, checked expression and the free names it uses."""

    source: str
    code: Any
    names: frozenset[str]

    def evaluate(self, namespace: dict[str, Any]) -> Any:
        """Evaluate with only ``namespace`` visible (no builtins)."""
        return eval(self.code, {"__builtins__": {}}, namespace)


def parse(source: str, allowed_names: Iterable[str]) -> Expression:
    """Parse and check ``source``; every free name must be in ``allowed_names``."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("an expression must be a non-empty string")
    if "\n" in source.strip():
        raise ExpressionError("an expression must fit on one line")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a Python expression: {exc.msg}") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(f"{type(node).__name__} is not allowed in a binding expression")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ExpressionError(f"attribute {node.attr!r} is not allowed (no names starting with _)")
        if isinstance(node, ast.Name):
            names.add(node.id)
    allowed = set(allowed_names)
    unknown = sorted(names - allowed)
    if unknown:
        raise ExpressionError(f"unknown name {unknown[0]!r} (available: {', '.join(sorted(allowed)) or 'none'})")
    return Expression(source.strip(), compile(tree, "<profile expression>", "eval"), frozenset(names))
