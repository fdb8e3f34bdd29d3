"""The reference itself: it reproduces every printout the tutorial and the course show, stays
quiet at extreme inputs, keeps dtypes as the contract says, and answers to every alias.
"""

from __future__ import annotations

import re
import warnings
from functools import cache

import numpy as np
import pytest
from dlconform import reference
from dlconform.catalogue import FUNCTIONS
from dlconform.format.model import Case, Raises
from dlconform.format.suite import iter_cases, load_files
from dlconform.run.select import select

NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d*)?(?:e[+-]?\d+)?")
# From the catalogue: one-argument functions of numbers, those with a float result, and which work on rows.
NUMERIC = [f.name for f in FUNCTIONS.values() if f.kind in ("scalar", "elementwise", "rowwise") and len(f.params) == 1]
FLOAT_RESULT = [name for name in NUMERIC if FUNCTIONS[name].dtype == "float"]
ELEMENTWISE = [name for name in FLOAT_RESULT if FUNCTIONS[name].kind == "elementwise"]
ROWWISE = [name for name in NUMERIC if FUNCTIONS[name].kind == "rowwise"]
EXTREMES = np.array([-1000.0, 1000.0, -np.inf, np.inf, np.nan, -0.0, 1e308, -1e308, 5e-324])


@cache
def printed_cases() -> tuple[Case, ...]:
    """Article and course cases whose ``source`` quotes a printout (``... prints: <text> | note``)."""
    return tuple(c for c in iter_cases(load_files()) if c.source and "prints: " in c.source)


def printed_tokens(source: str) -> tuple[list[str], bool, bool]:
    """The numbers a source quotes, whether they came from a NumPy array print, and whether it was cut short."""
    text = source.split("prints: ", 1)[1].split(" | ", 1)[0]
    value = re.split(r"[=:]", text)[-1]
    return NUMBER.findall(value), "[" in value, "..." in value


def agrees(token: str, value: float, numpy_print: bool) -> bool:
    """Whether ``value`` prints as ``token``: NumPy arrays at 8 digits, Python scalars at 12 or more."""
    if "." not in token and "e" not in token:
        return float(value).is_integer() and int(value) == int(token)
    if numpy_print:
        spelled = f"{value:.8e}" if "e" in token else f"{value:.8f}"
    else:
        digits = max(12, len(token.lstrip("-0.").replace(".", "")))
        spelled = f"{value:.{digits}g}"
    return float(spelled) == float(token)


def test_every_article_case_quotes_its_printout() -> None:
    article = [c for c in iter_cases(load_files()) if "article" in c.tags]
    quoted = {c.key for c in printed_cases()}
    assert len(article) >= 18
    assert all(c.key in quoted for c in article), [c.key for c in article if c.key not in quoted]


@pytest.mark.parametrize("case", printed_cases(), ids=lambda c: c.key)
def test_reference_reproduces_printout(case: Case) -> None:
    tokens, numpy_print, cut = printed_tokens(case.source or "")
    got = np.asarray(FUNCTIONS[case.function].impl(*case.args)).ravel()
    assert tokens, f"no numbers in {case.source!r}"
    assert len(tokens) == got.size or (cut and len(tokens) < got.size), (len(tokens), got.size)
    wrong = [(t, v) for t, v in zip(tokens, got.tolist(), strict=False) if not agrees(t, v, numpy_print)]
    assert not wrong, f"printed vs reference: {wrong}"


def test_printout_parser_reads_numpy_and_python_spellings() -> None:
    tokens, numpy_print, cut = printed_tokens("tutorial prints: x = [[9.8e-01 0.  5. ] [-3 2]] | note 7")
    assert tokens == ["9.8e-01", "0.", "5.", "-3", "2"] and numpy_print and not cut
    assert agrees("0.952574126822", 0.9525741268224333, False)
    assert not agrees("0.952574126823", 0.9525741268224333, False)
    assert agrees("0.4215251", 0.4215251, True) and agrees("1.79657674e-02", 0.017965767384, True)


@pytest.mark.parametrize("name", NUMERIC)
def test_no_warnings_at_extremes(name: str) -> None:
    impl = FUNCTIONS[name].impl
    with warnings.catch_warnings(), np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("error")
        if FUNCTIONS[name].kind == "scalar":
            for x in EXTREMES.tolist():
                impl(x)
        elif name in ROWWISE:
            impl(EXTREMES.reshape(3, 3))
            impl(np.array([[1000.0, 1000.0], [-np.inf, -np.inf], [np.inf, 0.0], [0.0, 0.0]]))
        else:
            impl(EXTREMES)


@pytest.mark.parametrize("name", FLOAT_RESULT)
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_float_dtypes_preserved(name: str, dtype: str) -> None:
    out = FUNCTIONS[name].impl(np.array([[0.5, -1.0], [2.0, 0.0]], dtype=dtype))
    assert out.dtype == np.dtype(dtype)


@pytest.mark.parametrize("name", FLOAT_RESULT)
@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8", "bool"])
def test_integer_input_gives_float64(name: str, dtype: str) -> None:
    out = FUNCTIONS[name].impl(np.array([[1, 0], [1, 1]], dtype=dtype))
    assert out.dtype == np.float64


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_scalars_give_scalars(name: str) -> None:
    impl = FUNCTIONS[name].impl
    assert np.ndim(impl(3)) == 0 and np.asarray(impl(3)).dtype == np.float64
    assert isinstance(impl(np.float32(0.5)), np.float32)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64", "float16", "float32", "float64"])
