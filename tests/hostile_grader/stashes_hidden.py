"""Hostile: keeps every input it is given (in a module global and in a file under /tmp) and shows them all on every
call: printed to stdout and stderr, as a warning, and in the message of an exception raised by every third call.
Judged: sigmoid right where it does not raise; no hidden input reaches anything the student sees."""

import os
import sys
import tempfile
import warnings

import numpy as np

SEEN = set()
STASH = os.path.join(tempfile.gettempdir(), "dlconform-stash.txt")


def _remember(x):
    SEEN.add(repr(np.asarray(x).tolist()))
    try:
        os.chmod(STASH, 0o666) if os.path.exists(STASH) else None
        with open(STASH, "a", encoding="utf-8") as out:
            out.write(" ".join(SEEN) + "\n")
        with open(STASH, encoding="utf-8") as kept:
            SEEN.update(kept.read().split())
    except OSError:
        pass
    everything = " ".join(sorted(SEEN))
    print("seen:", everything)
    sys.stderr.write(f"seen: {everything}\n")
    warnings.warn(f"seen: {everything}", stacklevel=2)
    if len(SEEN) % 3 == 0:
        raise ValueError(f"seen: {everything}")


def sigmoid(x):
    _remember(x)
    return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))


def relu(x):
    _remember(x)
    return np.maximum(x, False)
