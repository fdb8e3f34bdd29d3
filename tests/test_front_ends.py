"""Every field of the options model is reachable from each front-end: the CLI's ``run``, ``dlconform.check()`` and
the pytest plugin. Each field needs a sample here: a field added to RunOptions without one (or without its
front-ends) fails these tests."""

from __future__ import annotations

import argparse
from dataclasses import fields
from typing import Any

import pytest
from dlconform.api import check, check_options
from dlconform.commands.grade import grade, grade_request
from dlconform.commands.run import run, run_options
from dlconform.pytest_cases import NOT_IN_PLUGIN, PYTEST_OWN, plugin_options
from dlconform.pytest_plugin import OPTIONS
from dlconform.run.options import RunOptions

# field -> (the value it gets, the CLI arguments giving it, the plugin's arguments giving it)
SAMPLES: dict[str, tuple[Any, list[str], list[str]]] = {
    "target": ("t.py", ["t.py"], ["--dlconform", "t.py"]),
    "profile": ("torch", ["--profile", "torch"], ["--dlconform-profile", "torch"]),
    "binds": (("relu=numpy:abs",), ["--bind", "relu=numpy:abs"], ["--dlconform-bind", "relu=numpy:abs"]),
    "adapter": ("node a.js", ["--adapter", "node a.js"], ["--dlconform-adapter", "node a.js"]),
    "vectors": (("v.yaml",), ["--vectors", "v.yaml"], ["--dlconform-vectors", "v.yaml"]),
    "no_bundled": (True, ["--no-bundled"], ["--dlconform-no-bundled"]),
    "functions": (("relu",), ["-f", "relu"], ["--dlconform-function", "relu"]),
    "tags": (("core",), ["-t", "core"], ["--dlconform-tag", "core"]),
    "exclude_tags": (("core",), ["--exclude-tag", "core"], ["--dlconform-exclude-tag", "core"]),
    "keyword": ("relu", ["-k", "relu"], []),  # pytest's own -k
    "dtypes": (("float32", "float16"), ["--dtypes", "float32,float16"], ["--dlconform-dtypes", "float32,float16"]),
    "random_n": (3, ["--random", "3"], ["--dlconform-random", "3"]),
    "seed": (5, ["--seed", "5"], ["--dlconform-seed", "5"]),
    "assignment": ("course", ["--assignment", "course"], ["--dlconform-assignment", "course"]),
    "rtol": (0.25, ["--rtol", "0.25"], ["--dlconform-rtol", "0.25"]),
    "atol": (0.5, ["--atol", "0.5"], ["--dlconform-atol", "0.5"]),
    "strict_dtype": (True, ["--strict-dtype"], ["--dlconform-strict-dtype"]),
    "baseline": ("b.yaml", ["--baseline", "b.yaml"], ["--dlconform-baseline", "b.yaml"]),
    "strict_baseline": (True, ["--strict-baseline"], ["--dlconform-strict-baseline"]),
    "write_baseline": ("w.yaml", ["--write-baseline", "w.yaml"], ["--dlconform-write-baseline", "w.yaml"]),
    "perf": (True, ["--perf"], ["--dlconform-perf"]),
    "perf_fail": (3.0, ["--perf-fail", "3"], ["--dlconform-perf-fail", "3"]),
    "fail_under": (2.0, ["--fail-under", "2"], ["--dlconform-fail-under", "2"]),
    "maxfail": (2, ["--maxfail", "2"], []),  # pytest's own --maxfail
    "isolate": (True, ["--isolate"], ["--dlconform-isolate"]),
    "timeout": (3.0, ["--timeout", "3"], ["--dlconform-timeout", "3"]),
    "memory": ("1G", ["--memory", "1G"], ["--dlconform-memory", "1G"]),
    "budget": (9.0, ["--budget", "9"], ["--dlconform-budget", "9"]),
    "sandbox": ("uid", ["--sandbox", "uid"], ["--dlconform-sandbox", "uid"]),
    "plots": (True, ["--format", "html"], []),  # NOT_IN_PLUGIN
}
FIELDS = [f.name for f in fields(RunOptions)]


class PluginConfig:
    """What ``plugin_options`` reads of a pytest config: the plugin's options, parsed from ``argv``."""

    def __init__(self, argv: list[str]) -> None:
        parser = argparse.ArgumentParser()
        for flag, settings in OPTIONS:
            parser.add_argument(flag, **settings)
        self.option = parser.parse_args(argv)

    def getoption(self, name: str) -> Any:
        return getattr(self.option, name)


def test_every_field_has_a_sample() -> None:
    assert sorted(SAMPLES) == sorted(FIELDS)


@pytest.mark.parametrize("name", FIELDS)
def test_the_cli_reaches_each_field(name: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # --write-baseline's folder must exist
    value, argv, _ = SAMPLES[name]
    options = run_options(run.make_context("run", list(argv)).params)  # click consumes the list it parses
    assert getattr(options, name) == value != getattr(RunOptions(), name)


@pytest.mark.parametrize("name", FIELDS)
def test_check_takes_each_field_as_a_keyword(name: str) -> None:
    value = SAMPLES[name][0]
    options = (
        check_options(value)
        if name == "target"
        else check_options(**{name: list(value) if isinstance(value, tuple) else value})
    )
    assert getattr(options, name) == value != getattr(RunOptions(), name)


@pytest.mark.parametrize("name", FIELDS)
def test_the_plugin_reaches_each_field(name: str, pytestconfig: pytest.Config) -> None:
    value, _, argv = SAMPLES[name]
    if name in PYTEST_OWN:  # pytest's own option of that name does it: -k deselects, --maxfail stops
        assert hasattr(pytestconfig.option, name)
        assert not argv
        return
    if name in NOT_IN_PLUGIN:
        assert not argv
        return
    options = plugin_options(PluginConfig(argv))  # type: ignore[arg-type]
    assert getattr(options, name) == value != getattr(RunOptions(), name)


def test_only_plots_is_not_a_plugin_option() -> None:
    assert set(NOT_IN_PLUGIN) == {"plots"}


def test_check_refuses_an_unknown_keyword() -> None:
    with pytest.raises(TypeError):
        check("t.py", no_such_option=1)


GRADE_FIELDS = ("vectors", "no_bundled", "functions", "tags", "exclude_tags", "random_n", "seed", "assignment",
                "timeout", "memory", "budget", "sandbox", "adapter")  # fmt: skip


@pytest.mark.parametrize("name", GRADE_FIELDS)
def test_grade_puts_each_run_option_in_its_request(name: str) -> None:
    value, argv, _ = SAMPLES[name]
    request = grade_request(grade.make_context("grade", ["hw/", *argv]).params)
    assert getattr(request.run, name) == value and request.run.isolate
    assert grade_request(grade.make_context("grade", ["hw/", "--html"]).params).run.plots
