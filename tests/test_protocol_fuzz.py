"""Fuzzing what a worker can send: the frame decoder, the value decoder and the reply checks only ever accept or
raise ProtocolError (never another exception, which would be the batch's), and accepted values are plain."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from dlconform.targets.isolate.protocol import (
    MAX_FRAME,
    ProtocolError,
    decode_value,
    encode_value,
    frame_length,
    pack,
    unpack,
)
from dlconform.targets.isolate.replies import check_call_reply, check_load_reply, reply_limit
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)
TAGS = st.sampled_from(["none", "bool", "int", "float", "array", "scalar", "not-array", "object", ""])
TAGGED = st.fixed_dictionaries(
    {"t": TAGS},
    optional={
        "v": JSON,
        "b": st.integers(-2, 4),
        "dtype": st.sampled_from(["<f8", "<i4", "|b1", "|O", "<c16", "<U3", "f8", ">f2"]) | st.text(max_size=6),
        "shape": st.lists(st.integers(-2, 1 << 40), max_size=40) | JSON,
    },
)
BLOBS = st.lists(st.binary(max_size=64), max_size=4)


def _frame_body(header: object, blobs: list[bytes]) -> bytes:
    head = json.dumps(header).encode()
    return struct.pack(">I", len(head)) + head + b"".join(blobs)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_are_a_frame_or_a_protocol_error(data: bytes) -> None:
    try:
        header, blobs = unpack(data)
    except ProtocolError:
        return
    assert isinstance(header, dict) and sum(len(b) for b in blobs) <= len(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=4, max_size=4))
def test_a_length_prefix_is_bounded_before_anything_is_read(prefix: bytes) -> None:
    try:
        assert frame_length(prefix) <= MAX_FRAME
    except ProtocolError:
        assert struct.unpack(">I", prefix)[0] > MAX_FRAME


@settings(max_examples=500, deadline=None)
@given(TAGGED | JSON, BLOBS)
def test_any_tagged_value_decodes_to_plain_data_or_a_protocol_error(tagged: object, blobs: list[bytes]) -> None:
    try:
        value = decode_value(tagged, blobs)
    except ProtocolError:
        return
    if isinstance(value, np.ndarray | np.generic):
        assert value.dtype.kind in "biuf"  # never object, complex, strings
    else:
        assert value is None or isinstance(value, bool | int | float)


@settings(max_examples=500, deadline=None)
@given(
    st.fixed_dictionaries(
        {"status": st.sampled_from(["returned", "raised", "loaded", "x"])},
        optional={
            "result": TAGGED | JSON,
            "mutated": st.lists(st.fixed_dictionaries({"i": JSON, "v": TAGGED})) | JSON,
            "mro": JSON,
            "message": JSON,
        },
    )
    | JSON,
    BLOBS,
)
def test_checked_call_replies_decode_without_surprises(reply: object, blobs: list[bytes]) -> None:
    try:
        check_call_reply(reply, blobs, 2)
        assert isinstance(reply, dict)
        if reply["status"] == "returned" and reply["result"]["t"] != "not-array":
            value = decode_value(reply["result"], blobs)
            assert value is None or isinstance(value, np.ndarray)
            for change in reply.get("mutated") or []:
                decode_value(change["v"], blobs)
    except ProtocolError:
        return


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_checked_load_replies_are_plain(reply: object) -> None:
    try:
        check_load_reply(reply, ("sigmoid", "relu"), module_target=False)
    except ProtocolError:
        return
    assert isinstance(reply, dict) and reply["status"] == "loaded"


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(hnp.scalar_dtypes().filter(lambda d: d.kind in "biuf"), hnp.array_shapes(min_dims=0, max_side=4)))
def test_plain_arrays_round_trip_and_fit_their_reply_limit(arr: np.ndarray) -> None:
    blobs: list = []
    tagged = encode_value(arr, blobs)
    body = b"".join(bytes(p) for p in pack({"v": tagged}, blobs))[4:]
    header, got = unpack(body)
    back = decode_value(header["v"], got)
    assert back.dtype == arr.dtype and back.shape == arr.shape and back.tobytes() == arr.tobytes()
    assert len(body) + 4 <= reply_limit((arr,))


def test_a_forged_frame_body_with_a_huge_blob_count_is_refused() -> None:
    with pytest.raises(ProtocolError, match="too many blobs"):
        unpack(_frame_body({"blobs": [0] * 100_000}, []))
