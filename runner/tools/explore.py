"""``dlconform explore``: search a target's functions for inputs where they deviate, instead of replaying stored cases.

For each function the target has, inputs are drawn with hypothesis from the function's vector-file ``domain``
(its shapes and sizes), widened where bugs hide: more dtypes (float32, float16, small integers, bool, as the
function's dtype rule takes them), memory layouts (Fortran order, strided, reversed views), special values
(NaN, infinities, -0.0, subnormals, the largest finite) and magnitudes from 2**-30 to 2**10 and beyond, where
formulas overflow or cancel; where NumPy promotes, mixed dtypes, and for functions with NumPy's own semantics
an argument with a leading axis or as a Python number. Each input is judged as a stored case would be, against
the reference's correctly rounded value with the file's tolerance; functions judged pointwise are also held to the stability cases' ULP
tolerance (8 ULP, 4 in float16; a flushed subnormal is allowed), and such a deviation is confirmed against the
exact value in mpmath, so that the reference's own rounding never makes a finding. Every deviation is shrunk by
hypothesis to a minimal input and printed as a vector case ready to paste (``dlconform generate`` fills in its
expected value).

One search (a *probe*) runs per function and input dtype, each stopping at its first deviation; a function's
probes share its time budget. The same seed gives the same inputs; the time budget can cut a search short.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

import hypothesis
import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.format import emit
from dlconform.format.contract import structurally_inside
from dlconform.format.domain import PYTHON_SCALAR, Domain, Pattern, parse_domain
from dlconform.format.model import Case, VectorFile
from dlconform.format.tolerance import Tolerance
from dlconform.format.values import encode
from dlconform.judge.compare import DEFAULTS
from dlconform.judge.expected import mpmath_value, reference_value
from dlconform.results import Level, Outcome
from dlconform.run.engine import run_case
from dlconform.targets.resolver import Resolver, Unavailable
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

DEFAULT_EXAMPLES = 100  # per probe
DEFAULT_BUDGET = 60.0  # seconds per function
STABILITY_ULP = {"float64": 8.0, "float32": 8.0, "float16": 4.0}  # the stability cases' tolerance
LAYOUTS = ("fortran", "strided", "reversed")
# Dtypes probed beyond the domain's own, by the function's dtype rule (catalogue.DtypeRule).
EXTRA_DTYPES: dict[str, tuple[str, ...]] = {
    "float": ("float64", "int64", "float32", "float16", "int8", "uint8", "int16", "bool"),
    "keep": ("float64", "int64", "float32", "float16", "int8", "uint8", "bool"),
    "promote": ("float64", "int64", "float32", "int8"),
    "sum": ("float64", "int64", "float32", "uint8"),
    "python-float": ("float64", "int64"),
}


class Deviation(AssertionError):
    """Raised inside a probe so that hypothesis shrinks the input that deviates."""


@dataclass
class Finding:
    """A minimal input on which the target deviates from the reference, as a case to paste."""

    function: str
    dtype: str
    failure: str  # the verdict's failure code, "precision" (beyond the stability ULP tolerance), or raised:Name
    message: str
    case: Case
    seconds: float  # the probe's time

    def to_yaml(self, number: int) -> str:
        """The finding as one entry of a vector file's case list, without an expected value."""
        data: dict[str, Any] = {
            "id": f"explore-{self.failure.replace(':', '-').lower()}-{self.dtype}-{number}",
            "description": f"Found by dlconform explore: {self.message}",
            "tags": list(self.case.tags),
        }
        if self.case.level != Level.INSIDE:
            data["level"] = self.case.level
        if self.case.tolerance is not None:
            data["flush_subnormal"] = True
            data["tolerance"] = self.case.tolerance.to_data()
        data["args"] = [encode(a) for a in self.case.args]
        lines = emit.render({"cases": [data]}).splitlines()[1:]
        layout = f"  # found in the {self.case.layout} memory layout: tag it core to run that layout\n"
        return "\n".join(lines) + "\n" + (layout if self.case.layout else "")


@dataclass
class FunctionReport:
    """What exploring one function found, and how long it took."""

    function: str
    findings: list[Finding]
    seconds: float
    examples: int
    status: str = "explored"  # explored | missing | no-domain


