"""Hostile: forks a child that leaves the worker's session and lives on, then answers correctly.
Judged: sigmoid and relu pass; the child is killed with the worker (a root grader stops and kills the worker uid's processes)."""

import os
import time

import numpy as np


def sigmoid(x):
    if os.fork() == 0:
        os.setsid()
        time.sleep(600)
        os._exit(0)
    x = np.asarray(x, dtype=np.result_type(x, 1.0))  # float inputs keep their dtype, as the contract says
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out[()] if out.ndim == 0 else out


def relu(x):
    return np.maximum(x, False)  # a zero of the input's own dtype, bool included (relu keeps the dtype)
