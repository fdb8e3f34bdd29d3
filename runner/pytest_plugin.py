"""pytest plugin: ``pytest --dlconform TARGET`` runs every selected case as a test item.

pytest loads this module in every session of an environment where dlconform is installed, so it imports nothing
but pytest and changes nothing: it adds the ``--dlconform`` options, and only when ``--dlconform`` is given does
it register ``dlconform.pytest_cases``, which loads the vectors and the target and collects the cases.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dlconform", "dlconform conformance cases (off unless --dlconform is given)")
    group.addoption(
        "--dlconform", metavar="TARGET", help="Check TARGET (file.py, notebook.ipynb, pkg.mod, pkg.mod:obj)."
    )
    group.addoption(
        "--dlconform-vectors",
        action="append",
        default=[],
        metavar="PATH",
        help="Vector files or folders added to the bundled suite (repeatable), as run's --vectors.",
    )
    group.addoption("--dlconform-no-bundled", action="store_true", help="Use only the --dlconform-vectors files.")
    group.addoption("--dlconform-function", action="append", default=[], metavar="NAME", help="Only this function.")
    group.addoption("--dlconform-tag", action="append", default=[], metavar="TAG", help="Only cases with this tag.")
    group.addoption("--dlconform-baseline", metavar="FILE", help="Baseline file: its entries run as xfail.")
    group.addoption("--dlconform-strict-dtype", action="store_true", help="Demand the exact dtype.")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """With ``--dlconform``, register the hooks that collect and run the cases; without it, do nothing."""
    if config.getoption("dlconform", None):
        from dlconform import pytest_cases

        config.pluginmanager.register(pytest_cases, "dlconform-cases")