def _floats(dtype: np.dtype, domain: Domain, huge: bool) -> st.SearchStrategy[float]:
    """Float elements: the domain's range, wide magnitudes, special values, and with ``huge`` any finite value
    (sums and products of huge values overflow where the exact result, the truth, is finite: not a finding)."""
    info = np.finfo(dtype)
    width: Literal[16, 32, 64] = {2: 16, 4: 32}.get(dtype.itemsize, 64)  # type: ignore[assignment]
    big = float(info.max)
    low, high = max(domain.low, -big), min(domain.high, big)
    magnitude = st.builds(
        lambda sign, exponent, mantissa: sign * mantissa * 2.0**exponent,
        st.sampled_from((-1.0, 1.0)),
        st.integers(-30, min(10, int(info.maxexp) - 2)),
        st.floats(1.0, 2.0, exclude_max=True),
    ).map(lambda v: float(dtype.type(v)))
    specials = [0.0, -0.0, math.nan, math.inf, -math.inf, float(info.smallest_subnormal), float(info.smallest_normal)]
    specials += [float(info.max), -float(info.max), 1.0, -1.0] if huge else [1.0, -1.0]
    anything = st.floats(width=width, allow_nan=False, allow_infinity=False)
    return st.one_of(
        st.floats(low, high, width=width), magnitude, st.sampled_from(specials), *([anything] if huge else [])
    )


def _integers(dtype: np.dtype, domain: Domain, function: str) -> st.SearchStrategy[int]:
    """Integer elements: the domain's whole numbers, and for linear algebra the dtype's whole range (within
    int64 arithmetic: dot and multiply wrap as NumPy does, the losses have no truth once a difference overflows)."""
    info = np.iinfo(dtype)
    lo, hi = max(math.ceil(domain.low), int(info.min)), min(math.floor(domain.high), int(info.max))
    inner = st.integers(lo, hi) if lo <= hi else st.integers(0, 1)
    if FUNCTIONS[function].kind in ("linalg", "elementwise"):
        return st.one_of(inner, st.integers(max(int(info.min), -(2**62)), min(int(info.max), 2**62)))
    return inner


def _elements(dtype: np.dtype, domain: Domain, function: str) -> st.SearchStrategy[Any]:
    """The strategy for one element of ``dtype``."""
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        return _integers(dtype, domain, function)
    return _floats(dtype, domain, huge=FUNCTIONS[function].kind in ("scalar", "elementwise", "rowwise"))


def _draw_case(data: st.DataObject, vf: VectorFile, domain: Domain, dtype: np.dtype) -> Case:
    """One case drawn from the domain's signatures and sizes, in ``dtype``, in a drawn memory layout."""
    signature = _widened(data, vf.function, data.draw(st.sampled_from(domain.shapes), label="signature"))
    sizes = {name: data.draw(st.integers(lo, hi), label=name) for name, (lo, hi) in sorted(domain.dims.items())}
    args: list[Any] = []
    for i, pattern in enumerate(signature):
        kind = dtype if i == 0 else data.draw(st.sampled_from(_second_dtypes(vf.function, dtype)), label="dtype")
        elements = _elements(kind, domain, vf.function)
        if pattern == PYTHON_SCALAR:
            value = data.draw(elements)
            args.append(bool(value) if kind.kind == "b" else int(value) if kind.kind in "iu" else float(value))
            continue
        shape = tuple(sizes[d] if isinstance(d, str) else d for d in pattern)
        arr = data.draw(hnp.arrays(kind, shape, elements=elements))
        args.append(arr[()] if arr.ndim == 0 else arr)
    arrays = any(isinstance(a, np.ndarray) and a.ndim for a in args)
    layouts = [x for x in LAYOUTS if x in FUNCTIONS[vf.function].memory_layouts] if arrays else []
    layout = data.draw(st.sampled_from([None, *layouts]), label="layout")
    case = Case(
        function=vf.function,
        id="explore",
        description="",
        tags=(),
        args=tuple(args),
        path=vf.path,
        accuracy=vf.accuracy,
        file_tolerance=vf.tolerance,
        layout=layout,
    )
    return replace(case, expected=reference_value(case))


