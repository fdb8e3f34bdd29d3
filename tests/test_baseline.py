"""Baselines: reading and checking the file, known / new / changed / fixed / stale, exit codes, writing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dlconform import reference
from dlconform.format import schema
from dlconform.format.suite import iter_cases, load_files
from dlconform.results import Report
from dlconform.run import baseline as baseline_module
from dlconform.run.baseline import BaselineError, apply_baseline, dump_baseline, load_baseline
from dlconform.run.engine import run_cases
from dlconform.run.select import select

SIGMOID = select(iter_cases(load_files()), ["sigmoid"])  # large cases only with --tag large


def flat_sigmoid(x: Any) -> Any:
    """Right values, but matrices come back flattened and Python scalars are refused."""
    if not isinstance(x, np.ndarray | np.generic):
        raise TypeError("arrays only")
    return reference.sigmoid(x).ravel() if np.ndim(x) > 1 else reference.sigmoid(x)


def report_for(fn: Any) -> Report:
    return Report({"spec": "fake"}, {}, "test", run_cases(SIGMOID, lambda name: fn))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "baseline.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_fake_fails_both_ways() -> None:
    outcomes = {r.how for r in report_for(flat_sigmoid).results}
    assert {"failed/shape", "error/raised:TypeError", "passed/"} <= outcomes


def test_dump_then_load_round_trips_and_gates_nothing(tmp_path: Path) -> None:
    report = report_for(flat_sigmoid)
    failing = [r for r in report.results if r.outcome in ("failed", "error")]
    baseline = load_baseline(write(tmp_path, dump_baseline(report)))
    assert list(baseline.entries) == [r.key for r in failing]
    for r in failing:
        entry = baseline.entries[r.key]
        assert (entry.outcome, entry.failure, entry.reason) == (r.outcome, r.failure, r.message)
    report, check = apply_baseline(report, baseline)
    failing = [r for r in report.results if r.outcome in ("failed", "error")]
    assert [r.key for r in check.known] == [r.key for r in failing]
    assert not check.new_failures and not check.changed and not check.fixed and not check.stale
    assert check.exit_code() == 0 and check.exit_code(strict=True) == 0
    assert all(r.expected_failure == r.failure and r.baseline_status == "known" for r in failing)
    assert report.baseline is not None and report.baseline.to_dict() == {"path": str(tmp_path / "baseline.yaml"), "known": len(failing), "new": 0,
                               "changed": 0, "fixed": 0, "stale": [], "not_selected": 0}  # fmt: skip


def test_reasons_are_kept_when_rewriting(tmp_path: Path) -> None:
    report = report_for(flat_sigmoid)
    first = next(r for r in report.results if r.outcome == "failed")
    text = dump_baseline(report, {first.key: "matrices are out of scope for this course"})
    assert load_baseline(write(tmp_path, text)).entries[first.key].reason == "matrices are out of scope for this course"
    assert "TODO" not in text


def test_empty_report_writes_an_empty_list(tmp_path: Path) -> None:
    report = report_for(reference.sigmoid)
    assert report.ok
    assert load_baseline(write(tmp_path, dump_baseline(report))).entries == {}


def test_new_changed_fixed_stale(tmp_path: Path) -> None:
    broken = report_for(flat_sigmoid)
    shape_fail = next(r for r in broken.results if r.failure == "shape")
    raised = next(r for r in broken.results if r.failure == "raised:TypeError")
    passing = next(r for r in broken.results if r.outcome == "passed")
    path = write(
        tmp_path,
        f"""
