"""Load what is being checked in this process (a .py file, a notebook, a module, or an object in one).

A ``ModuleTarget`` maps the suite's canonical function names, or their aliases, to the
target's callables. A spec that names nothing raises ``TargetNotFound``; a target
that raises while loading still gives a target, whose every function is
unavailable with the load error, so the run reports it case by case.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from dlconform.errors import DlconformError
from dlconform.results import Failure, Outcome
from dlconform.targets.base import Closing
from dlconform.targets.capture import Capture, captured
from dlconform.targets.resolver import Unavailable
from dlconform.text import one_line

MODULE_SPEC = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*)?$")
_ABSENT = object()


class TargetNotFound(DlconformError):
    """A target spec that names no loadable file, notebook, module or object (a usage error)."""


@dataclass
class ModuleTarget(Closing):
    """A target loaded in this process: its namespace's functions, and where they came from."""

    namespace: Any  # a module, a mapping of name -> callable, or any object with the functions as attributes
    info: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    load_error: str | None = None  # why loading raised; every function is then unavailable
    output: str = ""  # what the target printed while loading

    def resolve(self, function: str) -> Callable[..., Any] | Unavailable:
        """The target's callable for ``function``, found by canonical name or alias, or why there is none."""
        from dlconform.catalogue import FUNCTIONS, canonical

        if self.load_error is not None:
            return Unavailable(f"target failed to import: {self.load_error}", Outcome.ERROR, Failure.IMPORT_ERROR)
        known = canonical(function)
        names = FUNCTIONS[known].names if known else (function,)
        for name in names:
            try:
                found = _lookup(self.namespace, name)
            except Exception as exc:  # a target's own __getattr__ or mapping raised
                return Unavailable(
                    f"looking up {name} raised {type(exc).__name__}: {exc}", Outcome.ERROR, Failure.MISSING
                )
            if found is _ABSENT:
                continue
            if not callable(found):
                return Unavailable(
                    f"target's {name} is a {type(found).__name__}, not a function", Outcome.ERROR, Failure.MISSING
                )
            return found
        aliases = f" (or alias {', '.join(names[1:])})" if len(names) > 1 else ""
        return Unavailable(f"target has no {function}{aliases}", Outcome.ERROR, Failure.MISSING)


def _lookup(namespace: Any, name: str) -> Any:
    """``namespace[name]`` for mappings, its attribute otherwise; ``_ABSENT`` when there is none."""
    if isinstance(namespace, Mapping):
        return namespace.get(name, _ABSENT)
    return getattr(namespace, name, _ABSENT)


@contextlib.contextmanager
def _on_path(folder: str) -> Iterator[None]:
    """``folder`` first on sys.path for the duration, so a target can import its siblings.

    The sibling modules it imported leave sys.modules afterwards (its functions keep them alive), so the next
    target imports its own ``helpers.py``, never the one a previous target brought in.
    """
    before = set(sys.modules)
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
        root = Path(folder).resolve()
        for name in set(sys.modules) - before:
            file = getattr(sys.modules[name], "__file__", None)
            if file and Path(file).resolve().is_relative_to(root) and not name.startswith("dlconform_target_"):
                del sys.modules[name]


@contextlib.contextmanager
def _notebook_context(folder: Path) -> Iterator[None]:
    """What Jupyter gives a notebook: its folder as working directory (the plotting backend that never blocks is
    run_statements' own, for every kind of file)."""
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(cwd)


def _describe(exc: BaseException) -> str:
    """An exception on one line: ``Name: message``."""
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r})"
    text = one_line(exc, 300)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _version(*namespaces: Any) -> str | None:
    """The first ``__version__`` found in the namespaces (modules, objects, dicts), as text."""
    for namespace in namespaces:
        version = _lookup(namespace, "__version__")
        if isinstance(version, str | int | float | tuple):
            return ".".join(map(str, version)) if isinstance(version, tuple) else str(version)
    return None


def _info(kind: str, spec: str, path: str | None = None, module: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "spec": spec, "path": path, "module": module, "version": None, "load_error": None}


def _finish(target: ModuleTarget, capture: Capture, error: BaseException | None = None) -> ModuleTarget:
    """Record what loading printed or warned, and the load error, on the target."""
    target.output = capture.text()
    target.warnings.extend(capture.notes("loading"))
    if error is not None:
        target.load_error = _describe(error)
        target.info["load_error"] = target.load_error
    return target


def module_name_for(path: Path) -> str:
    """A module name unique to ``path``, so two students' ``solution.py`` never share sys.modules."""
    stem = re.sub(r"\W", "_", path.stem)
    digest = hashlib.sha1(os.fsencode(path)).hexdigest()[:10]
    return f"dlconform_target_{stem}_{digest}"


