"""examples/ci/: the workflow files parse, and every dlconform command line in them is accepted by the CLI."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from dlconform.cli import main

CI = Path(__file__).parent.parent / "examples" / "ci"
GITHUB_VALUES = {"${{ matrix.shard }}": "2"}


def scripts(node: Any) -> list[str]:
    """Every shell script in a workflow: GitHub's ``run`` steps and GitLab's ``script``/``after_script`` lines."""
    if isinstance(node, dict):
        found = [node["run"]] if isinstance(node.get("run"), str) else []
        for key in ("script", "after_script", "before_script"):
            if isinstance(node.get(key), list):
                found.extend(node[key])
        return found + [s for value in node.values() for s in scripts(value)]
    if isinstance(node, list):
        return [s for item in node for s in scripts(item)]
    return []


def shell_lines(path: Path) -> list[str]:
    """The lines of every script in ``path``, with GitHub's expressions replaced by sample values."""
    lines = []
    for script in scripts(yaml.safe_load(path.read_text(encoding="utf-8"))):
        for expression, value in GITHUB_VALUES.items():
            script = script.replace(expression, value)
        lines.extend(line.strip() for line in script.replace("\\\n", " ").splitlines() if line.strip())
    return lines


@pytest.mark.parametrize("path", sorted(CI.glob("*.yml")), ids=lambda p: p.name)
def test_every_dlconform_line_is_accepted(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for shard in range(1, 5):  # what download-artifact leaves for the merge job
        (tmp_path / "shards" / f"grades-{shard}").mkdir(parents=True)
    commands = []
    for line in shell_lines(path):
        words = shlex.split(line)
        if words[:2] == ["mkdir", "-p"]:
            for folder in words[2:]:
                Path(folder).mkdir(parents=True, exist_ok=True)
        if words[0] != "dlconform":
            continue
        name, args = words[1], words[2:]
        assert name in main.commands, line
        with main.commands[name].make_context(name, list(args)) as ctx:  # parses and converts every option
            commands.append((name, ctx.params))
    assert commands, f"{path.name} runs no dlconform command"


def test_the_recipes_gate_publish_and_shard() -> None:
    gh = shell_lines(CI / "github-actions.yml")
    gitlab = yaml.safe_load((CI / "gitlab-ci.yml").read_text(encoding="utf-8"))["dlconform"]
    sharded = yaml.safe_load((CI / "grade-sharded.yml").read_text(encoding="utf-8"))
    assert any("--baseline" in line and "--junit-xml" in line and "--format markdown" in line for line in gh)
    assert any('>> "$GITHUB_STEP_SUMMARY"' in line for line in gh)
    assert gitlab["artifacts"]["reports"]["junit"] == "reports/junit.xml"
    assert any("--baseline" in line for line in gitlab["script"])
    shards = sharded["jobs"]["grade"]["strategy"]["matrix"]["shard"]
    assert shards == [1, 2, 3, 4] and sharded["jobs"]["merge"]["needs"] == "grade"
    merge = next(line for line in shell_lines(CI / "grade-sharded.yml") if line.startswith("dlconform merge"))
    assert [f"shards/grades-{i}" for i in shards] == shlex.split(merge)[2:-2]


def test_a_line_the_cli_refuses_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above can fail: a misspelt option, or a report in a folder no step makes, is refused."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(click.UsageError):
        main.commands["run"].make_context("run", ["mylib.ops", "--basline", "known.yaml"])
    with pytest.raises(click.BadParameter):
        main.commands["run"].make_context("run", ["mylib.ops", "--junit-xml", "reports/junit.xml"])
