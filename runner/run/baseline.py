"""Baselines: the cases a target is known to fail, so that CI gates only on what changed.

A baseline file is a YAML list of entries ``{id: "function::case-id", reason: ...,
failure: <code>, outcome: failed|error}``. Applied to a report, every failing
case is a known failure (in the baseline, failing the same way), new (not in
it), or changed (in it, failing another way); a baseline case that passes is
fixed; one the run did not select is counted as not selected, and one whose case
is no longer in the suite is stale.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dlconform.errors import DlconformError
from dlconform.format import cache
from dlconform.judge.compare import FAILURES
from dlconform.results import FAILING, BaselineSummary, CaseResult, Outcome, Report

if TYPE_CHECKING:  # YAML and the schema load only when a baseline file is not in the load cache
    from dlconform.format import safeyaml
    from dlconform.format.schemacheck import Violation

ENTRY_KEYS = ("id", "reason", "failure", "outcome")


class BaselineError(DlconformError, ValueError):
    """A baseline file that cannot be used; the message is one line naming the file and the entry."""


@dataclass(frozen=True)
class BaselineEntry:
    """One known failure: which case, why it is accepted, and how it fails."""

    id: str
    reason: str
    failure: str
    outcome: Outcome

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
    not_selected: list[BaselineEntry] = field(default_factory=list)

    def exit_code(self, strict: bool = False) -> int:
        """1 for new or changed failures (and, when ``strict``, fixed ones); else 0. Stale entries never fail."""
        return 1 if self.summary().fails(strict) else 0

    def summary(self) -> BaselineSummary:
        """Counts, stale ids and how many entries were not selected, as ``Report.baseline`` holds them."""
        return BaselineSummary(
            self.path,
            known=len(self.known),
            new=len(self.new_failures),
            changed=len(self.changed),
            fixed=len(self.fixed),
            stale=tuple(e.id for e in self.stale),
            not_selected=len(self.not_selected),
        )


@functools.cache
def _schema() -> dict[str, Any]:
    """baseline.schema.json (beside this module) with the failure codes the judge gives."""
    schema: dict[str, Any] = json.loads(Path(__file__).with_name("baseline.schema.json").read_text(encoding="utf-8"))
    schema["items"]["properties"]["failure"]["anyOf"][0]["enum"] = list(FAILURES)
    return schema


def load_baseline(path: str | Path) -> Baseline:
    """Read and check a baseline file; raises BaselineError naming the file, line and entry on any problem.

    A file read before (the same bytes, the same runner) comes from the load cache, checked then: a warm pytest
    session with a 500-entry baseline imports no YAML or schema code for it."""
    name = str(path)
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise BaselineError(f"{name}: cannot read: {exc.strerror or exc}") from None
    rows = cache.load_plain(content, "baseline")
    try:
        if rows is not None:
            return _built(name, rows)
    except (TypeError, ValueError, KeyError):  # an entry this runner did not write: read the file again
        pass
    baseline = _parsed(name, content)
    cache.store_plain(
        content, "baseline", [[e.id, e.reason, e.failure, e.outcome.value] for e in baseline.entries.values()]
    )
    return baseline


def _built(name: str, rows: list[list[str]]) -> Baseline:
    """A baseline from the cached rows of a file checked before."""
    baseline = Baseline(name)
    for ident, reason, failure, outcome in rows:
        if not all(isinstance(v, str) for v in (ident, reason, failure, outcome)):
            raise TypeError("not a cached baseline row")
        baseline.entries[ident] = BaselineEntry(ident, reason, failure, Outcome(outcome))
    return baseline


def _parsed(name: str, content: bytes) -> Baseline:
    """Parse and check a baseline file's bytes; raises BaselineError naming the file, line and entry."""
    from dlconform.format import safeyaml
    from dlconform.format.schemacheck import violations

    try:
        doc = safeyaml.load(content.decode("utf-8"))
    except UnicodeDecodeError:
        raise BaselineError(f"{name}: not UTF-8 text") from None
    except safeyaml.YamlError as exc:
        where = f"{name}:{exc.line}" if exc.line else name
        raise BaselineError(f"{where}: {exc}") from None
    data = doc.data
    found = sorted(violations(_schema(), data), key=lambda v: v.path[:1])
    if found:
        v = found[0]
        number = v.path[0] + 1 if v.path and isinstance(v.path[0], int) else None
        raise BaselineError(f"{_where(name, doc, number)}: {_word(v)}")
    baseline = Baseline(name)
    for number, raw in enumerate(data, 1):
        entry = BaselineEntry(raw["id"], raw["reason"].strip(), raw["failure"], Outcome(raw["outcome"]))
        if entry.id in baseline.entries:
            raise BaselineError(f"{_where(name, doc, number)}: duplicate id")
        baseline.entries[entry.id] = entry
    return baseline


