"""Profile files: read, validate and merge the YAML that binds suite functions to a library.

A profile is pure data until ``dlconform.targets.profiles.target.open_profile`` imports the
library; everything that can be wrong with the file itself is reported here, as
one line naming the file (and line where known). The format is documented in
docs/profiles.md.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dlconform.catalogue import FUNCTIONS, canonical
from dlconform.errors import DlconformError
from dlconform.format import safeyaml
from dlconform.format.schemacheck import at, first_problem
from dlconform.targets.profiles.expr import ExpressionError, parse

BINDING_KEYS = {"call", "args", "kwargs", "expr", "note"}
CALL_PATTERN = re.compile(
    r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"
)
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SCHEMA = Path(__file__).with_name("profile.schema.json")
TEXTS = ("description", "library", "device", "inputs", "outputs", "repro_input")
MAX_EXTENDS = 8
BUILTIN_DIR = Path(__file__).resolve().parent


class ProfileError(DlconformError):
    """A profile that cannot be used: bad file, unknown name, bad --bind; the message is one line."""


@dataclass(frozen=True)
class Binding:
    """How one suite function is called in the library: ``call`` with mapped args and kwargs, or ``expr``."""

    function: str
    call: str | None = None
    args: tuple[str, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    expr: str | None = None
    note: str | None = None

    def describe(self) -> str:
        """The binding as one readable line, for report headers."""
        if self.expr is not None:
            return self.expr
        params = FUNCTIONS[self.function].params
        shown = list(self.args) if self.args != params else []
        shown += [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.call}({', '.join(shown)})" if shown else str(self.call)


@dataclass(frozen=True)
class Profile:
    """A validated profile: conversions, one Binding per bound function, and unsupported functions with reasons."""

    name: str
    description: str = ""
    path: Path | None = None
    library: str | None = None
    imports: dict[str, str] = field(default_factory=dict)
    device: str | None = None
    setup: tuple[str, ...] = ()
    inputs: str | None = None
    outputs: str | None = None
    repro_input: str | None = None  # an array in a repro line, the library's own literal: {list} and {dtype}
    weak_scalars: bool = False  # a Python number beside an array argument reaches the library as it is
    functions: dict[str, Binding] = field(default_factory=dict)
    unsupported: dict[str, str] = field(default_factory=dict)
    only_bound: bool = False  # built from --bind alone: unbound functions are skipped, not missing

    @property
    def baseline(self) -> Path | None:
        """The library-specific baseline shipped beside a profile file (``NAME.baseline.yaml``), if any."""
        if self.path is None:
            return None
        candidate = self.path.with_name(f"{self.path.stem}.baseline.yaml")
        return candidate if candidate.is_file() else None


def builtin_names() -> list[str]:
    """Names of the profiles shipped with dlconform."""
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml") if not p.name.endswith(".baseline.yaml"))


def load_profile(spec: str | Path) -> Profile:
    """A built-in profile by name, or the user's profile file by path."""
    text = str(spec)
    if text in builtin_names():
        return read_profile(BUILTIN_DIR / f"{text}.yaml")
    path = Path(text)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return read_profile(path)
    raise ProfileError(f"no profile {text!r}: not a built-in ({', '.join(builtin_names())}) and not a file")


def read_profile(path: str | Path) -> Profile:
    """Read and validate one profile file, following ``extends``."""
    data, lines = _merged(Path(path), [])
    _check(_schema(), Path(path), data, lines)
    return _build(Path(path), data, lines)


