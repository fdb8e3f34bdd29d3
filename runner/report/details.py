"""The lines that explain one failing case, shared by every format and the pytest plugin.

Why in one line, then the error figures, the worst element, the tolerance, the hint
(dlconform.judge.hints) and a one-line Python repro, all from ``CaseResult.details``
(made by dlconform.judge.compare and dlconform.run.engine).
"""

from __future__ import annotations

import math
from typing import Any

from dlconform.results import BASELINE_STATUSES, CaseResult
from dlconform.text import number, printable

SHOWN = (
    "max_abs_error",
    "max_rel_error",
    "max_ulp_error",
    "failing_values",
    "values",
    "index",
    "input",
    "got",
    "expected",
    "tolerance",
    "hint",
    "repro",
    "explained_by",  # the evidence behind the hint (dlconform.judge.diagnosis), in the JSON report
    "observed",
    "raised_at",  # said in the message
)


def detail_lines(result: CaseResult, shown_hint: str | None = None) -> list[str]:
    """Why the case did not pass, then its error figures, worst element, tolerance, hint (unless it is
    ``shown_hint``, the function's, said above) and repro."""
    d = result.details
    lines = [result.message] if result.message else []
    errors = [
        f"{label} {_figure(d[key])}"
        for key, label in (
            ("max_abs_error", "max abs error"),
            ("max_rel_error", "max rel error"),
            ("max_ulp_error", "error in ULP"),
        )
        if d.get(key) is not None
    ]
    if errors:
        among = _among(d)
        lines.append(", ".join(errors) + (f" ({among})" if among else ""))
    if "got" in d or "expected" in d:
        # the element judged worst: furthest beyond its own tolerance, which need not be the largest error
        which = "worst element (furthest beyond its tolerance)" if "tolerance" in d else "first wrong element"
        where = f" at index {d['index']}" if d.get("index") else ""
        given = f"input {number(d['input'])}, " if "input" in d else ""
        lines.append(f"{which}{where}: {given}got {number(d.get('got'))}, expected {number(d.get('expected'))}")
    if d.get("tolerance"):
        lines.append(f"tolerance {d['tolerance']}")
    lines.extend(f"{key}: {value}" for key, value in d.items() if key not in SHOWN)
    if d.get("hint") and d["hint"] != shown_hint:
        lines.append(f"hint: {d['hint']}")
    if d.get("repro"):
        lines.append(f"repro: {d['repro']}")
    return [printable(line) for line in lines]


def baseline_note(result: CaseResult) -> str:
    """How the result stands against the baseline (with the baseline's failure when it changed); "" without one."""
    if not result.baseline_status:
        return ""
    note = BASELINE_STATUSES[result.baseline_status]
    return f"{note} (baseline: {result.expected_failure})" if result.baseline_status == "changed" else note


def _among(d: dict[str, Any]) -> str:
    """Which values the error figures are the largest of: the failing ones ("" for a single value)."""
    n, of = d.get("failing_values"), d.get("values")
    if n is None or of is None:
        return "largest among the values that fail"
    if of == 1:
        return ""
    if n == of:
        return f"largest among the {of} values, all of which fail"
    return f"largest among the {n} of {of} values that fail, {100 * n / of:.3g}%"


def _figure(value: Any) -> str:
    """An error figure, three significant digits."""
    if isinstance(value, str) or not math.isfinite(value):
        return str(value)
    return f"{value:.3g}"
