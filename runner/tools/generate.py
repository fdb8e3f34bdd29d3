"""``dlconform generate``: recompute every expected value from the reference, in canonical form.

Expected values are the reference evaluated in np.longdouble (wider than float64
where the platform has it) and rounded once to the result's dtype, so they are as
close to correctly rounded as the platform allows. ``--check`` rewrites nothing:
it reports files that are not canonical and stored values that drifted beyond
their case's own tolerance. Run on the bundled suite, it also regenerates (or
checks) vectors/schema.json from the function catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dlconform.atomic import write_atomic
from dlconform.format import schema
from dlconform.format.emit import render
from dlconform.format.large import FromReference, decode_value
from dlconform.format.model import Case, Problem, Raises
from dlconform.format.suite import bundled_dir, read_file
from dlconform.format.values import ValueFormatError, encode
from dlconform.judge.compare import judge_raised, judge_values, to_plain_array
from dlconform.judge.expected import alternative_value, reference_value
from dlconform.results import Outcome


@dataclass
class FileResult:
    """What generate did or found for one file."""

    path: str
    changed: bool
    problems: list[Problem]


def _case_data(case: Case, raw: dict[str, Any]) -> tuple[dict[str, Any], Problem | None]:
    """The raw case with its expected value recomputed, or a problem when the reference disagrees.

    A case on generated inputs stores no result (``{generate: reference}``): it is left as it is.
    """
    where: dict[str, Any] = {"line": case.line, "case": case.id}
    new = dict(raw)
    if isinstance(case.expected, FromReference):
        return new, None
    try:
        value = reference_value(case)
    except Exception as exc:
        verdict = judge_raised(case, exc)
        if verdict is None or verdict.outcome != Outcome.PASSED:
            return new, Problem(case.path, f"the reference raised {type(exc).__name__}: {exc}", **where)
        if not any(not isinstance(alt, Raises) for alt in case.expected_any or ()):
            return new, None
        value = alternative_value(case)  # the reference refuses the inputs: its value alternative reads them so
    if case.raises:
        return new, Problem(case.path, f"the reference returns a value, not {case.raises}", **where)
    if case.expected_any is not None:
        return _alternatives(case, new, value, where)
    try:
        new["expected"] = encode(value)
    except ValueFormatError as exc:
        return new, Problem(case.path, f"the reference result cannot be stored: {exc}", **where)
    return new, None


def _alternatives(
    case: Case, new: dict[str, Any], value: Any, where: dict[str, Any]
) -> tuple[dict[str, Any], Problem | None]:
    """The raw case with the value alternative that stands for the reference's ``value`` (the first within the
    case's tolerance) replaced by it, correctly rounded; a problem when none does."""
    got = to_plain_array(value)
    for i, alt in enumerate(case.expected_any or ()):
        if not isinstance(alt, Raises) and judge_values(case, got, alt).outcome == Outcome.PASSED:
            try:
                encoded = encode(value)
            except ValueFormatError as exc:
                return new, Problem(case.path, f"the reference result cannot be stored: {exc}", **where)
            new["expected_any"] = [*new["expected_any"][:i], encoded, *new["expected_any"][i + 1 :]]
            return new, None
    return new, Problem(case.path, "the reference result is not among expected_any", **where)


def _drift(case: Case, stored: Any, fresh_value: Any) -> str | None:
    """Why a stored expected value no longer stands for the reference's, or None when it still does.

    The dtype must be the same; the values may differ within the case's own tolerance (NumPy versions
    differ in the last bit).
    """
    have, want = to_plain_array(stored), to_plain_array(fresh_value)
    if have.dtype != want.dtype:
        return f"stored expected value is {have.dtype} but the reference returns {want.dtype}"
    verdict = judge_values(replace(case, expected_any=None), have, want)
    if verdict.outcome != Outcome.PASSED:
        return f"stored expected value drifted from the reference: {verdict.message}"
    return None


def _stored(case: Case, raw: dict[str, Any]) -> dict[str, Any]:
    """The raw case with its stored results in canonical encoding (a 0-d float64 as a plain number, ...)."""
    out = dict(raw)
    if "expected" in raw:
        out["expected"] = case.expected.to_data() if isinstance(case.expected, FromReference) else encode(case.expected)
    if case.expected_any is not None:
        out["expected_any"] = [{"raises": a.name} if isinstance(a, Raises) else encode(a) for a in case.expected_any]
    return out


def generate_schema(check: bool = False) -> FileResult:
    """Rewrite the bundled vectors/schema.json from the catalogue (or, with ``check``, report it stale)."""
    path = bundled_dir() / "schema.json"
    text = schema.render()
    try:
        current = path.read_text(encoding="utf-8")
    except OSError as exc:
        current = f"unreadable: {exc}"
    if current == text:
        return FileResult(str(path), False, [])
    if check:
        return FileResult(
            str(path), False, [Problem(str(path), "not generated from the catalogue: run 'dlconform generate'")]
        )
    try:
        write_atomic(path, text)
    except OSError as exc:
        return FileResult(str(path), False, [Problem(str(path), f"cannot write: {exc.strerror or exc}")])
    return FileResult(str(path), True, [])


def generate_file(path: str | Path, check: bool = False) -> FileResult:
    """Regenerate one file (or, with ``check``, only report what regenerating would change)."""
    name = str(path)
    vf, problems = read_file(path, require_outcome=check)
    if vf is None:
        return FileResult(name, False, problems)
    text = Path(path).read_text(encoding="utf-8")
    by_id = {c.id: c for c in vf.cases}
    stored_cases, new_cases = [], []
    for raw in vf.data["cases"]:
        case = by_id[raw["id"]]
        stored = _stored(case, raw)
        new, problem = _case_data(case, stored)
        stored_cases.append(stored)
        new_cases.append(new)
        if problem:
            problems.append(problem)
        elif check and "expected" in raw and not isinstance(case.expected, FromReference):
            why = _drift(case, case.expected, decode_value(new["expected"]))
            if why:
                problems.append(Problem(name, why, case.line, case.id))
    if check:
        if render({**vf.data, "cases": stored_cases}) != text:
            problems.append(Problem(name, "not in canonical form: run 'dlconform generate'"))
        return FileResult(name, False, problems)
    new_text = render({**vf.data, "cases": new_cases})
    changed = new_text != text and not problems
    if changed:
        try:
            write_atomic(path, new_text)
        except OSError as exc:
            return FileResult(name, False, [Problem(name, f"cannot write: {exc.strerror or exc}")])
    return FileResult(name, changed, problems)
