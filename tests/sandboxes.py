"""What the sandbox tests share: the markers that skip a test needing bubblewrap, or a uid that can read the
checkout's JavaScript adapter, saying why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dlconform.targets.isolate import sandbox
from dlconform.targets.isolate.access import blocked

ADAPTER = Path(__file__).resolve().parents[1] / "adapters" / "javascript" / "adapter.js"

NEEDS_BWRAP = pytest.mark.skipif(sandbox.unavailable() is not None, reason=f"--sandbox bwrap: {sandbox.unavailable()}")


def uid_cannot_run_adapter(mode: str = "auto") -> str | None:
    """Why a root grader's uid mode cannot run the checkout's JavaScript adapter here, or None: a worker uid must
    read it, and a checkout in a 0700 folder (CI's second leg) lets no other user in; `grade` refuses that in one
    line (tests/test_grade_adapter.py checks it), so the tests that need it skip."""
    if os.geteuid() != 0 or sandbox.resolve(mode) != "uid":
        return None
    stop = blocked(ADAPTER)
    return None if stop is None else f"uid mode: {stop} does not let other users in, so a worker cannot read {ADAPTER}"
