"""Vector files loaded, validated once, and turned into cases.

``read_file`` returns a ``VectorFile`` and the problems found in it (schema and
meaning); ``load_suite`` refuses any problem with ``SuiteError``. Every problem
names the file, the line where known, and the case.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dlconform.catalogue import FUNCTIONS
from dlconform.errors import DlconformError
from dlconform.format.large import case_problem, decode_value
from dlconform.format.model import Case, Problem, Raises, SuiteError, VectorFile
from dlconform.format.tolerance import Tolerance
from dlconform.format.values import FLOAT_DTYPES, ValueFormatError
from dlconform.format.variants import with_variants
from dlconform.results import Level

if TYPE_CHECKING:  # a warm load (from the cache) parses nothing: YAML and the schema's modules load on a cold one
    from dlconform.format import safeyaml
    from dlconform.format.schemacheck import Path as SchemaPath
    from dlconform.format.schemacheck import Violation

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")  # the schema's, for baselines that name cases
EXCEPTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")  # the schema's raises pattern


@functools.cache
def _schema() -> dict[str, Any]:
    """The vector-file schema as the reader runs it: vectors/schema.json less the rules of the values themselves.

    Values (args, expected, the items of expected_any) are decoded in code, which refuses all the schema
    refuses in them and more (tests/test_schema.py keeps the two in step); running the schema's recursive value
    rules too made a cold load of the suite about six times slower. So does the rule that plain cases have no
    generated args, which ``case_problem`` states with the rest of the generated-input rules.
    """
    from dlconform.format import schema

    runtime = schema.build()
    case = runtime["$defs"]["case"]
    case["properties"]["args"]["items"] = {}
    case["properties"]["expected"] = {}
    case["properties"]["expected_any"]["items"] = {}
    del case["else"]
    return runtime


def bundled_dir() -> Path:
    """The suite's own vectors: the package data ``dlconform.vectors`` (``vectors/`` of the checkout)."""
    import importlib.util

    spec = importlib.util.find_spec("dlconform.vectors")  # importlib.resources would import zipfile: 5 ms a run
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    from importlib.resources import files

    return Path(str(files("dlconform.vectors")))


def vector_paths(paths: Iterable[str | os.PathLike[str]] | None = None) -> list[Path]:
    """The ``*.yaml`` files named, folders expanded in sorted order, each file once; the bundled suite by default."""
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
    unique = {f.resolve(): f for f in reversed(out)}  # a file named twice (a folder and a file in it) is read once
    return [f for f in out if unique[f.resolve()] is f]


def _tolerance(raw: Any) -> tuple[Tolerance | None, str | None]:
    """A tolerance mapping as a Tolerance, or the one thing the schema cannot refuse in it (a NaN)."""
    if not isinstance(raw, dict):
        return None, None
    numbers = {k: raw[k] for k in ("rtol", "atol", "ulp") if k in raw}
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in numbers.values()):
        return None, None  # the schema has said what is wrong
    for key, x in numbers.items():
        if x != x:
            return None, f"tolerance {key} must be a finite non-negative number, not nan"
    ulp = numbers.get("ulp")
    rtol, atol = float(numbers.get("rtol", 0.0)), float(numbers.get("atol", 0.0))
    return Tolerance(rtol, atol, None if ulp is None else float(ulp), raw.get("reason")), None


