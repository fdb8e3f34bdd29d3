"""The JSON report: strict JSON (no NaN or Infinity literals), described by docs/report-schema.json.

Complete but lean: every selected case that ran is accounted for, but a passing case is
only its id, listed under its function in ``passed`` (what it checks is in the vector
files); ``cases`` holds the full object of every other case, one line each. So a passing
run's report stays small enough to keep one per submission. Non-finite floats anywhere in the document are written as the strings
``"nan"``, ``"inf"`` and ``"-inf"``; NumPy scalars become plain numbers; a lone
surrogate in a string (which UTF-8 cannot hold) is written as a ``\\udXXX`` escape.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from dlconform.report.shown import grouped, ordered
from dlconform.results import CaseResult, Outcome, Report
from dlconform.version import __version__

SCHEMA_VERSION = 3


def render_json(report: Report) -> str:
    """The report as a strict JSON document: the header indented, then a line per function of passing case ids,
    then one line per other case."""
    doc = report_document(report)
    passed, cases = doc.pop("passed"), doc.pop("cases")
    head = json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False).removesuffix("\n}")
    ids = ",\n".join(f"    {_line(f)}: {_line(i)}" for f, i in passed.items())
    lines = ",\n".join(f"    {_line(c)}" for c in cases)
    return (
        head
        + ',\n  "passed": {'
        + (f"\n{ids}\n  " if passed else "")
        + '},\n  "cases": ['
        + (f"\n{lines}\n  " if cases else "")
        + "]\n}\n"
    )


def _line(value: Any) -> str:
    """``value`` as strict JSON on one line."""
    return json.dumps(value, allow_nan=False, ensure_ascii=False)


def report_document(report: Report) -> dict[str, Any]:
    """The JSON report as plain data, already strict (non-finite floats as strings)."""
    counts = report.counts()
    passed: dict[str, list[str]] = {}
    for r in report.results:
        if _lean(r):
            passed.setdefault(r.function, []).append(r.id)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "dlconform_version": __version__,
        "target": report.target,
        "environment": report.environment,
        "suite_version": report.suite_version,
        "summary": {
            **counts,
            "total": len(report.results),
            "ok": report.ok if report.gate_passed is None else report.gate_passed,  # the gate, where one ran
            "line": report.summary_line(),
            "not_defined": report.not_defined,
        },
        "warnings": report.warnings,
        "baseline": report.baseline.to_dict() if report.baseline is not None else None,
        "perf": [p.to_dict() for p in report.perf] if report.perf is not None else None,
        "score": report.score.to_dict() if report.score is not None else None,
        "stopped": report.stopped,
        "passed": passed,
        "cases": [{**r.to_dict(), "key": r.key} for r in _shown_order(report) if not _lean(r)],
    }
    return strict(doc)


def _shown_order(report: Report) -> list[CaseResult]:
    """The results by function, each function's in the order every report shows failures (``shown.ordered``)."""
    return [r for results in grouped(report.results).values() for r in ordered(results)]


def _lean(r: CaseResult) -> bool:
    """A case the report lists by id only: it passed, and no baseline has anything to say about it."""
    return r.outcome == Outcome.PASSED and not r.baseline_status


def every_case(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every case a JSON report accounts for, for its readers: each passing id of ``passed`` as
    ``{"key", "outcome": "passed"}``, then the full objects of ``cases``."""
    lean = [{"key": f"{f}::{i}", "outcome": "passed"} for f, ids in doc["passed"].items() for i in ids]
    return [*lean, *doc["cases"]]


def strict(value: Any) -> Any:
    """``value`` with containers made plain, NumPy scalars unwrapped and non-finite floats as strings."""
    if isinstance(value, dict):
        return {str(k): strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates cannot be written
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value