def _widened(data: st.DataObject, function: str, signature: tuple[Pattern, ...]) -> tuple[Pattern, ...]:
    """For functions with NumPy's own semantics (any input), the signature as drawn, or one argument given a
    leading axis (N-D, broadcasting) or made a Python number (NumPy's weak scalars)."""
    if not FUNCTIONS[function].documented.any_input:
        return signature
    how = data.draw(st.sampled_from(("as-is", "leading-axis", "python-number")), label="widen")
    i = data.draw(st.integers(0, len(signature) - 1), label="argument")
    pattern = signature[i]
    if how == "as-is" or pattern == PYTHON_SCALAR:
        return signature
    new: Pattern = PYTHON_SCALAR if how == "python-number" else (data.draw(st.integers(1, 3)), *pattern)
    return (*signature[:i], new, *signature[i + 1 :])


def _second_dtypes(function: str, dtype: np.dtype) -> list[np.dtype]:
    """The dtypes an argument after the first may have: the first's, or, where NumPy promotes the arguments,
    another common one (mixed dtypes)."""
    if FUNCTIONS[function].dtype not in ("promote", "sum"):
        return [dtype]
    return [np.dtype(n) for n in dict.fromkeys([dtype.name, "float64", "float32", "int64"])]


def _strict(case: Case) -> Case | None:
    """The case held to the stability ULP tolerance, for functions judged pointwise on float results; else None."""
    dtype = np.asarray(case.expected).dtype
    if case.accuracy not in ("pointwise", "shifted") or dtype.kind != "f":
        return None
    ulp = STABILITY_ULP[dtype.name]
    reason = "relative accuracy (found by dlconform explore); flushing a subnormal to zero allowed"
    return replace(case, tolerance=Tolerance(ulp=ulp, reason=reason), flush_subnormal=True)


def _problem(case: Case, fn: Callable[..., Any], params: tuple[str, ...]) -> tuple[str, str, Case] | None:
    """How the target deviates on ``case`` (failure code, message, the case that shows it), or None."""
    with np.errstate(all="ignore"):
        result = run_case(case, fn, DEFAULTS, params)
        if result.outcome != Outcome.PASSED:
            return result.failure or result.outcome, result.message, case
        strict = _strict(case)
        if strict is None:
            return None
        result = run_case(strict, fn, DEFAULTS, params)
        if result.outcome == Outcome.PASSED:
            return None
        exact = replace(strict, expected=mpmath_value(case.function, case.args, np.asarray(case.expected)))
        if run_case(exact, fn, DEFAULTS, params).outcome == Outcome.PASSED:
            return None  # within tolerance of the exact value: the reference's own rounding made the difference
        return "precision", f"{result.message} (confirmed against mpmath)", strict


def _inside(case: Case, domain: Domain) -> bool:
    """Whether the case has the contract's structure and the domain's dtypes and finite range of values."""
    if not structurally_inside(case) or np.asarray(case.expected).dtype.name not in ("float64", "int64", "bool"):
        return False
    for a in case.args:
        arr = np.asarray(a)
        if arr.dtype.name not in domain.dtypes:
            return False
        values = arr.astype(np.float64) if arr.size and arr.dtype.kind in "fiu" else np.zeros(0)
        if values.size and not (
            np.isfinite(values).all() and domain.low <= values.min() <= values.max() <= domain.high
        ):
            return False
    return True


def _labelled(case: Case, failure: str, domain: Domain) -> Case:
    """The minimal case with the tags and level a maintainer would give it."""
    specials = any(
        np.asarray(a).dtype.kind == "f" and (~np.isfinite(np.asarray(a))).any() for a in case.args if np.size(a)
    )
    dtypes = {np.asarray(a).dtype.name for a in case.args}
    tags = ["stability" if failure == "precision" else "edge" if specials else "core"]
    if dtypes - set(domain.dtypes):
        tags.append("dtype")
    level = Level.INSIDE if _inside(case, domain) else Level.BEYOND
    if level == Level.BEYOND and structurally_inside(case) and not {"stability", "edge"} & set(tags):
        tags.append("edge")  # lint: a structurally inside case is beyond only for its values
    return replace(case, tags=tuple(tags), level=level)


