"""Selecting cases: functions by name or alias, tags, excluded tags, and -k expressions."""

from __future__ import annotations

from pathlib import Path

import pytest
from dlconform.format.suite import iter_cases, load_files
from dlconform.run.select import SelectionError, canonical_function, compile_keyword, select

FAKE_VECTORS = Path(__file__).parent / "fakes" / "vectors"


@pytest.fixture(scope="module")
def cases():
    return list(iter_cases(load_files([FAKE_VECTORS])))


def keys(selected):
    return [c.key for c in selected]


def test_no_filter_keeps_every_case_in_order(cases):
    assert select(cases) == cases


def test_function_by_canonical_name_or_alias(cases):
    by_alias = select(cases, functions=["normalize_rows"])
    assert by_alias == select(cases, functions=["normalizeRows"])
    assert {c.function for c in by_alias} == {"normalizeRows"}
    assert canonical_function("image_to_vector") == "image2vector"


def test_tags_and_excluded_tags(cases):
    article = select(cases, tags=["article"])
    assert article and all("article" in c.tags for c in article)
    either = select(cases, tags=["article", "edge"])
    assert set(keys(either)) == {c.key for c in cases if {"article", "edge"} & set(c.tags)}
    rest = select(cases, exclude_tags=["article"])
    assert set(keys(rest)) == {c.key for c in cases} - set(keys(article))
    assert select(cases, functions=["sigmoid"], tags=["core"], exclude_tags=["dtype"]) == [
        c for c in cases if c.function == "sigmoid" and "core" in c.tags and "dtype" not in c.tags
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"functions": ["sigmod"]}, "unknown function 'sigmod'"),
        ({"tags": ["artcle"]}, "unknown tag 'artcle'"),
        ({"exclude_tags": ["slow"]}, "unknown tag 'slow'"),
    ],
)
def test_unknown_names_are_errors(cases, kwargs, message):
    with pytest.raises(SelectionError, match=message):
        select(cases, **kwargs)


@pytest.mark.parametrize(
    ("expression", "matches"),
    [
        ("sigmoid", lambda k: "sigmoid" in k),
        ("SIGMOID::ARTICLE", lambda k: k.startswith("sigmoid::article")),
        ("article and not normalize", lambda k: "article" in k and "normalize" not in k),
        ("nan or column", lambda k: "nan" in k or "column" in k),
        ("not (sigmoid or float)", lambda k: not ("sigmoid" in k or "float" in k)),
        (
            "rows and (article or core) and not float",
            lambda k: "rows" in k and ("article" in k or "core" in k) and "float" not in k,
        ),
        ("not not nan", lambda k: "nan" in k),
        ("   ", lambda k: True),
    ],
)
def test_keyword_expressions(cases, expression, matches):
    selected = select(cases, keyword=expression)
    assert keys(selected) == [c.key for c in cases if matches(c.key.lower())]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("and", "unexpected 'and'"),
        ("sigmoid and", "ends where a name"),
        ("(sigmoid", "missing '\\)'"),
        ("sigmoid)", "unexpected '\\)'"),
        ("sigmoid nan", "unexpected 'nan'"),
        ("not", "ends where a name"),
        ("()", "unexpected '\\)'"),
    ],
)
def test_malformed_keyword_expressions(expression, message):
    with pytest.raises(SelectionError, match=message):
        compile_keyword(expression)
