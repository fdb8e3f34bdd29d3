"""Vector files loaded, validated once, and turned into cases.

``read_file`` returns a ``VectorFile`` and the problems found in it (schema and
meaning); ``load_suite`` refuses any problem with ``SuiteError``. Every problem
names the file, the line where known, and the case.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from dlconform.catalogue import FUNCTIONS
from dlconform.format import safeyaml
from dlconform.format.domain import domain_problems
from dlconform.format.large import case_problem, decode_value
from dlconform.format.model import LEVELS, Case, Problem, Raises, SuiteError, VectorFile
from dlconform.format.tolerance import ACCURACY_CLASSES, Tolerance
from dlconform.format.values import FLOAT_DTYPES, ValueFormatError

FORMAT = 1
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
TAG_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*$")
EXCEPTION_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
TOP_KEYS = {"format", "function", "aliases", "params", "description", "accuracy", "tolerance", "domain", "cases"}
TOP_REQUIRED = {"format", "function", "params", "description", "accuracy", "cases"}
CASE_KEYS = {
    "id",
    "description",
    "tags",
    "source",
    "args",
    "expected",
    "expected_any",
    "raises",
    "tolerance",
    "signed_zero",
    "hidden",
    "level",
}
OUTCOME_KEYS = ("expected", "expected_any", "raises")


def bundled_dir() -> Path:
    """The suite's own vectors: the package data ``dlconform.vectors`` (``vectors/`` of the checkout)."""
    from importlib.resources import files

    return Path(str(files("dlconform.vectors")))


def vector_paths(paths: Iterable[str | os.PathLike[str]] | None = None) -> list[Path]:
    """The ``*.yaml`` files named, folders expanded in sorted order; the bundled suite by default."""
    out: list[Path] = []
    for p in paths or [bundled_dir()]:
        path = Path(p)
        if path.is_dir():
            found = sorted(path.glob("*.yaml"))
            if not found:
                raise SuiteError([Problem(str(path), "no *.yaml vector files in this folder")])
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise SuiteError([Problem(str(path), "no such file or folder")])
    return out


def _parse_tolerance(raw: Any, need_reason: bool) -> tuple[Tolerance | None, str | None]:
    """A tolerance mapping as a Tolerance, or the reason it is malformed."""
    if not isinstance(raw, dict):
        return None, "tolerance must be a mapping"
    extra = set(raw) - {"rtol", "atol", "ulp", "reason"}
    if extra:
        return None, f"unknown tolerance keys {sorted(extra, key=str)}"
    for key in ("rtol", "atol", "ulp"):
        value = raw.get(key, 0.0)
        if isinstance(value, str):
            return None, f"tolerance {key} {value!r} is a string (YAML 1.1 reads 1e-5 as text: write 1.0e-5)"
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
            return None, f"tolerance {key} must be a finite non-negative number, not {value!r}"
    if "ulp" in raw and ({"rtol", "atol"} & set(raw)):
        return None, "tolerance gives either ulp or rtol/atol, not both"
    if not {"rtol", "atol", "ulp"} & set(raw):
        return None, "tolerance needs rtol and/or atol, or ulp"
    reason = raw.get("reason")
    if "reason" in raw and not (isinstance(reason, str) and reason.strip()):
        return None, "tolerance reason must be a non-empty string"
    if need_reason and reason is None:
        return None, "a case's own tolerance needs a reason"
    ulp = raw.get("ulp")
    return Tolerance(
        float(raw.get("rtol", 0.0)), float(raw.get("atol", 0.0)), None if ulp is None else float(ulp), raw.get("reason")
    ), None


def _names(value: Any) -> bool:
    """Whether ``value`` is a list of strings (params, aliases)."""
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


