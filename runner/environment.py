"""What a report's header says about the machine that produced it."""

from __future__ import annotations

import platform
from typing import Any


def environment() -> dict[str, Any]:
    """Python and NumPy versions and the platform: results can differ across them."""
    import numpy as np

    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "platform": _platform(),
        "machine": platform.machine(),
    }


def _platform() -> str:
    """``platform.platform()`` without its processor field, whose lookup runs ``uname -p`` (7 ms of every run)."""
    uname = platform.uname()
    libc, version = platform.libc_ver()
    return "-".join(filter(None, (uname.system, uname.release, uname.machine, libc and f"with-{libc}{version}")))
