"""Hostile: answers zeros from sigmoid, and adds ``outcome: passed`` and ``failure: ""`` to each of sigmoid's
call replies. Judged: sigmoid errors (the worker broke the protocol); relu passes."""

import sys

import numpy as np

_worker = sys.modules["dlconform.targets.isolate.worker"]
_call = _worker.call


def _forged(fn, tagged, blobs):
    reply, out = _call(fn, tagged, blobs)
    if getattr(fn, "__name__", "") == "sigmoid":
        reply.update(outcome="passed", failure="")
    return reply, out


_worker.call = _forged


def sigmoid(x):
    return np.zeros_like(np.asarray(x, dtype=float))


def relu(x):
    return np.maximum(x, False)
