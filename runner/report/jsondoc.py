"""The JSON report: strict JSON (no NaN or Infinity literals), described by docs/report-schema.json.

Complete but lean: every selected case is there, one line each, but a passing case
is only its key and outcome (what it checks is in the vector files), so a passing
run's report stays small enough to keep one per submission. Non-finite floats anywhere in the document are written as the strings
``"nan"``, ``"inf"`` and ``"-inf"``; NumPy scalars become plain numbers; a lone
surrogate in a string (which UTF-8 cannot hold) is written as a ``\\udXXX`` escape.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from dlconform.results import CaseResult, Report
from dlconform.version import __version__

SCHEMA_VERSION = 2


def render_json(report: Report) -> str:
    """The report as a strict JSON document: the header indented, then one line per case."""
    doc = report_document(report)
    cases = doc.pop("cases")
    head = json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False)
    lines = ",\n".join("    " + json.dumps(c, allow_nan=False, ensure_ascii=False) for c in cases)
    return head.removesuffix("\n}") + ',\n  "cases": [' + (f"\n{lines}\n  " if cases else "") + "]\n}\n"


def report_document(report: Report) -> dict[str, Any]:
    """The JSON report as plain data, already strict (non-finite floats as strings)."""
    counts = report.counts()
    doc = {
        "schema_version": SCHEMA_VERSION,
        "dlconform_version": __version__,
        "target": report.target,
        "environment": report.environment,
        "suite_version": report.suite_version,
        "summary": {**counts, "total": len(report.results), "ok": report.ok, "line": report.summary_line()},
        "warnings": report.warnings,
        "baseline": report.baseline,
        "perf": report.perf,
        "score": report.score,
        "stopped": report.stopped,
        "cases": [_case(r) for r in report.results],
    }
    return strict(doc)


def _case(r: CaseResult) -> dict[str, Any]:
    """A case's entry: its key and outcome when it passed (and no baseline said otherwise), else everything."""
    if r.outcome == "passed" and not r.baseline_status:
        return {"key": r.key, "outcome": r.outcome}
    return {**r.to_dict(), "key": r.key}


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
