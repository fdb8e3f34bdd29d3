"""vectors/schema.json states the reader's rules: bundled files validate, and schema and reader agree on bad ones."""

from __future__ import annotations

import copy
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from dlconform.catalogue import FUNCTIONS, Function
from dlconform.cli import main
from dlconform.format import schema, suite
from dlconform.format.suite import ID_PATTERN, bundled_dir, read_file, vector_paths
from dlconform.format.tolerance import ACCURACY_CLASSES
from dlconform.format.values import DTYPES, FLOAT_DTYPES
from dlconform.tools import generate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "vectors"
SCHEMA = json.loads((ROOT / "vectors" / "schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
# What the reader refuses that no JSON Schema can state (see the schema's own description).
BEYOND_SCHEMA = re.compile(
    r"duplicate id|ragged|does not match the nested list|does not fit|overflows|finite non-negative|is not possible"
    r"|low < high|must be integers in|elements is more than|block by block"
)


def yaml_data(path: Path) -> Any:
    """A vector file as plain data, the way any YAML 1.1 reader sees it."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def schema_errors(data: Any) -> list[str]:
    """The schema's complaints about ``data``, one line each."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:120]}" for e in VALIDATOR.iter_errors(data)]


def fixtures(folder: str) -> list[Path]:
    return sorted((DATA / folder).glob("*.yaml"))


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] and SCHEMA["title"] and SCHEMA["description"]


def test_schema_matches_the_code() -> None:
    """The enums and patterns the code still names itself (decoding values, judging, baselines) are the schema's."""
    props, defs = SCHEMA["properties"], SCHEMA["$defs"]
    assert props["function"]["enum"] == list(FUNCTIONS)
    assert props["accuracy"]["enum"] == list(ACCURACY_CLASSES)
    assert props["tolerance"]["propertyNames"]["enum"] == list(FLOAT_DTYPES)
    assert defs["dtype"]["enum"] == list(DTYPES)
    assert defs["case"]["properties"]["id"]["pattern"] == ID_PATTERN.pattern
    per_function = {
        block["if"]["properties"]["function"]["const"]: block["then"]["properties"]
        for block in SCHEMA["allOf"]
        if "function" in block["if"]["properties"]
    }
    assert set(per_function) == set(FUNCTIONS)
    for name, rules in per_function.items():
        spec = FUNCTIONS[name]
        assert rules["params"]["const"] == list(spec.params)
        assert rules["aliases"]["const"] == list(spec.aliases)
        arity = rules["cases"]["items"]["properties"]["args"]
        assert arity["minItems"] == arity["maxItems"] == len(spec.params)


def test_bundled_schema_is_generated_from_the_catalogue() -> None:
    assert (ROOT / "vectors" / "schema.json").read_text(encoding="utf-8") == schema.render()


def test_a_new_catalogue_function_gets_its_name_and_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-function part follows the catalogue: no hand edit of the schema for a new function."""
    extra = Function("leaky", ("x", "slope"), "elementwise", lambda x, s: x, aliases=("leaky_relu",))
    monkeypatch.setattr(schema, "FUNCTIONS", {**FUNCTIONS, "leaky": extra})
    built = schema.build()
    assert built["properties"]["function"]["enum"] == [*FUNCTIONS, "leaky"]
    data = {**yaml_data(DATA / "good" / "relu.yaml"), "function": "leaky", "aliases": ["leaky_relu"]}
    errors = [e.message for e in jsonschema.Draft202012Validator(built).iter_errors(data)]
    assert any("['x', 'slope'] was expected" in e for e in errors), errors  # params
    assert any("is too short" in e for e in errors), errors  # one arg where two are needed


def test_generate_checks_and_rewrites_a_stale_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "vectors"
    shutil.copytree(bundled_dir(), folder)
    stale = {**SCHEMA, "allOf": SCHEMA["allOf"][:-1]}  # the last function's block lost
    (folder / "schema.json").write_text(json.dumps(stale, indent=2) + "\n", encoding="utf-8")
    monkeypatch.setattr(suite, "bundled_dir", lambda: folder)
    monkeypatch.setattr(generate, "bundled_dir", lambda: folder)
    checked = CliRunner().invoke(main, ["generate", "--check"])
    assert checked.exit_code == 1
    assert f"{folder / 'schema.json'}: not generated from the catalogue: run 'dlconform generate'" in checked.stdout
    files = len(vector_paths([folder])) + 1  # the vector files and the schema
    rewrote = [f"rewrote {folder / 'schema.json'}; {files - 1} file(s) up to date"]  # what it did, said once
    assert CliRunner().invoke(main, ["generate"]).stdout.splitlines() == rewrote
    assert (folder / "schema.json").read_text(encoding="utf-8") == schema.render()
    assert CliRunner().invoke(main, ["generate", "--check"]).exit_code == 0


@pytest.mark.parametrize("path", vector_paths([bundled_dir()]), ids=lambda p: p.name)
def test_bundled_vectors_validate(path: Path) -> None:
    assert schema_errors(yaml_data(path)) == []


@pytest.mark.parametrize("path", fixtures("good"), ids=lambda p: p.name)
def test_good_fixtures_validate(path: Path) -> None:
    assert schema_errors(yaml_data(path)) == []
    assert read_file(path)[1] == []


def expectation(path: Path) -> str:
    """The message a fixture's first line says the reader gives (``# expect: ...``)."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), path
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", fixtures("bad_schema"), ids=lambda p: p.stem)
def test_schema_and_reader_both_refuse(path: Path) -> None:
    vf, problems = read_file(path)
    assert vf is None
    assert any(expectation(path) in str(p) for p in problems), problems
    assert schema_errors(yaml_data(path)), "the schema accepts what the reader refuses"


@pytest.mark.parametrize("path", fixtures("bad_reader"), ids=lambda p: p.stem)
def test_reader_refuses_what_no_schema_can_state(path: Path) -> None:
    """These break rules the schema's description names as the reader's alone."""
    vf, problems = read_file(path)
    assert vf is None
    assert any(expectation(path) in str(p) for p in problems), problems
    assert all(BEYOND_SCHEMA.search(p.message) for p in problems)
    assert schema_errors(yaml_data(path)) == []


POOL = [
    None,
    True,
    -1,
    0,
    1.5,
    -0.0,
    math.inf,
    "text",
    "1e-5",
    "float32",
    "Bad Id",
    [],
    {},
    [1.0, 2.0],
    [[1, 2], [3, 4]],
    {"array": [], "dtype": "float64"},
    {"array": [1.0], "dtype": "float32"},
    {"scalar": 1, "dtype": "int8"},
    {"rtol": 1.0e-6},
    {"ulp": 4, "reason": "why"},
]
BASES = [yaml_data(p) for p in fixtures("good")]


def paths_in(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a node of ``data`` (keys and indexes), the root excluded."""
    out: list[tuple] = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for key, value in items:
        out.append((*prefix, key))
        out.extend(paths_in(value, (*prefix, key)))
    return out


@st.composite
def mutants(draw: st.DrawFn) -> Any:
    """A good fixture with one node replaced, deleted, or given an unknown sibling key."""
    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    path = draw(st.sampled_from(paths_in(data)))
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    action = draw(st.sampled_from(["replace", "delete", "extra"]))
    if action == "delete":
        del parent[path[-1]]
    elif action == "extra" and isinstance(parent, dict):
        parent["extra_key"] = 1
    else:
        parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(POOL)))
    return data


@given(data=mutants())
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_schema_and_reader_agree_on_mutants(data: Any) -> None:
    """One random change to a good file: the schema and the reader accept or refuse it together.

    The only allowed disagreement is the reader refusing, for a reason the schema cannot state.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutant.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        _, problems = read_file(path)
    errors = schema_errors(data)
    if problems and not errors:
        assert all(BEYOND_SCHEMA.search(p.message) for p in problems), problems
    else:
        assert bool(problems) == bool(errors), (problems, errors)


def test_a_rule_the_code_misses_is_still_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generated inputs are left to the code's finer words; were it to accept what the schema refuses, the schema
    still speaks."""
    path = DATA / "bad_schema" / "generated-without-large-tag.yaml"
    monkeypatch.setattr(suite, "case_problem", lambda function, fields: None)
    _, problems = read_file(path)
    (problem,) = problems
    assert problem.line is not None and problem.case == "big"
    assert problem.message.startswith("cases/1/tags: ")


def test_every_schema_problem_is_one_line_with_a_line_number() -> None:
    """Each bad fixture's problems are single lines, and each names a line unless it is about the file as a whole."""
    whole_file = re.compile(r"^(missing top-level key|a vector file is a mapping|not UTF-8|file is larger)")
    for path in fixtures("bad_schema") + fixtures("bad_reader"):
        for problem in read_file(path)[1]:
            assert "\n" not in str(problem) and "is not valid under" not in problem.message, problem
            assert problem.line is not None or whole_file.match(problem.message), problem


def test_a_warm_load_does_not_validate(tmp_path: Path) -> None:
    """jsonschema is imported for a file the load cache does not hold, and not at all once it does."""
    code = "import sys, dlconform.format.suite as s; s.load_files(); print('jsonschema' in sys.modules)"
    env = {"DLCONFORM_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    runs = [
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert [r.stdout.strip() for r in runs] == ["True", "False"]