class _Checker:
    """Collects problems for one file: the schema's first, then what only code can see while values are decoded."""

    def __init__(self, path: str, doc: safeyaml.Document) -> None:
        self.path = path
        self.doc = doc
        self.problems: list[Problem] = []

    def add(self, message: str, line: int | None = None, case: str | None = None) -> None:
        problem = Problem(self.path, message, line, case)
        if problem not in self.problems:
            self.problems.append(problem)

    def validate(self, require_outcome: bool) -> list[Violation]:
        """Word each schema violation as a problem; returns those left to the code's finer checks."""
        from dlconform.format import wording
        from dlconform.format.schemacheck import violations

        data, left = self.doc.data, []
        for v in violations(_schema(), data):
            if wording.deferred(v):
                left.append(v)
                continue
            for message, where in wording.word(v, data, _schema(), require_outcome):
                self.add(message, *self.where(where))
        return left

    def where(self, path: SchemaPath) -> tuple[int | None, str | None]:
        """The line and case id of the node at ``path`` (the case id only where it is a usable one)."""
        from dlconform.format.schemacheck import located

        line = located(path, self.doc.key_lines, {"cases": self.doc.case_lines})
        if len(path) < 2 or path[0] != "cases" or not isinstance(path[1], int):
            return line, None
        raw = self.doc.data["cases"][path[1]]
        cid = raw.get("id") if isinstance(raw, dict) else None
        return line, cid if isinstance(cid, str) and ID_PATTERN.fullmatch(cid) else None

    def unreported(self, left: list[Violation]) -> None:
        """A deferred violation the code did not report after all, in the schema's words (no rule goes unsaid)."""
        lines = {p.line for p in self.problems}
        for v in left:
            line, case = self.where(v.path)
            if line not in lines:
                self.add(f"{'/'.join(map(str, v.path))}: {v.message}", line, case)

    def header(self, data: dict[str, Any]) -> tuple[str, tuple[str, ...], str, dict[str, Tolerance]]:
        """The file-level fields as the cases need them: function, params, accuracy, default tolerances."""
        function = data.get("function")
        known = isinstance(function, str) and function in FUNCTIONS
        params = data.get("params")
        params = tuple(params) if isinstance(params, list) and all(isinstance(p, str) for p in params) else ()
        accuracy = data.get("accuracy")
        tolerance: dict[str, Tolerance] = {}
        raw_tol = data.get("tolerance")
        for dtype, raw in raw_tol.items() if isinstance(raw_tol, dict) else ():
            tol, error = _tolerance(raw)
            if error:
                self.add(f"tolerance {dtype}: {error}", self.doc.key_lines.get("tolerance"))
            elif tol is not None and dtype in FLOAT_DTYPES:
                tolerance[dtype] = tol
        if "domain" in data:
            from dlconform.format.domain import domain_problems

            for message in domain_problems(data["domain"], params):
                self.add(f"domain: {message}", self.doc.key_lines.get("domain"))
        return (str(function) if known else ""), params, str(accuracy), tolerance

    def case(self, index: int, function: str, seen: set[str]) -> dict[str, Any] | None:
        """Decode one case's values and check what the schema cannot (duplicate ids, values, generated inputs).

        Returns the Case fields, or None when the case cannot be used.
        """
        raw = self.doc.data["cases"][index]
        if not isinstance(raw, dict):
            return None
        line, cid = self.where(("cases", index))
        problems_before = len(self.problems)
        where: dict[str, Any] = {"line": line, "case": cid}
        if cid is not None and cid in seen:
            self.add("duplicate id", **where)
        if cid is not None:
            seen.add(cid)
        args = raw.get("args")
        fields: dict[str, Any] = {
            "args": tuple(self._decode(a, f"args[{i}]", where) for i, a in enumerate(args))
            if isinstance(args, list)
            else ()
        }
        if isinstance(raw.get("tags"), list):
            fields["tags"] = tuple(raw["tags"])
        if "expected" in raw:
            fields["expected"] = self._decode(raw["expected"], "expected", where)
        alternatives = raw.get("expected_any")
        if isinstance(alternatives, list):
            fields["expected_any"] = tuple(
                self._alternative(a, f"expected_any[{i}]", where) for i, a in enumerate(alternatives)
            )
        if "raises" in raw:
            fields["raises"] = raw["raises"]
        if "tolerance" in raw:
            fields["tolerance"], error = _tolerance(raw["tolerance"])
            if error:
                self.add(error, **where)
        if len(self.problems) > problems_before or not function:
            return None
        problem = case_problem(function, fields)
        if problem:
            self.add(problem, **where)
            return None
        return fields

    def _alternative(self, value: Any, what: str, where: dict[str, Any]) -> Any:
        """One entry of expected_any: a value, or ``{raises: Name}`` when raising is an acceptable outcome too."""
        if isinstance(value, dict) and set(value) == {"raises"}:
            # A value rule, so not among the schema rules run at load time: checked here.
            if not (isinstance(value["raises"], str) and EXCEPTION_NAME.fullmatch(value["raises"])):
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
    """Parse the bytes of the vector file ``name``, validate them against the schema, and decode its cases."""
    from dlconform.format import safeyaml

    try:
        text = content.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # universal newlines
        doc = safeyaml.load(text)
    except UnicodeDecodeError:
        return None, [Problem(name, "not UTF-8 text")]
    except safeyaml.YamlError as exc:
        return None, [Problem(name, str(exc), exc.line)]
    checker = _Checker(name, doc)
    left = checker.validate(require_outcome)
    data = doc.data
    if not isinstance(data, dict):
        return None, checker.problems
    function, params, accuracy, tolerance = checker.header(data)
    raw_cases: list[Any] = data["cases"] if isinstance(data.get("cases"), list) else []
    seen: set[str] = set()
    fields = [checker.case(i, function, seen) for i in range(len(raw_cases))]
    checker.unreported(left)
    if checker.problems:
        return None, sorted(checker.problems, key=lambda p: p.line or 0)
    cases = [
        Case(
            **f,
            id=raw["id"],
            description=raw["description"].strip(),
            source=raw.get("source"),
            signed_zero=raw.get("signed_zero", False),
            flush_subnormal=raw.get("flush_subnormal", False),
            hidden=raw.get("hidden", False),
            level=Level(raw.get("level", Level.INSIDE)),
            line=line,
            function=function,
            path=name,
            accuracy=accuracy,
            file_tolerance=tolerance,
        )
        for f, raw, line in zip(fields, raw_cases, doc.case_lines, strict=True)
        if f is not None
    ]
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
    """Load every vector file named (default: the bundled suite); any problem, a case key used in two files
    among them, raises SuiteError."""
    files: list[VectorFile] = []
    problems: list[Problem] = []
    for path in vector_paths(paths):
        vf, found = read_file(path)
        problems.extend(found)
        if vf is not None:
            files.append(vf)
    problems.extend(duplicate_keys(files))
    if problems:
        raise SuiteError(problems)
    return files


def duplicate_keys(files: Iterable[VectorFile]) -> list[Problem]:
    """A problem for each case whose key (``function::id``, suite-wide) an earlier file already uses, naming both."""
    seen: dict[str, str] = {}
    problems = []
    for vf in files:
        for case in vf.cases:
            if case.key in seen:
                problems.append(Problem(vf.path, f"id {case.key} is also used in {seen[case.key]}", case.line, case.id))
            seen.setdefault(case.key, vf.path)
    return problems


def iter_cases(files: Iterable[VectorFile]) -> Iterator[Case]:
    """Every case of the files, in file order, each followed by its layout variants (dlconform.format.variants)."""
    for vf in files:
        yield from with_variants(vf.cases)


def suite_files(vector_paths: Sequence[str], no_bundled: bool, extra: Sequence[str] = ()) -> list[VectorFile]:
    """The bundled suite (unless ``no_bundled``) with the --vectors files and ``extra`` ones (an assignment's)."""
    if no_bundled and not (vector_paths or extra):
        raise DlconformError("--no-bundled needs --vectors PATH: without the bundled suite there is no case")
    return load_files([*([] if no_bundled else [bundled_dir()]), *vector_paths, *extra])