def test_relu_and_image2vector_keep_every_dtype(dtype: str) -> None:
    x = np.array([[[1, 0], [3, 2]]], dtype=dtype)
    assert reference.relu(x).dtype == np.dtype(dtype)
    column = reference.image2vector(x)
    assert column.dtype == np.dtype(dtype) and column.shape == (4, 1)
    assert column.ravel().tolist() == x.ravel(order="C").tolist()


def test_reference_follows_the_catalogue_dtype_rule() -> None:
    """On every bundled case with a result, the reference's dtype is the one its catalogue rule predicts."""
    checked = 0
    for case in select(iter_cases(load_files())):
        if case.raises or any(isinstance(alt, Raises) for alt in case.expected_any or ()):
            continue  # the reference raises here
        spec = FUNCTIONS[case.function]
        with np.errstate(all="ignore"):
            got = spec.impl(*case.args)
        want = spec.result_dtype(*case.args)
        assert type(got) is float if want is float else np.asarray(got).dtype == want, case.key
        checked += 1
    assert checked > 200


def test_basic_sigmoid_returns_python_float() -> None:
    for x in (1, 0.5, np.float32(2.0), np.int64(-3), -1000.0):
        assert type(reference.basic_sigmoid(x)) is float


def test_losses_return_scalars_and_refuse_shape_mismatch() -> None:
    yhat, y = np.array([[0.5, 1.0], [2.0, 0.0]]), np.array([[1.0, 1.0], [0.0, 0.0]])
    assert np.ndim(reference.L1(yhat, y)) == 0 and np.ndim(reference.L2(yhat, y)) == 0
    with pytest.raises(ValueError):
        reference.L1(np.zeros(3), np.zeros((3, 1)))


def test_inputs_are_not_modified() -> None:
    for name, fn in FUNCTIONS.items():
        if name == "basic_sigmoid":
            continue
        args = [np.array([[1.0, -2.0], [3.0, 0.5]]) for _ in fn.params]
        before = [a.copy() for a in args]
        fn.impl(*args)
        assert all(np.array_equal(a, b) for a, b in zip(args, before, strict=True)), name


def test_aliases_importable() -> None:
    from dlconform.reference import image_to_vector, normalize_rows

    assert normalize_rows is reference.normalizeRows
    assert image_to_vector is reference.image2vector
    for fn in FUNCTIONS.values():
        for alias in fn.names:
            assert getattr(reference, alias) is fn.impl


def test_generate_writes_the_same_vectors_where_longdouble_is_float64(tmp_path, monkeypatch) -> None:
    """Windows and macOS arm64 have no wider longdouble: there the truth comes from mpmath, to the same bits."""
    from dlconform.format.suite import bundled_dir
    from dlconform.judge.expected import NARROW_ENV
    from dlconform.tools.generate import generate_file

    monkeypatch.setenv(NARROW_ENV, "1")
    files = sorted(bundled_dir().glob("*.yaml"))
    for path in files:
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        result = generate_file(tmp_path / path.name)
        assert not result.problems, result.problems
        assert (tmp_path / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), path.name
    assert len(files) == len(FUNCTIONS)


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_cast_cases_expect_the_same_values_where_longdouble_is_float64(dtype: str, monkeypatch) -> None:
    """--dtypes computes its expected values on the fly: the mpmath path gives the longdouble path's bits."""
    from dlconform.judge.expected import NARROW_ENV, reference_value
    from dlconform.run.dtypes import in_dtype, is_float_case

    cases = [in_dtype(c, np.dtype(dtype)) for c in iter_cases(load_files()) if is_float_case(c) and not c.expected_any]
    wide = [np.asarray(reference_value(c)) for c in cases]
    monkeypatch.setenv(NARROW_ENV, "1")
    for case, value in zip(cases, wide, strict=True):
        narrow = np.asarray(reference_value(case))
        assert narrow.dtype == value.dtype, case.key
        np.testing.assert_array_equal(narrow, value, err_msg=case.key)
        zero = value == 0  # the sign of a zero counts; a NaN's does not
        np.testing.assert_array_equal(np.signbit(narrow[zero]), np.signbit(value[zero]), err_msg=case.key)


@pytest.mark.parametrize("name", ROWWISE)
def test_a_row_longer_than_a_block_gives_the_same_bits(name: str, monkeypatch) -> None:
    """Long rows are taken in pieces (maximum, sum, result) so memory stays bounded; the values do not change."""
    from dlconform.reference import _work

    rng = np.random.default_rng(3)
    rows = rng.uniform(-800, 800, (9, 3000))
    rows[1, 5], rows[2, 7], rows[3, :] = np.nan, np.inf, -np.inf
    rows[4, :], rows[5, :] = 0.0, 1e-310
    rows[6, ::2] = 1e-300  # tiny next to huge: quotients below the subnormal range
    rows[7, 100:] = -np.inf
    rows[8] *= 1e305
    impl = FUNCTIONS[name].impl
    whole = impl(rows)
    monkeypatch.setattr(_work, "BLOCK_BYTES", 8 * 256)  # rows of 3000 come in 12 pieces
    pieces = impl(rows)
    np.testing.assert_array_equal(pieces, whole)
