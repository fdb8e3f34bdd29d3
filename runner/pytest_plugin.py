"""pytest plugin: ``pytest --dlconform TARGET`` (or ``--dlconform-profile NAME|PATH``, ``--dlconform-bind``,
``--dlconform-adapter``) runs every selected case as a test item.

pytest loads this module in every session of an environment where dlconform is installed, so it imports nothing
but pytest and changes nothing: it adds the ``--dlconform`` options (one per field of the options model,
``dlconform.run.options.RunOptions``, named ``--dlconform-<field>``; -k and --maxfail are pytest's own), and only
when one of them names what to check does it register ``dlconform.pytest_cases``, which plans the run and
collects the cases.
"""

from __future__ import annotations

from typing import Any

import pytest

# What to check: any of these turns the plugin on.
SUBJECTS = ("dlconform", "dlconform_profile", "dlconform_bind", "dlconform_adapter")

OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("--dlconform", {"metavar": "TARGET", "help": "Check TARGET (file.py, notebook.ipynb, pkg.mod, pkg.mod:obj)."}),
    (
        "--dlconform-profile",
        {"metavar": "NAME|PATH", "help": "Check a library through a profile (built-in name or file), as run's."},
    ),
    (
        "--dlconform-bind",
        {"action": "append", "default": [], "metavar": "FUNCTION=module:callable", "help": "Bind one function."},
    ),
    ("--dlconform-adapter", {"metavar": "COMMAND", "help": "Check an implementation through its adapter command."}),
    (
        "--dlconform-vectors",
        {"action": "append", "default": [], "metavar": "PATH", "help": "Vector files or folders added to the suite."},
    ),
    ("--dlconform-no-bundled", {"action": "store_true", "help": "Use only the --dlconform-vectors files."}),
    ("--dlconform-function", {"action": "append", "default": [], "metavar": "NAME", "help": "Only this function."}),
    ("--dlconform-tag", {"action": "append", "default": [], "metavar": "TAG", "help": "Only cases with this tag."}),
    ("--dlconform-exclude-tag", {"action": "append", "default": [], "metavar": "TAG", "help": "Leave out this tag."}),
    ("--dlconform-dtypes", {"metavar": "float16,float32", "help": "Run every float case in each of these dtypes."}),
    ("--dlconform-random", {"type": int, "default": 0, "metavar": "N", "help": "Add N random cases per function."}),
    ("--dlconform-seed", {"type": int, "metavar": "SEED", "help": "Seed of the random cases."}),
    ("--dlconform-assignment", {"metavar": "NAME|FILE", "help": "Only its functions; the summary gives the score."}),
    ("--dlconform-rtol", {"type": float, "metavar": "RTOL", "help": "Relative tolerance for every case."}),
    ("--dlconform-atol", {"type": float, "metavar": "ATOL", "help": "Absolute tolerance for every case."}),
    ("--dlconform-strict-dtype", {"action": "store_true", "help": "Demand the exact dtype."}),
    (
        "--dlconform-baseline",
        {"metavar": "FILE", "help": "Baseline file: its entries run as xfail (default: a profile's shipped one)."},
    ),
    ("--dlconform-strict-baseline", {"action": "store_true", "help": "Baseline cases that now pass fail (XPASS)."}),
    ("--dlconform-write-baseline", {"metavar": "FILE", "help": "Write the failures as a baseline file; exit 0."}),
    ("--dlconform-perf", {"action": "store_true", "help": "Time each function against the reference."}),
    ("--dlconform-perf-fail", {"type": float, "metavar": "RATIO", "help": "Fail when RATIO times slower."}),
    ("--dlconform-fail-under", {"type": float, "metavar": "SCORE", "help": "Fail below SCORE assignment points."}),
    ("--dlconform-isolate", {"action": "store_true", "help": "Run TARGET in a confined worker process."}),
    ("--dlconform-timeout", {"type": float, "metavar": "SECONDS", "help": "Per call, in the worker."}),
    ("--dlconform-memory", {"metavar": "SIZE", "help": "The worker's memory limit (512M, 2G; 0: none)."}),
    ("--dlconform-budget", {"type": float, "metavar": "SECONDS", "help": "The worker's wall clock in all."}),
    ("--dlconform-sandbox", {"choices": ["auto", "bwrap", "uid"], "help": "How the worker is confined."}),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dlconform", "dlconform conformance cases (off unless --dlconform or a profile is given)")
    for flag, settings in OPTIONS:
        group.addoption(flag, **settings)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """With something to check, register the hooks that collect and run the cases; without it, do nothing."""
    if any(config.getoption(name, None) for name in SUBJECTS):
        from dlconform import pytest_cases

        config.pluginmanager.register(pytest_cases, "dlconform-cases")
