"""Vector-file values: decoding refuses every malformed value with one error, and floats round-trip bit for bit."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import yaml
from dlconform.format.emit import flow
from dlconform.format.large import decode_value
from dlconform.format.values import DTYPES, FLOAT_DTYPES, ValueFormatError, decode, encode, format_float
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
WIDTHS = {"float16": 16, "float32": 32, "float64": 64}
UINT = {"float16": np.uint16, "float32": np.uint32, "float64": np.uint64}


def load_scalar(text: str) -> Any:
    """What a vector file's YAML reader makes of one scalar's text."""
    return yaml.load(f"v: {text}", Loader=Loader)["v"]


def read_back(x: float, dtype: str) -> np.ndarray:
    """``x`` written by format_float, read as YAML, and decoded as a one-element array of ``dtype``."""
    return decode({"array": [load_scalar(format_float(x, dtype))], "dtype": dtype})


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal dtype, shape and bytes; any NaN equals any NaN (YAML's .nan carries no sign or payload)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        nan_a, nan_b = np.isnan(a), np.isnan(b)
        if not np.array_equal(nan_a, nan_b):
            return False
        return a[~nan_a].tobytes() == b[~nan_b].tobytes()
    return a.tobytes() == b.tobytes()


def test_every_float16_round_trips_exactly() -> None:
    """All 65,536 float16 bit patterns: written, read back, same value (NaN stays NaN)."""
    values = np.arange(2**16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    texts = [format_float(float(v), "float16") for v in values]
    read = [load_scalar(t) for t in texts]
    assert same_bits(decode({"array": read, "dtype": "float16"}), values)
    assert [format_float(r, "float16") for r in read] == texts  # the spelling is a fixed point


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(data=st.data())
@settings(max_examples=400, deadline=None)
def test_floats_round_trip_exactly(dtype: str, data: st.DataObject) -> None:
    """Any float32/float64, subnormals, -0.0, NaN and the infinities included, reads back to the same bits."""
    x = data.draw(st.floats(width=WIDTHS[dtype], allow_nan=True, allow_infinity=True, allow_subnormal=True))
    want = np.array([x], dtype=dtype)
    assert same_bits(read_back(x, dtype), want)
    text = format_float(x, dtype)
    assert format_float(load_scalar(text), dtype) == text


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_float_extremes_round_trip(dtype: str) -> None:
    """The smallest subnormal, smallest normal, largest finite, -0.0 and the specials, in each dtype."""
    info = np.finfo(dtype)
    tiny_sub = np.nextafter(np.zeros(1, dtype), np.ones(1, dtype))[0]
    for x in (tiny_sub, -tiny_sub, info.smallest_normal, info.max, -info.max, info.eps, -0.0, 0.0, math.inf, -math.inf):
        want = np.array([x], dtype=dtype)
        assert same_bits(read_back(float(x), dtype), want), (dtype, x, format_float(float(x), dtype))
    assert np.isnan(read_back(math.nan, dtype)).all()


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_format_float_is_yaml_1_1_float_spelling(dtype: str) -> None:
    """Every spelling has a dot (YAML 1.1 reads 1e-05 as a string) and a signed exponent when it has one."""
    finite = [x for x in (1e-5, 3e-45, 65504.0, 1e15, 123456.0, 0.1, 2.0**-24) if x <= float(np.finfo(dtype).max)]
    for x in finite:
        text = format_float(float(np.array(x, dtype=dtype)), dtype)
        assert isinstance(load_scalar(text), float), text
        mantissa, _, exponent = text.partition("e")
        assert "." in mantissa
        assert not exponent or exponent[0] in "+-"


ARRAY_DTYPES = st.sampled_from(DTYPES).map(np.dtype)


@given(arr=hnp.arrays(ARRAY_DTYPES, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)))
@settings(max_examples=300, deadline=None)
def test_arrays_round_trip_through_the_file_text(arr: np.ndarray) -> None:
    """encode -> canonical flow text -> YAML -> decode gives the same dtype, shape and bits."""
    stored = encode(arr)
    back = decode(yaml.load(f"v: {flow(stored)}", Loader=Loader)["v"])
    assert same_bits(np.asarray(back), arr)
    if arr.ndim == 0 and arr.dtype.name not in ("float64", "int64", "bool"):
        assert isinstance(back, np.generic)


def test_encode_forms() -> None:
    """Python scalars stay plain; 0-d float64/int64/bool become plain; other 0-d are {scalar}; empties carry shape."""
    assert encode(1.5) == 1.5 and encode(3) == 3 and encode(True) is True
    assert encode(np.float64(0.25)) == 0.25
    assert encode(np.float32(0.25)) == {"scalar": 0.25, "dtype": "float32"}
    assert encode(np.zeros((2, 0, 3), np.float16)) == {"array": [[], []], "dtype": "float16", "shape": [2, 0, 3]}
    with pytest.raises(ValueFormatError, match="complex128"):
        encode(np.array([1j]))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e-5", "'1e-5' is a string, not a number"),
        ("nan", "YAML spells them .nan"),
        ("three", "not a value: 'three'"),
        (None, "not a value: None"),
        ([1.0, 2.0], "not a value"),
        (2**63, "does not fit int64"),
        ({"array": ["1e-5"], "dtype": "float64"}, "'1e-5' is a string"),
        ({"array": [1.0], "dtype": "float128"}, "unknown dtype 'float128'"),
        ({"array": [1.0], "dtype": ["float64"]}, "unknown dtype"),
        ({"array": [[1, 2], [3]], "dtype": "int64"}, "ragged"),
        ({"array": [[1, 2], 3], "dtype": "int64"}, "ragged"),
        ({"array": [], "dtype": "float64"}, "an empty array needs a shape"),
        ({"array": [[], []], "dtype": "float64", "shape": [0, 3]}, "does not match the nested list, which is [2, 0]"),
        ({"array": [1.0, 2.0], "dtype": "float64", "shape": [2, 1]}, "does not match"),
        ({"array": [], "dtype": "float64", "shape": [-1]}, "non-negative integers"),
        ({"array": [], "dtype": "float64", "shape": [0, True]}, "non-negative integers"),
        ({"array": [], "dtype": "float64", "shape": [0] * 70}, "is not possible"),
        ({"array": [1.5], "dtype": "int32"}, "is not an integer"),
        ({"array": [True], "dtype": "int32"}, "is not a number"),
        ({"array": [1], "dtype": "bool"}, "is not true or false"),
        ({"array": [300], "dtype": "int8"}, "does not fit int8"),
        ({"array": [-1], "dtype": "uint8"}, "does not fit uint8"),
        ({"array": [70000.0], "dtype": "float16"}, "overflows float16"),
        ({"array": [1e39], "dtype": "float32"}, "overflows float32"),
        ({"array": [10**400], "dtype": "float64"}, "does not fit float64"),
        ({"array": [1.0], "dtype": "float64", "stride": 8}, "unknown keys in array: ['stride']"),
        ({"scalar": 1.0, "dtype": "float64", "shape": []}, "unknown keys in scalar"),
        ({"scalar": [1.0], "dtype": "float64"}, "scalar must be one number"),
        ({"scalar": 256, "dtype": "uint8"}, "does not fit uint8"),
        ({"values": [1.0]}, "not a value"),
        ({"generate": ["linspace"], "dtype": "float64", "shape": [3]}, "generate must name a generator"),
    ],
)
def test_malformed_values_are_refused(value: Any, message: str) -> None:
    """What the loader decodes (values.decode, and generated values through large.decode_value) refuses these."""
    with pytest.raises(ValueFormatError) as info:
        decode_value(value)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_lossless_spellings_are_accepted() -> None:
    """Integral floats are integers (as in JSON Schema); special floats and 0-d arrays are values."""
    assert decode({"array": [2.0, -3.0], "dtype": "int8"}).tolist() == [2, -3]
    assert decode({"array": [], "dtype": "int8", "shape": [0, 2.0]}).shape == (0, 2)
    assert decode({"array": [[], []], "dtype": "float32", "shape": [2, 0, 5]}).shape == (2, 0, 5)
    assert decode({"array": 2.5, "dtype": "float32"}).shape == ()
    assert decode({"array": [1.0e300], "dtype": "float64"})[0] == 1.0e300
    specials = decode({"array": [math.inf, -math.inf, -0.0], "dtype": "float16"})
    assert specials.tolist() == [math.inf, -math.inf, 0.0] and np.signbit(specials[2])
    assert isinstance(decode({"scalar": 3, "dtype": "int16"}), np.int16)


JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=5)
    | st.sampled_from(["1e-5", "float64", "int8", "bool", "float16", "linspace", "hash", "reference"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["array", "scalar", "dtype", "shape", "x", "generate", "start", "stop", "seed", "low", "high"]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@given(value=JSONISH)
@settings(max_examples=200, deadline=None)
def test_decode_raises_only_value_format_errors(value: Any) -> None:
    """Whatever YAML can hold, decode returns a value or raises ValueFormatError: never another exception."""
    try:
        decode(value)
    except ValueFormatError as exc:
        assert str(exc) and "\n" not in str(exc)