def load_file(path: Path, spec: str) -> ModuleTarget:
    """Run a .py file as a module under a unique name, with its folder on sys.path, one statement at a time.

    A top-level statement that raises (a demo call, an import the grader lacks) is skipped with a warning and
    the definitions around it survive; a file that does not parse loads nothing (its load error says where).
    """
    from dlconform.targets.statements import run_statements

    name = module_name_for(path)
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise TargetNotFound(f"{spec}: cannot be loaded as Python source")
    module = importlib.util.module_from_spec(module_spec)
    target = ModuleTarget(module, _info("file", spec, str(path), name))
    error: BaseException | None = None
    sys.modules[name] = module
    with captured() as out, _on_path(str(path.parent)):
        try:
            source = importlib.util.decode_source(path.read_bytes())
            target.warnings.extend(run_statements(source, str(path), module.__dict__, label=path.name))
        except (SyntaxError, UnicodeDecodeError, OSError) as exc:
            error = exc
            sys.modules.pop(name, None)
    target.info["version"] = _version(module)
    return _finish(target, out, error)


def load_notebook(path: Path, spec: str) -> ModuleTarget:
    """Run a notebook's code cells in one namespace; failing cells become warnings."""
    from dlconform.targets.notebook import NotebookError, run_cells

    namespace: dict[str, Any] = {"__name__": "__main__"}  # as Jupyter runs it: no __file__
    target = ModuleTarget(namespace, _info("notebook", spec, str(path)))
    with captured() as out, _on_path(str(path.parent)), _notebook_context(path.parent):
        try:
            target.warnings.extend(run_cells(path, namespace))
        except NotebookError as exc:
            raise TargetNotFound(str(exc)) from None
    target.info["version"] = _version(namespace)
    return _finish(target, out)


def load_module(spec: str) -> ModuleTarget:
    """Import ``pkg.mod`` (from the working directory too), then take ``obj`` from it for ``pkg.mod:obj``."""
    module_name, _, attr = spec.partition(":")
    target = ModuleTarget(None, _info("module" if not attr else "object", spec, module=module_name))
    with captured() as out, _on_path(os.getcwd()):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
                raise TargetNotFound(f"no module named {exc.name!r} (target {spec!r})") from None
            return _finish(target, out, exc)
        except (Exception, SystemExit) as exc:
            return _finish(target, out, exc)
    obj: Any = module
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part, _ABSENT)
        if obj is _ABSENT:
            raise TargetNotFound(f"module {module_name!r} has no attribute {attr!r}")
    target.namespace = obj
    target.info["path"] = getattr(module, "__file__", None)
    top = sys.modules.get(module_name.split(".")[0])
    target.info["version"] = _version(*([obj] if attr else []), module, top)
    return _finish(target, out)


def is_module_spec(spec: str) -> bool:
    """Whether a target spec names a module (``pkg.mod``, ``pkg.mod:obj``) rather than a file or notebook."""
    looks_like_path = spec.endswith((".py", ".ipynb")) or os.sep in spec or "/" in spec or Path(spec).is_file()
    return not looks_like_path and bool(MODULE_SPEC.fullmatch(spec))


def refuse_folder(spec: str) -> None:
    """A folder that is not a package is no target (Python would import it as an empty namespace package)."""
    path = Path(spec)
    if path.is_dir() and not (path / "__init__.py").is_file():
        raise TargetNotFound(
            f"{spec} is a folder, not a package: give a .py file, a .ipynb notebook or a module path "
            f"(for a folder of submissions: dlconform grade {spec})"
        )


def load_target(spec: str) -> ModuleTarget:
    """Load a target from a .py file, a .ipynb notebook, ``pkg.mod`` or ``pkg.mod:obj``."""
    path = Path(spec)
    refuse_folder(spec)
    if is_module_spec(spec):
        return load_module(spec)
    is_path = spec.endswith((".py", ".ipynb")) or os.sep in spec or "/" in spec
    if path.is_dir():
        raise TargetNotFound(f"{spec} is a package folder: name it as a module (pkg or pkg.mod), not a path")
    if not path.is_file():
        if is_path:
            raise TargetNotFound(f"no such file: {spec}")
        raise TargetNotFound(f"{spec!r} is not a .py file, a .ipynb notebook or a module path (pkg.mod, pkg.mod:obj)")
    if path.suffix == ".ipynb":
        return load_notebook(path.resolve(), spec)
    if path.suffix != ".py":
        raise TargetNotFound(f"{spec}: not a .py file or a .ipynb notebook")
    return load_file(path.resolve(), spec)


def namespace_target(namespace: Any) -> ModuleTarget:
    """A target over an object already in this process: a module, a mapping of name -> callable, or any object."""
    if isinstance(namespace, ModuleType):
        info = _info("module", namespace.__name__, getattr(namespace, "__file__", None), namespace.__name__)
        info["version"] = _version(namespace, sys.modules.get(namespace.__name__.split(".")[0]))
        return ModuleTarget(namespace, info)
    kind = "mapping" if isinstance(namespace, Mapping) else "object"
    return ModuleTarget(namespace, _info(kind, f"<{type(namespace).__name__}>"))
