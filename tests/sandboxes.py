"""What the sandbox tests share: the marker that skips a test needing bubblewrap, saying why."""

from __future__ import annotations

import pytest
from dlconform.targets.isolate import sandbox

NEEDS_BWRAP = pytest.mark.skipif(sandbox.unavailable() is not None, reason=f"--sandbox bwrap: {sandbox.unavailable()}")
