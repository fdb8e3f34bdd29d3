"""Hostile: reads the vector files it can find and answers from them: the bundled (public) ones, and the
instructor's private folder if it can (PRIVATE is filled in by the test). Judged: passes the stored public
sigmoid cases, fails the hidden and the random ones; relu passes."""

import os

import numpy as np
from dlconform.format.suite import bundled_dir, iter_cases, read_file

PRIVATE = "__PRIVATE__"
ANSWERS = {}


def _key(x):
    arr = np.asarray(x)
    return type(x).__name__, arr.dtype.str, arr.shape, arr.tobytes()


for folder in (str(bundled_dir()), PRIVATE):
    try:
        names = sorted(os.listdir(folder))
    except OSError:  # the private folder is root's alone
        continue
    for name in names:
        found, _ = read_file(os.path.join(folder, name)) if name.endswith(".yaml") else (None, [])
        for case in iter_cases([found] if found else []):
            if case.function == "sigmoid" and case.expected is not None:
                ANSWERS[_key(case.args[0])] = case.expected


def sigmoid(x):
    return ANSWERS.get(_key(x), np.zeros_like(np.asarray(x, dtype=float)))


def relu(x):
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)
