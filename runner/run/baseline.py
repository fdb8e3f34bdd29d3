"""Baselines: the cases a target is known to fail, so that CI gates only on what changed.

A baseline file is a YAML list of entries ``{id: "function::case-id", reason: ...,
failure: <code>, outcome: failed|error}``. Applied to a report, every failing
case is a known failure (in the baseline, failing the same way), new (not in
it), or changed (in it, failing another way); a baseline case that passes is
fixed, and one the run did not select is stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeGuard

import yaml
from dlconform.errors import DlconformError
from dlconform.format import safeyaml
from dlconform.format.suite import ID_PATTERN
from dlconform.judge.compare import FAILURES
from dlconform.results import CaseResult, Report

ENTRY_KEYS = ("id", "reason", "failure", "outcome")
FAILING = ("failed", "error")
FUNCTION_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RAISED_PATTERN = re.compile(r"^raised:[A-Za-z_][A-Za-z0-9_.]*$")


class BaselineError(DlconformError, ValueError):
    """A baseline file that cannot be used; the message is one line naming the file and the entry."""


@dataclass(frozen=True)
class BaselineEntry:
    """One known failure: which case, why it is accepted, and how it fails."""

    id: str
    reason: str
    failure: str
    outcome: str

    @property
    def how(self) -> str:
        """``outcome/failure``, as ``CaseResult.how``."""
        return f"{self.outcome}/{self.failure}"


@dataclass
class Baseline:
    """The entries of one baseline file, by case key."""

    path: str
    entries: dict[str, BaselineEntry] = field(default_factory=dict)


@dataclass
class BaselineCheck:
    """A report judged against a baseline: what is new, changed, fixed or stale."""

    path: str
    known: list[CaseResult] = field(default_factory=list)
    new_failures: list[CaseResult] = field(default_factory=list)
    changed: list[tuple[CaseResult, BaselineEntry]] = field(default_factory=list)
    fixed: list[tuple[CaseResult, BaselineEntry]] = field(default_factory=list)
    stale: list[BaselineEntry] = field(default_factory=list)

    def exit_code(self, strict: bool = False) -> int:
        """1 for new or changed failures (and, when ``strict``, fixed ones); else 0. Stale entries never fail."""
        return 1 if gate_fails(self.summary(), strict) else 0

    def summary(self) -> dict[str, Any]:
        """Counts and stale ids, as stored in ``Report.baseline`` and the JSON report."""
        return {
            "path": self.path,
            "known": len(self.known),
            "new": len(self.new_failures),
            "changed": len(self.changed),
            "fixed": len(self.fixed),
            "stale": [e.id for e in self.stale],
        }


def gate_fails(summary: dict[str, Any], strict: bool = False) -> bool:
    """Whether a baseline summary fails the run: new or changed failures, and fixed ones when ``strict``."""
    return bool(summary["new"] or summary["changed"] or (strict and summary["fixed"]))


def is_failure_code(code: str) -> bool:
    """Whether ``code`` is a failure code a result can carry: a key of FAILURES or ``raised:Name``."""
    return code in FAILURES or bool(RAISED_PATTERN.match(code))


def is_case_key(key: object) -> TypeGuard[str]:
    """Whether ``key`` is a well-formed ``function::case-id``."""
    if not isinstance(key, str) or key.count("::") != 1:
        return False
    function, case_id = key.split("::")
    return bool(FUNCTION_PATTERN.match(function) and ID_PATTERN.match(case_id))


def load_baseline(path: str | Path) -> Baseline:
    """Read and check a baseline file; raises BaselineError naming the file and entry on any problem."""
    name = str(path)
    try:
        data = safeyaml.load(Path(path).read_text(encoding="utf-8")).data
    except OSError as exc:
        raise BaselineError(f"{name}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BaselineError(f"{name}: not UTF-8 text") from None
    except safeyaml.YamlError as exc:
        where = f"{name}:{exc.line}" if exc.line else name
        raise BaselineError(f"{where}: {exc}") from None
    if not isinstance(data, list):
        raise BaselineError(f"{name}: a baseline is a YAML list of entries with {', '.join(ENTRY_KEYS)} ([] for none)")
    baseline = Baseline(name)
    for number, raw in enumerate(data, 1):
        entry = _entry(raw, f"{name}: entry {number}")
        if entry.id in baseline.entries:
            raise BaselineError(f"{name}: entry {number} ({entry.id}): duplicate id")
        baseline.entries[entry.id] = entry
    return baseline


def _entry(raw: object, where: str) -> BaselineEntry:
    """Check one entry mapping; ``where`` prefixes every error."""
    if not isinstance(raw, dict):
        raise BaselineError(f"{where}: must be a mapping with {', '.join(ENTRY_KEYS)}")
    key = raw.get("id")
    if isinstance(key, str):
        where = f"{where} ({key})"
    unknown = sorted(str(k) for k in set(raw) - set(ENTRY_KEYS))
    if unknown:
        raise BaselineError(f"{where}: unknown keys {unknown} (allowed: {', '.join(ENTRY_KEYS)})")
    missing = [k for k in ENTRY_KEYS if k not in raw]
    if missing:
        raise BaselineError(f"{where}: missing {', '.join(missing)}")
    if not is_case_key(key):
        raise BaselineError(f"{where}: id {key!r} must be function::case-id")
    reason, failure, outcome = raw["reason"], raw["failure"], raw["outcome"]
    if not isinstance(reason, str) or not reason.strip():
        raise BaselineError(f"{where}: reason must say why the failure is accepted")
    if not isinstance(failure, str) or not is_failure_code(failure):
        raise BaselineError(f"{where}: failure {failure!r} is not a failure code ({', '.join(FAILURES)}, raised:Name)")
    if outcome not in FAILING:
        raise BaselineError(f"{where}: outcome {outcome!r} must be failed or error")
    return BaselineEntry(key, reason.strip(), failure, outcome)


def apply_baseline(report: Report, baseline: Baseline) -> tuple[Report, BaselineCheck]:
    """A new report whose results are marked against the baseline (see ``mark``), and the check sorting them."""
    check = BaselineCheck(baseline.path)
    results = []
    for r in report.results:
        entry = baseline.entries.get(r.key)
        marked = mark(r, entry)
        results.append(marked)
        status = marked.baseline_status
        if status == "new":
            check.new_failures.append(marked)
        elif status == "known":
            check.known.append(marked)
        elif status == "changed" and entry is not None:
            check.changed.append((marked, entry))
        elif status == "fixed" and entry is not None:
            check.fixed.append((marked, entry))
    run = {r.key for r in report.results}
    check.stale = [e for key, e in baseline.entries.items() if key not in run]
    return replace(report, results=results, baseline=check.summary()), check


def status(result: CaseResult, entry: BaselineEntry | None) -> str:
    """How ``result`` stands against its baseline entry: known, changed or fixed for a baseline case, new for a
    failure outside it, "" otherwise (a pass, or a skipped case)."""
    failing = result.outcome in FAILING
    if entry is None:
        return "new" if failing else ""
    if failing:
        return "known" if result.how == entry.how else "changed"
    return "fixed" if result.outcome == "passed" else ""


def mark(result: CaseResult, entry: BaselineEntry | None) -> CaseResult:
    """A copy of ``result`` with its ``baseline_status`` and, for a baseline case, its ``expected_failure``."""
    expected = entry.failure if entry is not None else result.expected_failure
    return replace(result, baseline_status=status(result, entry), expected_failure=expected)


def dump_baseline(report: Report, reasons: dict[str, str] | None = None) -> str:
    """A baseline file listing the report's failures; each reason from ``reasons`` by key, else the failure message."""
    reasons = reasons or {}
    entries = [
        {
            "id": r.key,
            "reason": reasons.get(r.key) or r.message or r.failure,
            "failure": r.failure,
            "outcome": r.outcome,
        }
        for r in report.results
        if r.outcome in FAILING
    ]
    header = (
        "# dlconform baseline: cases expected to fail, and how (see docs/reports.md).\n"
        "# Each reason starts as the failure message: replace it with why the failure is accepted.\n"
    )
    body = yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=1_000_000) if entries else "[]\n"
    return header + body
