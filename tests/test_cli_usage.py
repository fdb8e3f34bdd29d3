"""Usage errors are one line and exit 2; every command answers --version; shell completion is produced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from dlconform.cli import main
from dlconform.version import __version__

ROOT = Path(__file__).parent.parent
CAREFUL = ROOT / "examples" / "careful.py"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def one_error_line(result, text: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("dlconform: error: "), lines
    assert text in lines[0], lines
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_answers_version(command: str) -> None:
    result = invoke(command, "--version")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"dlconform, version {__version__}"


def test_bash_completion_script_is_produced() -> None:
    env = {**os.environ, "_DLCONFORM_COMPLETE": "bash_source"}
    done = subprocess.run(
        [sys.executable, "-m", "dlconform"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "_dlconform_completion()" in done.stdout and "complete -o nosort -F _dlconform_completion" in done.stdout


def test_completion_offers_the_subcommands() -> None:
    env = {"_DLCONFORM_COMPLETE": "bash_complete", "COMP_WORDS": "dlconform gr", "COMP_CWORD": "1"}
    result = CliRunner().invoke(main, [], env=env, prog_name="dlconform", complete_var="_DLCONFORM_COMPLETE")
    assert "plain,grade" in result.output.splitlines()


@pytest.mark.parametrize(
    ("bind", "text"),
    [
        ("sigmoid=nosuch_module_xyz:x", "--bind 'sigmoid=nosuch_module_xyz:x': no module named 'nosuch_module_xyz'"),
        ("sigmoid=numpy:no_such_attr", "module 'numpy' has no attribute 'no_such_attr'"),
        ("sigmoid=numpy:pi", "numpy:pi is a float, not callable"),
        ("sigmoid=numpy", "call 'numpy' must be 'module.path:attribute.path'"),
        ("sigmod=numpy:exp", "want FUNCTION=module:callable with a suite function name"),
    ],
)
def test_a_bad_bind_is_one_line_naming_it(bind: str, text: str) -> None:
    one_error_line(invoke("run", "--bind", bind), text)


def test_a_good_bind_still_runs() -> None:
    result = invoke("run", "--bind", "relu=numpy:abs", "-f", "relu", "--format", "json")
    assert result.exit_code == 1  # abs is not relu: failures, not a usage error
    assert '"outcome": "failed"' in result.stdout


@pytest.mark.parametrize("isolate", [(), ("--isolate",)])
def test_a_plain_folder_is_not_a_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolate) -> None:
    (tmp_path / "subs").mkdir()
    monkeypatch.chdir(tmp_path)
    one_error_line(invoke("run", "subs", *isolate), "for a folder of submissions: dlconform grade subs")


def test_a_package_folder_is_a_module_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "mysolution"
    package.mkdir()
    (package / "__init__.py").write_text(CAREFUL.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    result = invoke("run", "mysolution", "-f", "sigmoid")
    assert result.exit_code == 0, result.output
    one_error_line(invoke("run", "mysolution/", "-f", "sigmoid"), "name it as a module")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["run", str(CAREFUL), "-f", "relu", "-o", "{missing}/report.txt"], "--output"),
        (["run", str(CAREFUL), "-f", "relu", "--junit-xml", "{missing}/junit.xml"], "--junit-xml"),
        (["run", str(CAREFUL), "-f", "relu", "--write-baseline", "{missing}/b.yaml"], "--write-baseline"),
        (["grade", str(CAREFUL), "-f", "relu", "--gradescope", "{missing}/results.json"], "--gradescope"),
        (["accuracy", "--profile", "numpy", "-f", "relu", "-o", "{missing}/acc.md"], "--output"),
    ],
)
def test_an_output_file_in_a_missing_folder_is_a_usage_error(tmp_path: Path, args: list[str], option: str) -> None:
    missing = tmp_path / "no" / "such"
    result = invoke(*[a.format(missing=missing) for a in args])
    one_error_line(result, f"folder {missing} does not exist")
    assert option in result.stderr
    assert not (tmp_path / "no").exists()


def test_write_baseline_says_what_it_wrote(tmp_path: Path) -> None:
    path = tmp_path / "baseline.yaml"
    result = invoke("run", "--bind", "relu=numpy:abs", "-f", "relu", "--write-baseline", str(path), "--format", "json")
    failing = [r for r in json.loads(result.stdout)["cases"] if r["outcome"] in ("failed", "error")]
    assert failing
    assert f"dlconform: wrote baseline {path} ({len(failing)} entries)" in result.stderr
    assert path.read_text(encoding="utf-8").count("- id: ") == len(failing)


def test_version_option_is_added_once() -> None:
    for command in main.commands.values():
        assert [p.name for p in command.params if isinstance(p, click.Option)].count("version") == 1
