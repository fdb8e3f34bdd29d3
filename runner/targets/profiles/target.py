"""A profile opened against its library: a target whose callables convert NumPy in and out.

``open_profile`` imports the profile's modules and runs its setup once; the
result behaves like any runner target (``resolve``, ``info``, ``warnings``,
``load_error``), so the engine, the API and the CLI treat a library exactly as
they treat a student's file.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from importlib import metadata
from typing import Any

import numpy as np
from dlconform.catalogue import FUNCTIONS
from dlconform.format.model import Case
from dlconform.format.repro import MAX_ELEMENTS, MAX_LINE, Unspellable, nested, spell
from dlconform.results import Failure, Outcome
from dlconform.targets.base import Closing
from dlconform.targets.profiles.expr import Expression, parse
from dlconform.targets.profiles.model import Binding, Profile, ProfileError
from dlconform.targets.resolver import Unavailable

PLAIN_RESULTS = (np.ndarray, np.generic, bool, int, float, list, tuple)


class LibraryMissing(ProfileError):
    """A module the profile needs is not installed (the CLI exits 2; tests skip)."""


class ConversionError(Exception):
    """The profile's input or output conversion failed for a value (reported as the case's error)."""


def _import(module: str, profile: Profile) -> Any:
    """Import one module the profile needs; a missing or broken library is a one-line ProfileError."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        top = module.split(".")[0]
        raise LibraryMissing(
            f"profile {profile.name} needs {module}, which is not installed ({exc}): pip install {top}"
        ) from None
    except Exception as exc:
        raise ProfileError(f"profile {profile.name}: importing {module} failed: {type(exc).__name__}: {exc}") from None


def resolve_attribute(call: str) -> Callable[..., Any]:
    """The object a ``module.path:attr.path`` names; ImportError/AttributeError if it does not exist."""
    module_name, _, attr_path = call.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr_path.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"{call} is a {type(obj).__name__}, not callable")
    return obj


def library_version(module: Any) -> str:
    """A library's version: its ``__version__``, else its distribution's metadata, else 'unknown'."""
    version = getattr(module, "__version__", None)
    if isinstance(version, str):
        return version
    try:
        return metadata.version(module.__name__.split(".")[0])
    except metadata.PackageNotFoundError:
        return "unknown"


