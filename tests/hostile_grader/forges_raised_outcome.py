"""Hostile: sigmoid raises, and its raised replies carry ``outcome: passed``. Judged: sigmoid errors (the worker
broke the protocol); relu passes."""

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
    raise ValueError("not written yet")


def relu(x):
    return np.maximum(x, False)
