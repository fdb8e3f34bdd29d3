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
        "platform": platform.platform(),
        "machine": platform.machine(),
    }
