"""Hostile: sigmoid's results carry an extra key (``verdict: passed``) beside their dtype and shape. Judged: sigmoid
errors (the worker broke the protocol); relu passes."""

import sys

import numpy as np

_worker = sys.modules["dlconform.targets.isolate.worker"]
_call = _worker.call


def _forged(fn, tagged, blobs):
    reply, out = _call(fn, tagged, blobs)
    if getattr(fn, "__name__", "") == "sigmoid" and isinstance(reply.get("result"), dict):
        reply["result"]["verdict"] = "passed"
    return reply, out


_worker.call = _forged


def sigmoid(x):
    return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))


def relu(x):
    return np.maximum(x, False)
