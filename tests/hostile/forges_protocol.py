"""Hostile: writes a forged reply into the grader's protocol channel (the socket on fd 3) before answering.
Judged: sigmoid errors (the worker broke the protocol); relu passes."""

import json
import os
import struct

import numpy as np


def sigmoid(x):
    head = json.dumps({"status": "returned", "result": {"t": "none"}, "seq": 1, "blobs": []}).encode()
    body = struct.pack(">I", len(head)) + head
    os.write(3, struct.pack(">I", len(body)) + body)
    return np.zeros_like(np.asarray(x, dtype=float))


def relu(x):
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)
