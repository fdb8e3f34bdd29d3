"""JUnit XML for CI systems: a testsuite per function, a testcase per case.

Known failures (baseline) are written as skipped, as pytest writes xfail, so
that CI dashboards agree with the exit code. Characters XML 1.0 cannot hold are
written as ``\\xNN`` escapes, as are other control characters.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from dlconform.report.details import baseline_note, detail_lines, printable
from dlconform.report.shown import grouped, ordered
from dlconform.results import CaseResult, Outcome, Report


def render_junit_xml(report: Report) -> str:
    """The report as a JUnit XML document (UTF-8, with declaration)."""
    root = ET.Element("testsuites", name="dlconform")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    time = 0.0
    for function, results in grouped(report.results).items():
        suite = ET.SubElement(root, "testsuite", name=printable(function))
        props = ET.SubElement(suite, "properties")
        for name, value in _properties(report):
            ET.SubElement(props, "property", name=printable(name), value=printable(str(value)))
        counts = dict.fromkeys(totals, 0)
        missing = function in report.not_defined
        for r in results[:1] if missing else ordered(results):  # a function not defined: one error, not one a case
            counts["tests"] += 1
            kind = _element_kind(r)
            if kind:
                counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[kind]] += 1
            _testcase(suite, replace(r, id="not-defined") if missing else r, kind)
        seconds = sum(r.duration for r in results)
        suite.attrib.update({k: str(v) for k, v in counts.items()} | {"time": f"{seconds:.6f}"})
        for k, v in counts.items():
            totals[k] += v
        time += seconds
    root.attrib.update({k: str(v) for k, v in totals.items()} | {"time": f"{time:.6f}"})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _element_kind(r: CaseResult) -> str:
    """The child element a result gets: failure, error, skipped, or "" for a pass."""
    if r.baseline_status == "known" or r.outcome == Outcome.SKIPPED:
        return "skipped"
    return {Outcome.FAILED: "failure", Outcome.ERROR: "error"}.get(r.outcome, "")


def _testcase(suite: ET.Element, r: CaseResult, kind: str) -> None:
    """One testcase element, with its failure, error or skipped child."""
    case = ET.SubElement(suite, "testcase", name=printable(r.id), classname=printable(f"dlconform.{r.function}"))
    case.set("time", f"{r.duration:.6f}")
    props = ET.SubElement(case, "properties")
    ET.SubElement(props, "property", name="level", value=r.level)  # inside or beyond the documented contract
    if not kind:
        return
    note = baseline_note(r)
    message = f"{note}: {r.message}" if note else r.message
    child = ET.SubElement(case, kind, message=printable(message))
    if r.failure:
        child.set("type", printable(r.failure))
    if kind != "skipped" or r.baseline_status:
        child.text = printable("\n".join(detail_lines(r)))


def _properties(report: Report) -> list[tuple[str, object]]:
    """Header facts as JUnit properties: target, environment, suite version."""
    pairs: list[tuple[str, object]] = [(f"target.{k}", v) for k, v in report.target.items() if v is not None]
    pairs += [(f"environment.{k}", v) for k, v in report.environment.items() if v is not None]
    pairs.append(("suite_version", report.suite_version))
    return pairs
