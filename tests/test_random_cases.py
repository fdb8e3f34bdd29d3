"""Random cases: the domain block's validation, reproducible draws, reference expected values, and that a
submission hard-coding the stored answers fails them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from dlconform.catalogue import FUNCTIONS
from dlconform.format.domain import domain_problems, parse_domain
from dlconform.format.suite import iter_cases, load_files, read_file
from dlconform.judge.expected import reference_value
from dlconform.run.engine import run_cases
from dlconform.run.random_cases import DomainError, add_random, random_cases
from dlconform.run.select import select
from dlconform.targets.open import open_target

ROOT = Path(__file__).resolve().parents[1]
ELEMENTWISE = {
    "shapes": [["scalar"], [[]], [["n"]], [["m", "n"]]],
    "dims": {"m": [1, 3], "n": [1, 5]},
    "dtypes": ["float64", "float32", "int64"],
    "range": [-8.0, 8.0],
}
PAIRED = {
    "shapes": [[["n"], ["n"]], [["m", "n"], ["m", "n"]]],
    "dims": {"m": [1, 3], "n": [1, 5]},
    "dtypes": ["float64", "float32"],
    "range": [-4.0, 4.0],
}


def bundled(function: str, domain: dict | None = None):
    """The bundled vector file of ``function``, with ``domain`` in place of its own when given."""
    vf = next(vf for vf in load_files() if vf.function == function)
    return vf if domain is None else replace(vf, domain=domain)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"colour": 1}, "unknown key 'colour'"),
        ({"dims": {"m": [3, 1], "n": [1, 5]}}, "dims: m must be [low, high]"),
        ({"dims": {"M": [1, 2], "n": [1, 5]}}, "'M' is not a lower-case symbol"),
        ({"shapes": [[["k"]]]}, "'k' is neither a size"),
        ({"shapes": [[["n"], ["n"]]]}, "one shape per param"),
        ({"shapes": [[[64, 64, 64]]]}, "more than 4096"),
        ({"shapes": []}, "non-empty list of signatures"),
        ({"shapes": [["vector"]]}, "a shape is a list of sizes and symbols"),
        ({"dtypes": ["float128"]}, "dtypes must be"),
        ({"range": [1.0, -1.0]}, "range must be [low, high]"),
        ({"range": [0.0, float("inf")]}, "range must be [low, high]"),
    ],
)
def test_domain_problems_name_each_mistake(change: dict, fragment: str) -> None:
    problems = domain_problems({**ELEMENTWISE, **change}, ("x",))
    assert any(fragment in p for p in problems), problems


def test_valid_domain_has_no_problems_and_parses() -> None:
    assert domain_problems(ELEMENTWISE, ("x",)) == []
    parsed = parse_domain(ELEMENTWISE, ("x",))
    assert parsed.dims == {"m": (1, 3), "n": (1, 5)}
    assert parsed.shapes[0] == ("scalar",)
    assert domain_problems("everything", ("x",)) == ["must be a mapping with shapes, dims, dtypes and range"]


def test_read_file_reports_a_bad_domain_with_its_line(tmp_path: Path) -> None:
    text = (ROOT / "vectors" / "relu.yaml").read_text(encoding="utf-8")
    head, rest = text.split("\ndomain:\n", 1)
    text = head + "\ndomain: {shapes: [[[q]]], dims: {}, dtypes: [float64], range: [0, 1]}\ncases:\n"
    text += rest.split("\ncases:\n", 1)[1]
    bad = tmp_path / "relu.yaml"
    bad.write_text(text, encoding="utf-8")
    vf, problems = read_file(bad)
    assert vf is None
    line = text[: text.index("\ndomain:")].count("\n") + 2
    assert [(p.line, p.message) for p in problems] == [
        (line, "domain: shapes[0]: param 0: 'q' is neither a size 0..64 nor a symbol declared in dims")
    ]


def test_same_seed_same_cases_bit_for_bit_and_new_seed_new_cases() -> None:
    vf = bundled("sigmoid", ELEMENTWISE)
    first, again, other = random_cases(vf, 30, 7), random_cases(vf, 30, 7), random_cases(vf, 30, 8)
    assert [c.id for c in first] == [f"random-7-{i}" for i in range(30)]
    for a, b in zip(first, again, strict=True):
        assert type(a.args[0]) is type(b.args[0])
        assert np.asarray(a.args[0]).tobytes() == np.asarray(b.args[0]).tobytes()
    assert any(
        np.asarray(a.args[0]).tobytes() != np.asarray(b.args[0]).tobytes() for a, b in zip(first, other, strict=True)
    )


def test_draws_follow_the_domain() -> None:
    cases = random_cases(bundled("sigmoid", ELEMENTWISE), 200, 3)
    kinds = set()
    for case in cases:
        (x,) = case.args
        assert case.tags == ("random",)
        if isinstance(x, np.ndarray):
            kinds.add(f"array{x.ndim}")
            assert 1 <= x.ndim <= 2 and all(1 <= d <= 5 for d in x.shape)
            assert x.dtype.name in ELEMENTWISE["dtypes"]
        elif isinstance(x, np.generic):
            kinds.add("numpy-scalar")
        else:
            kinds.add(type(x).__name__)
        assert np.all(np.abs(np.asarray(x, dtype=np.float64)) <= 8.0)
    assert kinds == {"float", "int", "numpy-scalar", "array1", "array2"}


def test_symbols_are_shared_between_params() -> None:
    for case in random_cases(bundled("L2", PAIRED), 50, 1):
        yhat, y = case.args
        assert yhat.shape == y.shape and yhat.dtype == y.dtype


def test_expected_values_are_the_reference_s() -> None:
    for function, domain in (("sigmoid", ELEMENTWISE), ("L1", PAIRED)):
        for case in random_cases(bundled(function, domain), 20, 11):
            expected = reference_value(replace(case, expected=None))
            assert np.asarray(case.expected).tobytes() == np.asarray(expected).tobytes()
            assert np.asarray(case.expected).dtype == np.asarray(expected).dtype


def test_careful_implementation_passes_random_cases() -> None:
    cases = random_cases(bundled("sigmoid", ELEMENTWISE), 100, 5) + random_cases(bundled("L2", PAIRED), 100, 5)
    careful = open_target(str(ROOT / "examples" / "careful.py"))
    results = run_cases(cases, careful.resolve)
    assert all(r.outcome == "passed" for r in results), [r.message for r in results if r.outcome != "passed"][:3]


def test_hard_coding_the_stored_answers_passes_stored_cases_and_fails_random_ones() -> None:
    stored = [c for c in select(iter_cases(load_files()), ["sigmoid"]) if not c.raises]  # large cases store nothing

    def key(x):
        arr = np.asarray(x)
        return type(x).__name__, arr.dtype.str, arr.shape, arr.tobytes()

    answers = {key(c.args[0]): c.expected for c in stored}

    def memorised(x):
        return answers.get(key(x), np.zeros_like(np.asarray(x, dtype=np.float64)))

    assert all(r.outcome == "passed" for r in run_cases(stored, lambda f: memorised))
    random = random_cases(bundled("sigmoid", ELEMENTWISE), 50, 2026)
    outcomes = [r.outcome for r in run_cases(random, lambda f: memorised)]
    assert outcomes.count("failed") >= 45


def test_add_random_keeps_functions_together_and_warns_without_domain() -> None:
    files = [bundled("relu", {**ELEMENTWISE, "dtypes": ["int64"]}), replace(bundled("L1"), domain=None)]
    selected = list(iter_cases(files))
    cases, warnings = add_random(selected, files, 3, 9)
    relu = [c.id for c in cases if c.function == "relu"]
    assert relu[-3:] == ["random-9-0", "random-9-1", "random-9-2"]
    assert [c.function for c in cases] == sorted((c.function for c in cases), key=["relu", "L1"].index)
    assert warnings == ["--random: no vector file declares a domain for L1; no random cases"]


def test_a_domain_the_reference_refuses_is_a_domain_error() -> None:
    mismatched = {**PAIRED, "shapes": [[["m"], ["n"]]], "dims": {"m": [1, 2], "n": [3, 4]}}
    with pytest.raises(DomainError, match="the reference refuses L1::random-0-0"):
        random_cases(bundled("L1", mismatched), 1, 0)


def test_integer_range_without_integers_is_a_domain_error() -> None:
    narrow = {**ELEMENTWISE, "dtypes": ["int64"], "range": [0.2, 0.7]}
    with pytest.raises(DomainError, match="holds no int64 value"):
        random_cases(bundled("relu", narrow), 1, 0)


def test_every_bundled_file_has_a_domain_the_reference_accepts() -> None:
    for vf in load_files():
        assert vf.domain is not None, vf.path
        assert len(random_cases(vf, 30, 1)) == 30


def test_careful_and_tutorial_pass_random_cases_of_their_contract() -> None:
    cases = [c for vf in load_files() for c in random_cases(vf, 20, 99)]
    careful = run_cases(cases, open_target(str(ROOT / "examples" / "careful.py")).resolve)
    assert all(r.outcome == "passed" for r in careful), [r.key for r in careful if r.outcome != "passed"][:5]
    with np.errstate(all="ignore"):
        tutorial = run_cases(cases, open_target(str(ROOT / "examples" / "tutorial.py")).resolve)
    # the tutorial's code handles only 2-D softmax and 3-D images; everything else it has it gets right
    wrong = {r.function for r in tutorial if r.outcome != "passed" and r.failure != "missing"}
    assert wrong <= {"softmax", "image2vector"}, wrong


def test_every_function_has_params_the_domain_format_can_describe() -> None:
    for spec in FUNCTIONS.values():
        shapes = [["scalar"] * len(spec.params)]
        assert domain_problems({**ELEMENTWISE, "shapes": shapes}, spec.params) == []
