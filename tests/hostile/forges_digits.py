"""Hostile: answers each sigmoid call itself on the protocol socket (fd 3) with a reply meant to crash or swamp
the grader: an int of 5,000 digits in the JSON header. Judged: each sigmoid call is this submission's protocol error, refused before the grader
does work that grows with it; relu passes."""

import itertools
import json
import os
import struct

import numpy as np

CALLS = itertools.count(2)  # the load request was number 1; every call the grader sends adds one


def _send(header: dict, blob: bytes = b"") -> None:
    head = json.dumps({**header, "blobs": [len(blob)] if blob else []}).encode()
    body = struct.pack(">I", len(head)) + head
    os.write(3, struct.pack(">I", len(body) + len(blob)) + body)
    if blob:
        os.write(3, blob)


def sigmoid(x):
    seq = next(CALLS)
    head = b'{"status": "returned", "result": {"t": "int", "v": 1' + b"0" * 5000 + b'}, "seq": %d}' % seq
    body = struct.pack(">I", len(head)) + head
    os.write(3, struct.pack(">I", len(body)) + body)
    return np.zeros_like(np.asarray(x, dtype=float))


def relu(x):
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)