- {{id: "{shape_fail.key}", reason: known, failure: value, outcome: failed}}
- {{id: "{passing.key}", reason: was broken, failure: nan, outcome: failed}}
- {{id: "sigmoid::not-in-this-run", reason: gone, failure: "raised:KeyError", outcome: error}}
""",
    )
    marked, check = apply_baseline(broken, load_baseline(path))
    assert marked is not broken and broken.baseline is None and not any(r.baseline_status for r in broken.results)
    shape_fail, raised, passing = (
        next(r for r in marked.results if r.key == x.key) for x in (shape_fail, raised, passing)
    )
    assert [(r.key, e.failure) for r, e in check.changed] == [(shape_fail.key, "value")]
    assert shape_fail.baseline_status == "changed" and shape_fail.expected_failure == "value"
    assert [r.key for r, _ in check.fixed] == [passing.key] and passing.baseline_status == "fixed"
    assert raised in check.new_failures and raised.baseline_status == "new" and raised.expected_failure is None
    assert [e.id for e in check.stale] == ["sigmoid::not-in-this-run"]
    assert marked.baseline is not None and marked.baseline.stale == ("sigmoid::not-in-this-run",)
    assert check.exit_code() == 1


def test_entries_not_selected_are_counted_not_stale(tmp_path: Path) -> None:
    suite = list(iter_cases(load_files()))
    relu = next(c for c in suite if c.function == "relu")
    text = (
        f"- {{id: '{relu.key}', reason: r, failure: value, outcome: failed}}\n"
        "- {id: 'sigmoid::retired-case', reason: r, failure: value, outcome: failed}\n"
    )
    marked, check = apply_baseline(report_for(reference.sigmoid), load_baseline(write(tmp_path, text)),
                                   {c.key for c in suite})  # fmt: skip
    assert [e.id for e in check.stale] == ["sigmoid::retired-case"]
    assert [e.id for e in check.not_selected] == [relu.key]
    assert marked.baseline is not None and marked.baseline.not_selected == 1
    assert check.exit_code() == 0


def test_cli_says_not_selected_in_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from dlconform.cli import main

    path = tmp_path / "baseline.yaml"
    CliRunner().invoke(main, ["run", "--bind", "relu=numpy:abs", "--bind", "tanh=numpy:sin", "--write-baseline",
                              str(path)])  # fmt: skip
    written = len(load_baseline(path).entries)
    result = CliRunner().invoke(main, ["run", "--bind", "relu=numpy:abs", "--bind", "tanh=numpy:sin", "-f", "relu",
                                       "--baseline", str(path)])  # fmt: skip
    relu = sum(key.startswith("relu::") for key in load_baseline(path).entries)
    assert result.exit_code == 0, result.output
    assert f"{written - relu} baseline entries not selected (not run)" in result.stdout
    assert "stale baseline entry" not in result.stdout and ", 0 stale" in result.stdout


def test_fixed_fails_only_under_strict(tmp_path: Path) -> None:
    report = report_for(reference.sigmoid)
    key = report.results[0].key
    _, check = apply_baseline(
        report, load_baseline(write(tmp_path, f"- {{id: '{key}', reason: r, failure: value, outcome: failed}}\n"))
    )
    assert len(check.fixed) == 1
    assert check.exit_code() == 0
    assert check.exit_code(strict=True) == 1


def test_outcome_change_is_a_change(tmp_path: Path) -> None:
    report = report_for(flat_sigmoid)
    raised = next(r for r in report.results if r.outcome == "error")
    text = f"- {{id: '{raised.key}', reason: r, failure: 'raised:TypeError', outcome: failed}}\n"
    _, check = apply_baseline(report, load_baseline(write(tmp_path, text)))
    assert [r.key for r, _ in check.changed] == [raised.key]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{id: x}", "a baseline is a YAML list"),
        ("", "a baseline is a YAML list"),
        ("- [1, 2]", "entry 1: must be a mapping"),
        ("- {id: 'sigmoid::a', reason: r, failure: value}", "entry 1 (sigmoid::a): missing outcome"),
        ("- {id: 'sigmoid::a', reason: r, failure: value, outcome: failed, why: x}", "unknown keys ['why']"),
        ("- {id: 'sigmoid', reason: r, failure: value, outcome: failed}", "id 'sigmoid' must be function::case-id"),
        ("- {id: 'sigmoid::A B', reason: r, failure: value, outcome: failed}", "must be function::case-id"),
        ("- {id: 'sigmoid::a', reason: '  ', failure: value, outcome: failed}", "reason must say why"),
        ("- {id: 'sigmoid::a', reason: r, failure: wrong, outcome: failed}", "failure 'wrong' is not a failure code"),
        ("- {id: 'sigmoid::a', reason: r, failure: 'raised:', outcome: error}", "is not a failure code"),
        (
            "- {id: 'sigmoid::a', reason: r, failure: value, outcome: passed}",
            "outcome 'passed' must be failed or error",
        ),
        (
            "- {id: 'sigmoid::a', reason: r, failure: value, outcome: failed}\n"
            "- {id: 'sigmoid::a', reason: r, failure: value, outcome: failed}",
            "entry 2 (sigmoid::a): duplicate id",
        ),
        ("- {id: 'sigmoid::a'\n", "baseline.yaml:"),
        ("- !!python/object:os.system {}", "unsafe or unknown YAML tag"),
    ],
)
def test_bad_files_give_one_line_naming_file_and_entry(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(BaselineError) as info:
        load_baseline(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert fragment in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="cannot read"):
        load_baseline(tmp_path / "nope.yaml")


def test_an_error_names_the_line_of_its_entry(tmp_path: Path) -> None:
    text = (
        "# known failures\n- {id: 'sigmoid::a', reason: r, failure: value, outcome: failed}\n\n- {id: 'sigmoid::b'}\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(BaselineError) as info:
        load_baseline(path)
    assert str(info.value) == f"{path}:4: entry 2 (sigmoid::b): missing reason, failure, outcome"


def test_the_schema_names_cases_as_vector_files_do() -> None:
    """A baseline id is function::case-id, the case id under the vector-file schema's own pattern."""
    case_id = schema.build()["$defs"]["case"]["properties"]["id"]["pattern"]
    own = json.loads(Path(baseline_module.__file__).with_name("baseline.schema.json").read_text(encoding="utf-8"))
    variants = "(@[a-z0-9]+)*$"  # a layout variant's @layout, a --dtypes run's @dtype
    assert own["items"]["properties"]["id"]["pattern"].endswith(
        "::" + case_id.removeprefix("^").removesuffix("$") + variants
    )