class _Checker:
    """Collects problems for one file while its data is turned into a VectorFile."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def add(self, message: str, line: int | None = None, case: str | None = None) -> None:
        self.problems.append(Problem(self.path, message, line, case))

    def header(
        self, data: dict[str, Any], lines: dict[str, int]
    ) -> tuple[str, tuple[str, ...], str, dict[str, Tolerance]]:
        """Check the file-level keys (``lines``: where each key is); returns function, params, accuracy, tolerances."""
        for key in sorted(set(data) - TOP_KEYS, key=str):
            self.add(f"unknown top-level key {key!r}", lines.get(key))
        for key in sorted(TOP_REQUIRED - set(data)):
            self.add(f"missing top-level key {key!r}")
        fmt = data.get("format", FORMAT)
        if isinstance(fmt, bool) or fmt != FORMAT:
            self.add(f"format {fmt!r} is not supported (this runner reads format {FORMAT})", lines.get("format"))
        function = data.get("function")
        spec = FUNCTIONS.get(function) if isinstance(function, str) else None
        if spec is None and "function" in data:
            self.add(f"unknown function {function!r} (known: {', '.join(FUNCTIONS)})", lines.get("function"))
        params = data.get("params", [])
        if "params" in data and not (_names(params) and params):
            self.add("params must be a non-empty list of names", lines.get("params"))
            params = []
        elif spec is not None and "params" in data and tuple(params) != spec.params:
            self.add(f"params {params} differ from {function}'s {list(spec.params)}", lines.get("params"))
        aliases = data.get("aliases", [])
        if not _names(aliases):
            self.add("aliases must be a list of names", lines.get("aliases"))
        elif spec is not None and "aliases" in data and tuple(aliases) != spec.aliases:
            self.add(f"aliases {aliases} differ from {function}'s {list(spec.aliases)}", lines.get("aliases"))
        if "description" in data and not (isinstance(data["description"], str) and data["description"].strip()):
            self.add("description must be a non-empty string", lines.get("description"))
        accuracy = data.get("accuracy", "pointwise")
        if accuracy not in ACCURACY_CLASSES:
            self.add(f"accuracy {accuracy!r} is not one of {', '.join(ACCURACY_CLASSES)}", lines.get("accuracy"))
            accuracy = "pointwise"
        tolerance: dict[str, Tolerance] = {}
        raw_tol = data.get("tolerance", {})
        if not isinstance(raw_tol, dict):
            self.add("tolerance must map dtype names to tolerances", lines.get("tolerance"))
            raw_tol = {}
        for dtype, raw in raw_tol.items():
            if dtype not in FLOAT_DTYPES:
                self.add(f"tolerance for unknown float dtype {dtype!r}", lines.get("tolerance"))
                continue
            tol, error = _parse_tolerance(raw, need_reason=False)
            if error:
                self.add(f"tolerance {dtype}: {error}", lines.get("tolerance"))
            elif tol is not None:
                tolerance[dtype] = tol
        if accuracy != "exact":
            for dtype in FLOAT_DTYPES:
                if dtype not in raw_tol:
                    self.add(f"accuracy {accuracy} needs a default tolerance for {dtype}", lines.get("tolerance"))
        if "domain" in data:
            for message in domain_problems(data["domain"], tuple(params)):
                self.add(f"domain: {message}", lines.get("domain"))
        return (str(function) if spec else ""), tuple(params), str(accuracy), tolerance

    def case(
        self, raw: Any, line: int | None, params: tuple[str, ...], seen: set[str], require_outcome: bool = True
    ) -> dict[str, Any] | None:
        """Check one case mapping; returns the Case fields, or None when it cannot be used."""
        if not isinstance(raw, dict):
            self.add("a case must be a mapping", line)
            return None
        cid = raw.get("id")
        if not isinstance(cid, str) or not ID_PATTERN.fullmatch(cid):
            self.add(f"id {cid!r} must match {ID_PATTERN.pattern}", line)
            return None
        problems_before = len(self.problems)
        where: dict[str, Any] = {"line": line, "case": cid}
        if cid in seen:
            self.add("duplicate id", **where)
        seen.add(cid)
        for key in sorted(set(raw) - CASE_KEYS, key=str):
            self.add(f"unknown key {key!r}", **where)
        if not (isinstance(raw.get("description"), str) and raw["description"].strip()):
            self.add("needs a one-line description of what it catches", **where)
        tags = raw.get("tags")
        if (
            not isinstance(tags, list)
            or not tags
            or not all(isinstance(t, str) and TAG_PATTERN.fullmatch(t) for t in tags)
        ):
            self.add(f"tags must be a non-empty list of names matching {TAG_PATTERN.pattern}", **where)
            tags = []
        for key in ("source",):
            if key in raw and not isinstance(raw[key], str):
                self.add(f"{key} must be a string", **where)
        for key in ("signed_zero", "hidden"):
            if key in raw and not isinstance(raw[key], bool):
                self.add(f"{key} must be true or false", **where)
        if raw.get("level", "inside") not in LEVELS:
            self.add(f"level must be one of {', '.join(LEVELS)}", **where)
        present = [k for k in OUTCOME_KEYS if k in raw]
        if len(present) > 1 or (require_outcome and not present):
            self.add("needs exactly one of expected, expected_any, raises", **where)
        fields: dict[str, Any] = {}
        args = raw.get("args")
        if not isinstance(args, list):
            self.add("args must be a list, in params order", **where)
            args = []
        elif params and len(args) != len(params):
            self.add(f"{len(args)} args for {len(params)} params {list(params)}", **where)
        fields["args"] = tuple(self._decode(a, f"args[{i}]", where) for i, a in enumerate(args))
        if "expected" in raw:
            fields["expected"] = self._decode(raw["expected"], "expected", where)
        if "expected_any" in raw:
            alts = raw["expected_any"]
            if not isinstance(alts, list) or len(alts) < 2:
                self.add("expected_any must list at least two acceptable results", **where)
                alts = []
            fields["expected_any"] = tuple(
                self._alternative(a, f"expected_any[{i}]", where) for i, a in enumerate(alts)
            )
        if "raises" in raw:
            if not (isinstance(raw["raises"], str) and EXCEPTION_PATTERN.fullmatch(raw["raises"])):
                self.add("raises must name an exception class", **where)
            fields["raises"] = raw["raises"]
        if "tolerance" in raw:
            tol, error = _parse_tolerance(raw["tolerance"], need_reason=True)
            if error:
                self.add(error, **where)
            fields["tolerance"] = tol
        if len(self.problems) > problems_before:
            return None
        return {
            **fields,
            "id": cid,
            "description": raw["description"].strip(),
            "tags": tuple(tags),
            "source": raw.get("source"),
            "signed_zero": raw.get("signed_zero", False),
            "hidden": raw.get("hidden", False),
            "level": raw.get("level", "inside"),
            "line": line,
        }

    def _alternative(self, value: Any, what: str, where: dict[str, Any]) -> Any:
        """One entry of expected_any: a value, or ``{raises: Name}`` when raising is an acceptable outcome too."""
        if isinstance(value, dict) and set(value) == {"raises"}:
            if not (isinstance(value["raises"], str) and EXCEPTION_PATTERN.fullmatch(value["raises"])):
                self.add(f"{what}: raises must name an exception class", **where)
            return Raises(str(value["raises"]))
        return self._decode(value, what, where)

    def _decode(self, value: Any, what: str, where: dict[str, Any]) -> Any:
        """Decode one value, recording a problem instead of raising."""
        try:
            return decode_value(value)
        except ValueFormatError as exc:
            self.add(f"{what}: {exc}", **where)
            return None


def read_file(path: str | Path, require_outcome: bool = True) -> tuple[VectorFile | None, list[Problem]]:
    """Read and validate one vector file; never raises for anything in the file.

    ``require_outcome=False`` lets a case lack its expected value, for ``generate`` to fill in.
    A file whose bytes were loaded before comes from the load cache (dlconform/format/cache.py), unparsed.
    """
    from dlconform.format import cache  # the cache module builds on this one

    name = str(path)
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        return None, [Problem(name, f"cannot read: {exc.strerror or exc}")]
    cached = cache.load(name, content, require_outcome)
    if cached is not None:
        return cached, []
    vf, problems = _parse(name, content, require_outcome)
    if vf is not None:
        cache.store(content, require_outcome, vf)
    return vf, problems


def _parse(name: str, content: bytes, require_outcome: bool) -> tuple[VectorFile | None, list[Problem]]:
    """Parse and validate the bytes of the vector file ``name``."""
    checker = _Checker(name)
    try:
        text = content.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # universal newlines
        doc = safeyaml.load(text)
    except UnicodeDecodeError:
        return None, [Problem(name, "not UTF-8 text")]
    except safeyaml.YamlError as exc:
        return None, [Problem(name, str(exc), exc.line)]
    data = doc.data
    if not isinstance(data, dict):
        return None, [Problem(name, "a vector file is a mapping with format, function, params, ... and cases")]
    function, params, accuracy, tolerance = checker.header(data, doc.key_lines)
    raw_cases = data.get("cases")
    if not isinstance(raw_cases, list) or not raw_cases:
        checker.add("cases must be a non-empty list")
        raw_cases = []
    cases: list[Case] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_cases):
        line = doc.case_lines[i] if i < len(doc.case_lines) else None
        fields = checker.case(raw, line, params, seen, require_outcome)
        if fields is None or not function:
            continue
        problem = case_problem(function, fields)
        if problem:
            checker.add(problem, line, fields["id"])
        else:
            cases.append(Case(function=function, path=name, accuracy=accuracy, file_tolerance=tolerance, **fields))
    if checker.problems:
        return None, checker.problems
    vf = VectorFile(
        path=name,
        function=function,
        params=params,
        description=data["description"],
        accuracy=accuracy,
        tolerance=tolerance,
        cases=cases,
        data=data,
        case_lines=doc.case_lines,
        domain=data.get("domain"),
    )
    return vf, []


def load_files(paths: Iterable[str | os.PathLike[str]] | None = None) -> list[VectorFile]:
    """Load every vector file named (default: the bundled suite); any problem raises SuiteError."""
    files: list[VectorFile] = []
    problems: list[Problem] = []
    for path in vector_paths(paths):
        vf, found = read_file(path)
        problems.extend(found)
        if vf is not None:
            files.append(vf)
    if problems:
        raise SuiteError(problems)
    return files


def iter_cases(files: Iterable[VectorFile]) -> Iterator[Case]:
    """Every case of the files, in file order."""
    for vf in files:
        yield from vf.cases
