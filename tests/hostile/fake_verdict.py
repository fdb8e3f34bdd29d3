"""Hostile: prints what a test runner would print on success, on import and on every call, and returns zeros.
Judged: sigmoid fails; the text appears only as the submission's output, never as a result."""

import json
import sys

import numpy as np

print("========== 100 passed, 0 failed ==========")
print(json.dumps({"score": 100.0, "tests": []}))


def sigmoid(x):
    print("100 passed, 0 failed")
    sys.stderr.write('{"score": 100, "status": "passed"}\n')
    return np.zeros_like(np.asarray(x, dtype=float))


def relu(x):
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)
