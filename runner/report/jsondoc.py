"""The JSON report: strict JSON (no NaN or Infinity literals), described by docs/report-schema.json.

Non-finite floats anywhere in the document are written as the strings
``"nan"``, ``"inf"`` and ``"-inf"``; NumPy scalars become plain numbers; a lone
surrogate in a string (which UTF-8 cannot hold) is written as a ``\\udXXX`` escape.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from dlconform.results import Report
from dlconform.version import __version__

SCHEMA_VERSION = 1


def render_json(report: Report) -> str:
    """The report as an indented, strict JSON document."""
    return json.dumps(report_document(report), indent=2, allow_nan=False, ensure_ascii=False) + "\n"


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
        "cases": [{**r.to_dict(), "key": r.key} for r in report.results],
    }
    return strict(doc)


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
