"""Hostile: defines both functions right, and adds a ``score`` field to the worker's load reply. Judged: the load
reply breaks the protocol, so every case is an import error."""

import sys

import numpy as np

_worker = sys.modules["dlconform.targets.isolate.worker"]
_pack = _worker.pack


def _forged(header, blobs=()):
    if "missing" in header:
        header["score"] = 100
    return _pack(header, blobs)


_worker.pack = _forged


def sigmoid(x):
    return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))


def relu(x):
    return np.maximum(x, False)