def probe(
    fn: Callable[..., Any], vf: VectorFile, dtype: np.dtype, seed: int, max_examples: int, deadline: float
) -> tuple[Finding | None, int]:
    """One hypothesis search over ``dtype`` inputs: the minimal deviation found (or None) and the examples run."""
    domain = parse_domain(vf.domain, vf.params)
    start = time.monotonic()
    last: list[tuple[str, str, Case]] = []
    examples = [0]

    @hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
        verbosity=hypothesis.Verbosity.quiet,
    )
    @hypothesis.seed(seed)
    @hypothesis.given(st.data())
    def search(data: st.DataObject) -> None:
        try:
            case = _draw_case(data, vf, domain, dtype)
        except Exception:  # the reference refuses these inputs (a shape mismatch, say): not a question to ask
            hypothesis.reject()
        if time.monotonic() > deadline:
            return  # the budget is spent: every later input passes, which ends the search (and its shrinking)
        examples[0] += 1
        found = _problem(case, fn, vf.params)
        if found:
            last.append(found)
            raise Deviation(found[1])

    try:
        search()
    except (Deviation, hypothesis.errors.Flaky):  # Flaky: the budget ran out while shrinking; keep the smallest yet
        failure, message, case = last[-1]  # hypothesis replays the minimal example last
        labelled = _labelled(case, failure, domain)
        return Finding(vf.function, dtype.name, failure, message, labelled, time.monotonic() - start), examples[0]
    except hypothesis.errors.Unsatisfiable:
        pass
    return None, examples[0]


def probe_dtypes(vf: VectorFile) -> list[np.dtype]:
    """The dtypes a function is probed in: its domain's, then those its dtype rule takes."""
    domain = parse_domain(vf.domain, vf.params)
    names = dict.fromkeys([*domain.dtypes, *EXTRA_DTYPES[FUNCTIONS[vf.function].dtype]])
    return [np.dtype(n) for n in names]


def explore_function(
    fn: Callable[..., Any], vf: VectorFile, seed: int, max_examples: int, budget: float
) -> FunctionReport:
    """Every probe of one function, within ``budget`` seconds; one finding per failure code at most."""
    start = time.monotonic()
    deadline = start + budget
    findings: list[Finding] = []
    examples = 0
    for dtype in probe_dtypes(vf):
        if time.monotonic() > deadline:
            break
        found, n = probe(fn, vf, dtype, seed, max_examples, deadline)
        examples += n
        if found and found.failure not in {f.failure for f in findings}:
            findings.append(found)
    return FunctionReport(vf.function, findings, time.monotonic() - start, examples)


def explore(
    resolve: Resolver,
    files: Iterable[VectorFile],
    functions: Iterable[str],
    seed: int = 0,
    max_examples: int = DEFAULT_EXAMPLES,
    budget: float = DEFAULT_BUDGET,
) -> list[FunctionReport]:
    """A FunctionReport for each of ``functions``: explored where the target has it and a file gives a domain."""
    domains: dict[str, VectorFile] = {}
    for vf in files:
        if vf.domain is not None:
            domains.setdefault(vf.function, vf)
    reports = []
    for function in functions:
        fn = resolve(function)
        if isinstance(fn, Unavailable):
            reports.append(FunctionReport(function, [], 0.0, 0, "missing"))
        elif function not in domains:
            reports.append(FunctionReport(function, [], 0.0, 0, "no-domain"))
        else:
            reports.append(explore_function(fn, domains[function], seed, max_examples, budget))
    return reports


def render(reports: list[FunctionReport], seed: int) -> str:
    """The findings as paste-ready YAML cases under a comment per function, then one summary line."""
    lines: list[str] = []
    found = 0
    for report in reports:
        if report.status != "explored":
            why = "the target has no such function" if report.status == "missing" else "no vector file has a domain"
            lines.append(f"# {report.function}: not explored ({why})")
            continue
        head = f"# {report.function}: {len(report.findings)} deviation(s) in {report.examples} inputs, "
        lines.append(head + f"{report.seconds:.1f} s")
        for i, finding in enumerate(report.findings, 1):
            found += 1
            lines.append(
                f"# {finding.function} ({finding.dtype}, {finding.failure}): paste into {finding.function}.yaml"
            )
            lines.append(finding.to_yaml(i).rstrip("\n"))
    explored = sum(r.status == "explored" for r in reports)
    lines.append(f"# {found} deviation(s) in {explored} function(s) explored (seed {seed}); run 'dlconform generate'")
    return "\n".join(lines) + "\n"