def _read_raw(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The top-level mapping of a profile file and the lines of its keys."""
    try:
        doc = safeyaml.load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such profile file") from None
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ProfileError(f"{path}: not UTF-8 text") from None
    except safeyaml.YamlError as exc:
        raise ProfileError(f"{path}:{exc.line}: {exc}" if exc.line else f"{path}: {exc}") from None
    _check(_schema(merging=True), path, doc.data, doc.key_lines)
    return doc.data, doc.key_lines


@functools.cache
def _schema(merging: bool = False) -> dict[str, Any]:
    """profile.schema.json (beside this module), for a merged profile; ``merging``: only what a file needs before
    ``extends`` merges it over its parent (a mapping, extends a string), the rest being checked on the merge."""
    schema: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    if merging:
        return {
            **{k: schema[k] for k in ("type", "message")},
            "properties": {"extends": schema["properties"]["extends"]},
        }
    return schema


def _check(schema: dict[str, Any], path: Path, data: Any, lines: dict[str, int]) -> None:
    """A ProfileError, ``file:line: problem``, for the first rule of ``schema`` that ``data`` breaks."""
    problem = first_problem(schema, data, lines)
    if problem is not None:
        raise ProfileError(at(str(path), *problem))


def _merged(path: Path, chain: list[Path]) -> tuple[dict[str, Any], dict[str, int]]:
    """The profile's data with its ``extends`` parent merged underneath (functions and imports by key)."""
    data, lines = _read_raw(path)
    parent_spec = data.get("extends")
    if parent_spec is None:
        return data, lines
    parent_path = BUILTIN_DIR / f"{parent_spec}.yaml" if parent_spec in builtin_names() else path.parent / parent_spec
    if parent_path.resolve() in [p.resolve() for p in (*chain, path)] or len(chain) >= MAX_EXTENDS:
        raise ProfileError(
            at(str(path), lines.get("extends"), f"extends {parent_spec!r} makes a cycle or a chain too long")
        )
    parent, _ = _merged(parent_path, [*chain, path])
    merged = {**parent, **data}
    for key in ("imports", "functions", "unsupported"):
        if isinstance(parent.get(key), dict) and isinstance(data.get(key), dict):
            merged[key] = {**parent[key], **data[key]}
    child_bound = {canonical(str(k)) for k in data.get("functions") or {}}
    child_unsupported = {canonical(str(k)) for k in data.get("unsupported") or {}}
    merged["functions"] = {
        k: v
        for k, v in (merged.get("functions") or {}).items()
        if k in (data.get("functions") or {}) or canonical(str(k)) not in child_unsupported
    }
    merged["unsupported"] = {
        k: v
        for k, v in (merged.get("unsupported") or {}).items()
        if k in (data.get("unsupported") or {}) or canonical(str(k)) not in child_bound
    }
    merged.pop("extends")
    return merged, lines


def _build(path: Path, data: dict[str, Any], lines: dict[str, int]) -> Profile:
    """Build the Profile of a merged profile whose files the schema accepted, after what a schema cannot check:
    function names, the expressions (with the names they may use) and the bindings."""

    def error(key: str, message: str) -> ProfileError:
        return ProfileError(at(str(path), lines.get(key), message))

    imports = data.get("imports") or {}
    texts = {key: data.get(key) for key in TEXTS}
    device = ("device",) if texts["device"] else ()
    setup = data.get("setup") or []
    checks: list[tuple[str, Any, list[str]]] = [("setup", item, []) for item in setup]
    checks += [(key, texts[key], [var]) for key, var in (("inputs", "a"), ("outputs", "y")) if texts[key] is not None]
    for key, source, extra in checks:
        try:
            parse(source, [*imports, *device, *extra])
        except ExpressionError as exc:
            raise error(key, f"{key}: {exc}") from None
    functions = _bindings(data.get("functions") or {}, [*imports, *device], error)
    unsupported = {
        _function_name(k, error, "unsupported"): " ".join(v.split()) for k, v in (data.get("unsupported") or {}).items()
    }
    both = sorted(set(functions) & set(unsupported))
    if both:
        raise error("unsupported", f"{both[0]} is both bound and listed as unsupported")
    by_name = data.get("bind_by_name")
    if by_name is not None:
        functions = {f: functions.get(f) or binding(f, f"{by_name}:{f}", []) for f in FUNCTIONS if f not in unsupported}
    return Profile(
        name=data.get("name", path.stem),
        description=(texts["description"] or "").strip(),
        path=path.resolve(),
        library=texts["library"],
        imports=dict(imports),
        device=texts["device"],
        setup=tuple(setup),
        inputs=texts["inputs"],
        outputs=texts["outputs"],
        repro_input=texts["repro_input"],
        weak_scalars=data.get("weak_scalars", False),
        functions=functions,
        unsupported=unsupported,
    )


def _function_name(raw: Any, error: Any, key: str) -> str:
    """The canonical name for a key of functions/unsupported, or a ProfileError."""
    name = canonical(raw) if isinstance(raw, str) else None
    if name is None:
        raise error(key, f"{key}: unknown function {raw!r} (known: {', '.join(FUNCTIONS)})")
    return name


def _bindings(raw: dict[Any, Any], names: list[str], error: Any) -> dict[str, Binding]:
    """The ``functions`` mapping as Bindings, each checked."""
    out: dict[str, Binding] = {}
    for key, spec in raw.items():
        function = _function_name(key, error, "functions")
        try:
            out[function] = binding(function, spec, names)
        except ProfileError as exc:
            raise error("functions", f"functions: {key}: {exc}") from None
    return out


def binding(function: str, spec: Any, names: list[str]) -> Binding:
    """One binding from its profile form: ``"module:attr"``, ``{call, args, kwargs}`` or ``{expr}``."""
    params = FUNCTIONS[function].params
    if isinstance(spec, str):
        spec = {"call": spec}
    if not isinstance(spec, dict):
        raise ProfileError("a binding is 'module:callable', {call: ..., args: ..., kwargs: ...} or {expr: ...}")
    extra = sorted(set(spec) - BINDING_KEYS)
    if extra:
        raise ProfileError(f"unknown binding key {extra[0]!r} (known: {', '.join(sorted(BINDING_KEYS))})")
    note = spec.get("note")
    if note is not None and not isinstance(note, str):
        raise ProfileError("note must be a string")
    if ("call" in spec) == ("expr" in spec):
        raise ProfileError("give exactly one of call and expr")
    if "expr" in spec:
        if "args" in spec or "kwargs" in spec:
            raise ProfileError("args and kwargs go with call, not expr")
        try:
            parse(spec["expr"], [*names, *params])
        except ExpressionError as exc:
            raise ProfileError(f"expr: {exc}") from None
        return Binding(function, expr=spec["expr"].strip(), note=note)
    call = spec["call"]
    if not (isinstance(call, str) and CALL_PATTERN.match(call)):
        raise ProfileError(f"call {call!r} must be 'module.path:attribute.path'")
    args = spec.get("args", list(params))
    if not (isinstance(args, list) and all(a in params for a in args)):
        raise ProfileError(f"args must list parameter names of {function} ({', '.join(params)}), not {args!r}")
    kwargs = spec.get("kwargs") or {}
    if not (isinstance(kwargs, dict) and all(isinstance(k, str) and IDENTIFIER.match(k) for k in kwargs)):
        raise ProfileError("kwargs must map argument names to values")
    return Binding(function, call=call, args=tuple(args), kwargs=dict(kwargs), note=note)


def parse_bind(text: str) -> Binding:
    """A ``--bind function=module:callable`` option as a Binding (aliases accepted)."""
    name, sep, call = text.partition("=")
    function = canonical(name.strip())
    if not sep or function is None:
        raise ProfileError(f"--bind {text!r}: want FUNCTION=module:callable with a suite function name")
    try:
        return binding(function, call.strip(), [])
    except ProfileError as exc:
        raise ProfileError(f"--bind {text!r}: {exc}") from None


def with_binds(profile: Profile | None, binds: list[Binding]) -> Profile:
    """``profile`` with inline bindings on top; without a profile, a bare one binding only those functions."""
    base = profile or Profile(name="--bind", description="inline bindings", only_bound=True)
    functions = {**base.functions, **{b.function: b for b in binds}}
    unsupported = {k: v for k, v in base.unsupported.items() if k not in functions}
    return replace(base, functions=functions, unsupported=unsupported)
