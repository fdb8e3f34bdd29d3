"""Test-session setup shared by every test module."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable

import pytest

_CACHE_DIR = tempfile.mkdtemp(prefix="dlconform-test-cache-")
_SUMMARY = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    """Point the load cache (and every subprocess the tests start) at a private folder, not ~/.cache."""
    os.environ["DLCONFORM_CACHE_DIR"] = _CACHE_DIR


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the session's cache folder."""
    shutil.rmtree(_CACHE_DIR, ignore_errors=True)


@pytest.fixture
def summary_line(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Adds a line to the closing summary of the session (the mutant kill rate, the alternatives' pass rate)."""
    return request.config.stash.setdefault(_SUMMARY, []).append


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """The lines the tests added with ``summary_line``, in their own section after the results."""
    lines = config.stash.get(_SUMMARY, [])
    if lines:
        terminalreporter.section("dlconform")
        for line in lines:
            terminalreporter.write_line(line)
