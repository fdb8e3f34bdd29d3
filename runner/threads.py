"""The thread pools of NumPy's BLAS, OpenMP and MKL, held to one thread in every process dlconform starts.

The suite's arrays are small: a pool only costs here. OpenBLAS's idle threads spin for about 0.1 s of CPU after
NumPy is imported (one process's start-up doubled, and a core taken from the next job), and one thread makes a
BLAS result independent of how many cores the machine has.
"""

from __future__ import annotations

import os
import sys

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def one_thread_pools() -> None:
    """Hold this process's pools to one thread, except where the user set a variable (theirs wins); a no-op once
    NumPy is imported, as its pools are sized then."""
    if "numpy" in sys.modules:
        return
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
