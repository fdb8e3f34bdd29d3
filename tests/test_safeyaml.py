"""Bounded, safe YAML: what must never be built is refused from the event stream, with a line number."""

from __future__ import annotations

import time

import pytest
import yaml
from dlconform.format import safeyaml
from dlconform.format.safeyaml import MAX_DEPTH, MAX_NODES, YamlError, load


def refused(text: str) -> YamlError:
    """The error ``load`` raises for ``text``."""
    with pytest.raises(YamlError) as info:
        load(text)
    return info.value


def test_plain_document_with_lines() -> None:
    doc = load("format: 1\nfunction: relu\ncases:\n- id: a\n  args: [1]\n- {id: b}\n")
    assert doc.data["cases"][1] == {"id": "b"}
    assert doc.case_lines == [4, 6]
    assert doc.key_lines == {"format": 1, "function": 2, "cases": 3}


def test_yaml_1_1_readings() -> None:
    """The readings the format relies on: bare 1e-5 is a string, 1.0e-5 a float, .nan/.inf/-0.0 floats."""
    data = load("a: 1e-5\nb: 1.0e-5\nc: [.nan, .inf, -.inf, -0.0]\n").data
    assert data["a"] == "1e-5" and data["b"] == 1.0e-5
    nan, inf, ninf, nzero = data["c"]
    assert nan != nan and inf == float("inf") and ninf == -inf and str(nzero) == "-0.0"


@pytest.mark.parametrize(
    "tag",
    [
        '!!python/object/apply:os.system ["echo pwned"]',
        "!!python/name:os.system ''",
        '!!python/object/new:str ["x"]',
        "!custom 1",
    ],
)
def test_python_and_unknown_tags_are_refused(tag: str) -> None:
    err = refused(f"format: 1\nargs: [{tag}]\n")
    assert "unsafe or unknown YAML tag" in str(err) and err.line == 2


def test_deep_nesting_refused_before_it_is_built() -> None:
    """A 3,000-deep list is refused from the events, quickly, without a RecursionError.

    (Recent libyaml builds stop at 1,000 levels in the parser itself; either refusal will do.)
    """
    deep = "a: " + "[" * 3000 + "]" * 3000 + "\n"
    start = time.perf_counter()
    err = refused(deep)
    assert time.perf_counter() - start < 1.0
    assert "nesting" in str(err) and err.line == 1


def test_nesting_bound() -> None:
    """MAX_DEPTH levels below the root are fine; one more is refused."""
    ok = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert load(ok).data
    err = refused("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert f"deeper than {MAX_DEPTH}" in str(err) and err.line == 1


def test_alias_bomb_refused_before_it_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """A billion-laughs document expands to 10**9 nodes: refused quickly, and nothing is constructed."""
    bomb = "".join(f"l{i}: &a{i} [" + ", ".join([f"*a{i - 1}" if i else "lol"] * 10) + "]\n" for i in range(9))
    built = []
    monkeypatch.setattr(safeyaml.Loader, "construct_document", lambda *a: built.append(a))
    start = time.perf_counter()
    err = refused(bomb)
    assert time.perf_counter() - start < 1.0
    assert f"more than {MAX_NODES:,} nodes" in str(err)
    assert err.line is not None and err.line <= 9
    assert not built


def test_aliases_within_bounds_are_fine() -> None:
    data = load("a: &x [1.0, 2.0]\nb: [*x, *x]\nc: *x\n").data
    assert data["b"] == [[1.0, 2.0], [1.0, 2.0]] and data["c"] == [1.0, 2.0]


@pytest.mark.parametrize("text", ["a: &r [1, *r]\n", "a: &r {b: *r}\n", "a: &r [[[*r]]]\n"])
def test_recursive_aliases_refused(text: str) -> None:
    err = refused(text)
    assert "recursive alias *r" in str(err) and err.line == 1


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("a: 1\nb: 2\na: 3\n", "a", 3),
        ("cases:\n- id: x\n  expected: 1\n  expected: 2\n", "expected", 4),
        ("a: {x: 1, x: 1}\n", "x", 1),
    ],
)
def test_duplicate_keys_refused(text: str, key: str, line: int) -> None:
    """YAML would silently keep the last of two equal keys; a vector file may not have them."""
    err = refused(text)
    assert f"duplicate key {key!r}" in str(err) and err.line == line


def test_same_key_in_sibling_mappings_is_fine() -> None:
    assert load("- {id: a, x: 1}\n- {id: b, x: 1}\n").data[1]["x"] == 1


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("a: [1, 2\nb: 3\n", "expected ',' or ']'", 2),
        ("a: 1\n---\nb: 2\n", "another document", 2),
        ("a: 1\n\tb: 2\n", "", 2),
    ],
)
def test_syntax_errors_have_lines(text: str, message: str, line: int) -> None:
    err = refused(text)
    assert message in str(err) and err.line == line


def test_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safeyaml, "MAX_BYTES", 100)
    assert "larger than" in str(refused("a: " + "1" * 200))


def test_node_limit_counts_plain_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The node bound is about size, aliases or not: a plain list past it is refused too."""
    monkeypatch.setattr(safeyaml, "MAX_NODES", 50)
    assert "nodes" in str(refused("a: [" + ", ".join(["1"] * 60) + "]\n"))
    assert load("a: [" + ", ".join(["1"] * 40) + "]\n").data


def test_uses_the_safe_constructor() -> None:
    """Objects are built by PyYAML's safe constructor only, never the full or unsafe one."""
    assert issubclass(safeyaml.Loader, yaml.constructor.SafeConstructor)
    assert not issubclass(safeyaml.Loader, yaml.constructor.FullConstructor)