def _where(name: str, doc: safeyaml.Document, number: int | None) -> str:
    """``file:line: entry N (id)`` for entry ``number`` (1-based), just the file for the file as a whole."""
    if number is None:
        return name
    raw = doc.data[number - 1]
    key = raw.get("id") if isinstance(raw, dict) else None
    return f"{name}:{doc.item_lines[number - 1]}: entry {number}" + (f" ({key})" if isinstance(key, str) else "")


def _word(v: Violation) -> str:
    """One schema violation of a baseline file as a sentence."""
    key = v.path[1] if len(v.path) > 1 else None
    if not v.path:
        return f"a baseline is a YAML list of entries with {', '.join(ENTRY_KEYS)} ([] for none)"
    if key is None and not isinstance(v.value, dict):
        return f"must be a mapping with {', '.join(ENTRY_KEYS)}"
    if key is None and v.rule == "additionalProperties":
        return f"unknown keys {v.extra_keys()} (allowed: {', '.join(ENTRY_KEYS)})"
    if key is None:
        return f"missing {', '.join(v.missing_keys())}"
    if key == "id":
        return f"id {v.value!r} must be function::case-id"
    if key == "reason":
        return "reason must say why the failure is accepted"
    if key == "failure":
        return f"failure {v.value!r} is not a failure code ({', '.join(FAILURES)}, raised:Name)"
    return f"outcome {v.value!r} must be failed or error"


def apply_baseline(
    report: Report, baseline: Baseline, suite: Collection[str] | None = None
) -> tuple[Report, BaselineCheck]:
    """A new report whose results are marked against the baseline (see ``mark``), and the check sorting them.

    ``suite`` holds the key of every case the run could have selected: a baseline entry that was not run is stale
    only when its case is not among them (without ``suite``, every entry not run is stale)."""
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
    for key, entry in baseline.entries.items():
        if key not in run:
            (check.not_selected if suite is not None and key in suite else check.stale).append(entry)
    return replace(report, results=results, baseline=check.summary()), check


def status(result: CaseResult, entry: BaselineEntry | None) -> str:
    """How ``result`` stands against its baseline entry: known, changed or fixed for a baseline case, new for a
    failure outside it, "" otherwise (a pass, or a skipped case)."""
    failing = result.outcome in FAILING
    if entry is None:
        return "new" if failing else ""
    if failing:
        return "known" if result.how == entry.how else "changed"
    return "fixed" if result.outcome == Outcome.PASSED else ""


def mark(result: CaseResult, entry: BaselineEntry | None) -> CaseResult:
    """A copy of ``result`` with its ``baseline_status`` and, for a baseline case, its ``expected_failure``."""
    expected = entry.failure if entry is not None else result.expected_failure
    return replace(result, baseline_status=status(result, entry), expected_failure=expected)


def dump_baseline(report: Report, reasons: dict[str, str] | None = None) -> str:
    """A baseline file listing the report's failures; each reason from ``reasons`` by key, else the failure message."""
    import yaml  # only for writing one

    reasons = reasons or {}
    entries = [
        {
            "id": r.key,
            "reason": reasons.get(r.key) or r.message or str(r.failure),
            "failure": str(r.failure),  # plain words: yaml.safe_dump refuses enum members
            "outcome": r.outcome.value,
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
