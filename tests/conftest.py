"""Test-session setup shared by every test module."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_CACHE_DIR = tempfile.mkdtemp(prefix="dlconform-test-cache-")


def pytest_configure(config: pytest.Config) -> None:
    """Point the load cache (and every subprocess the tests start) at a private folder, not ~/.cache."""
    os.environ["DLCONFORM_CACHE_DIR"] = _CACHE_DIR


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the session's cache folder."""
    shutil.rmtree(_CACHE_DIR, ignore_errors=True)
