"""Choose the cases to run: by function (canonical name or alias), tag, excluded tag, and a ``-k`` expression.

``-k`` works as in pytest: words matched case-insensitively as substrings of
``function::case-id``, combined with ``and``, ``or``, ``not`` and parentheses.
Unknown names and malformed expressions raise ``SelectionError``: a typo must
not silently select nothing or everything. Cases tagged ``large`` (generated
inputs of up to 10^7 elements, see dlconform/format/large.py) run only when ``--tag large``
selects them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import NoReturn

from dlconform.catalogue import FUNCTIONS, canonical
from dlconform.errors import DlconformError
from dlconform.format.large import LARGE_TAG
from dlconform.format.model import Case

Predicate = Callable[[str], bool]
TOKEN = re.compile(r"\s*(?:(?P<paren>[()])|(?P<word>[^\s()]+))")


class SelectionError(DlconformError, ValueError):
    """A selection that names an unknown function or tag, or a malformed ``-k`` expression."""


def canonical_function(name: str) -> str:
    """The canonical name of a function given by canonical name or alias."""
    found = canonical(name)
    if found is not None:
        return found
    raise SelectionError(f"unknown function {name!r} (known: {', '.join(FUNCTIONS)})")


def select(
    cases: Iterable[Case],
    functions: Sequence[str] = (),
    tags: Sequence[str] = (),
    exclude_tags: Sequence[str] = (),
    keyword: str | None = None,
    *,
    keep_large: bool = False,
) -> list[Case]:
    """The cases, in their order, of the given functions, carrying one of ``tags`` and none of ``exclude_tags``,
    whose ``function::case-id`` matches ``keyword``; ``large`` cases only when ``tags`` names that tag, or when
    ``keep_large`` says the caller chose them already."""
    pool = list(cases)
    wanted = {canonical_function(f) for f in functions}
    known_tags = {t for c in pool for t in c.tags}
    for tag in (*tags, *exclude_tags):
        if tag not in known_tags:
            raise SelectionError(f"unknown tag {tag!r} (known: {', '.join(sorted(known_tags))})")
    matches = compile_keyword(keyword) if keyword and keyword.strip() else None
    left_out = set(exclude_tags) | ({LARGE_TAG} - set(tags) if not keep_large else set())
    return [
        c
        for c in pool
        if (not wanted or c.function in wanted)
        and (not tags or set(tags) & set(c.tags))
        and not left_out & set(c.tags)
        and (matches is None or matches(c.key.lower()))
    ]


def compile_keyword(expression: str) -> Predicate:
    """Compile a ``-k`` expression into a predicate over a lower-cased ``function::case-id``."""
    tokens = [m.group("paren") or m.group("word") for m in TOKEN.finditer(expression)]
    parser = _Parser(expression, tokens)
    predicate = parser.expression()
    if parser.pos < len(tokens):
        parser.error(f"unexpected {tokens[parser.pos]!r}")
    return predicate


class _Parser:
    """Recursive descent over ``or`` < ``and`` < ``not`` < (expression) | word."""

    def __init__(self, text: str, tokens: list[str]) -> None:
        self.text = text
        self.tokens = tokens
        self.pos = 0

    def error(self, what: str) -> NoReturn:
        raise SelectionError(f"-k {self.text!r}: {what}")

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            self.error("ends where a name, 'not' or '(' is expected")
        self.pos += 1
        return token

    def expression(self) -> Predicate:
        left = self.conjunction()
        while self.peek() == "or":
            self.pos += 1
            left = _either(left, self.conjunction())
        return left

    def conjunction(self) -> Predicate:
        left = self.negation()
        while self.peek() == "and":
            self.pos += 1
            left = _both(left, self.negation())
        return left

    def negation(self) -> Predicate:
        token = self.take()
        if token == "not":
            inner = self.negation()
            return lambda key: not inner(key)
        if token == "(":
            inner = self.expression()
            if self.peek() != ")":
                self.error("missing ')'")
            self.pos += 1
            return inner
        if token in {")", "and", "or"}:
            self.error(f"unexpected {token!r} where a name, 'not' or '(' is expected")
        word = token.lower()
        return lambda key: word in key


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda key: a(key) or b(key)


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda key: a(key) and b(key)