class ProfileTarget(Closing):
    """A profile bound to its imported library; resolves suite functions to converting callables."""

    def __init__(self, profile: Profile, namespace: dict[str, Any], info: dict[str, Any]) -> None:
        self.profile = profile
        self.namespace = namespace
        self.info = info
        self.warnings: list[str] = []
        self.load_error: str | None = None  # a library that fails to import is a ProfileError, not a load error
        self._cache: dict[str, Callable[..., Any] | Unavailable] = {}
        names = list(namespace)
        self._inputs = parse(profile.inputs, [*names, "a"]) if profile.inputs else None
        self._outputs = parse(profile.outputs, [*names, "y"]) if profile.outputs else None

    def resolve(self, function: str) -> Callable[..., Any] | Unavailable:
        """The converting callable bound to ``function``, or why there is none."""
        if function not in self._cache:
            self._cache[function] = self._resolve(function)
        return self._cache[function]

    def _resolve(self, function: str) -> Callable[..., Any] | Unavailable:
        profile = self.profile
        if function in profile.unsupported:
            return Unavailable(
                f"unsupported by {profile.name}: {profile.unsupported[function]}", Outcome.SKIPPED, Failure.UNSUPPORTED
            )
        binding = profile.functions.get(function)
        if binding is None:
            if profile.only_bound:
                return Unavailable(
                    "not bound (only the --bind functions are checked)", Outcome.SKIPPED, Failure.UNSUPPORTED
                )
            return Unavailable(f"not bound by profile {profile.name}", Outcome.SKIPPED, Failure.UNSUPPORTED)
        try:
            impl = self._impl(binding)
        except (ImportError, AttributeError, TypeError) as exc:  # a library's words: which binding, and why
            return Unavailable(
                f"profile {profile.name} binds {function} to {binding.describe()}, which is not available: "
                f"{type(exc).__name__}: {exc}",
                Outcome.ERROR,
                Failure.UNRESOLVED,
            )
        return self._converting(impl, binding)

    def _impl(self, binding: Binding) -> Callable[..., Any]:
        """The library-side callable, taking the suite function's parameters in order."""
        params = FUNCTIONS[binding.function].params
        if binding.expr is not None:
            expr = parse(binding.expr, [*self.namespace, *params])
            return _expression_function(expr, params, self.namespace)
        fn = resolve_attribute(str(binding.call))
        order = [params.index(name) for name in binding.args]
        kwargs = dict(binding.kwargs)
        return lambda *args: fn(*[args[i] for i in order], **kwargs)

    def _converting(self, impl: Callable[..., Any], binding: Binding) -> Callable[..., Any]:
        """``impl`` wrapped so it takes NumPy values and returns NumPy values."""

        def bound(*args: Any) -> Any:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")  # the verdict says what went wrong; warnings only clutter the log
                return self.to_numpy(impl(*self.arguments(args)))

        bound.__name__ = bound.__qualname__ = binding.function
        bound.__doc__ = f"{binding.function} bound by profile {self.profile.name} to {binding.describe()}"
        return bound

    def arguments(self, args: tuple[Any, ...]) -> list[Any]:
        """The call's arguments for the library: arrays converted; with ``weak_scalars``, a Python number beside
        an array left as it is, so the library's weak-scalar promotion applies (``2.5 * float32`` stays float32)."""
        weak = self.profile.weak_scalars and any(isinstance(a, np.ndarray) for a in args)
        return [a if weak and _python_number(a) else self.to_library(a) for a in args]

    def to_library(self, value: Any) -> Any:
        """A NumPy argument as the library's array (dtype kept); unchanged when the profile has no ``inputs``."""
        if self._inputs is None:
            return value
        arr = value if isinstance(value, np.ndarray) else np.asarray(value)
        try:
            return self._inputs.evaluate({**self.namespace, "a": arr})
        except Exception as exc:
            raise ConversionError(
                f"inputs {self._inputs.source!r} failed on {arr.dtype} {arr.shape}: {type(exc).__name__}: {exc}"
            ) from exc

    def repro(self, case: Case) -> str | None:
        """A one-line repro of ``case`` in the library's own call (``import torch; torch.sigmoid(torch.tensor([...],
        dtype=torch.float64))``), or None where the runner's own line must do: a layout variant, a value with no
        exact literal, a line too long to read."""
        binding = self.profile.functions.get(case.function)
        if binding is None or case.layout not in (None, "0d"):
            return None
        weak = self.profile.weak_scalars and any(isinstance(a, np.ndarray) for a in case.args)
        try:  # every argument as ``arguments`` hands it to the library
            args = [spell(a) if weak and _python_number(a) else self._literal(a) for a in case.args]
        except Unspellable:
            return None
        params = FUNCTIONS[case.function].params
        if binding.expr is not None:
            imports = [f"import {m} as {alias}" for alias, m in self.profile.imports.items()]
            call = f"(lambda {', '.join(params)}: {binding.expr})({', '.join(args)})"
        else:
            module, _, attr = str(binding.call).partition(":")
            imports = [f"import {module}"]
            ordered = [args[params.index(name)] for name in binding.args]
            call = f"{module}.{attr}({', '.join([*ordered, *(f'{k}={v!r}' for k, v in binding.kwargs.items())])})"
        if self.profile.repro_input is None:
            imports.append("import numpy as np")
        line = "; ".join([*dict.fromkeys(imports), call])
        return line if len(line) <= 2 * MAX_LINE else None

    def _literal(self, value: Any) -> str:
        """One argument as the library's literal (the profile's ``repro_input``), else as NumPy's."""
        template = self.profile.repro_input
        if template is None or self._inputs is None:
            return spell(value)
        arr = np.asarray(value)
        if arr.size > MAX_ELEMENTS:
            raise Unspellable("too many elements")
        name = "bool" if arr.dtype.kind == "b" else arr.dtype.name
        return template.format(list=nested(arr), dtype=name)

    def to_numpy(self, value: Any) -> Any:
        """A library result back as NumPy through the profile's ``outputs``; plain values pass unchanged."""
        if self._outputs is None or value is None or isinstance(value, PLAIN_RESULTS):
            return value
        try:
            return self._outputs.evaluate({**self.namespace, "y": value})
        except Exception as exc:
            raise ConversionError(
                f"outputs {self._outputs.source!r} failed on {type(value).__name__}: {type(exc).__name__}: {exc}"
            ) from exc


def _python_number(value: Any) -> bool:
    """A Python bool, int, float or complex (weak in NEP 50 and the array API), not a NumPy scalar."""
    return type(value) in (bool, int, float, complex)


def _expression_function(expr: Expression, params: tuple[str, ...], namespace: dict[str, Any]) -> Callable[..., Any]:
    """A callable evaluating ``expr`` with the suite function's parameters bound to its arguments."""
    return lambda *args: expr.evaluate({**namespace, **dict(zip(params, args, strict=True))})


def open_profile(profile: Profile, spec: str | None = None) -> ProfileTarget:
    """Import the profile's library and modules, run its setup, and return it as a target."""
    namespace: dict[str, Any] = {alias: _import(module, profile) for alias, module in profile.imports.items()}
    if profile.device:
        namespace["device"] = profile.device
    for source in profile.setup:
        try:
            parse(source, list(namespace)).evaluate(namespace)
        except Exception as exc:
            raise ProfileError(
                f"profile {profile.name}: setup {source!r} failed: {type(exc).__name__}: {exc}"
            ) from None
    info: dict[str, Any] = {"kind": "profile", "spec": spec or profile.name, "profile": profile.name}
    if profile.path is not None:
        info["path"] = str(profile.path)
    if profile.library:
        module = _import(profile.library, profile)
        info["library"] = profile.library
        info["version"] = library_version(module)
    if profile.device:
        info["device"] = profile.device
    return ProfileTarget(profile, namespace, info)
