"""The function catalogue: every primitive of the suite declared once, with everything the rest derives from.

Each ``Function`` names its parameters, aliases and kind, its result shape, its exact
value in mpmath (the oracle test and the accuracy sweeps), the classic mistakes the
hints recognise, and, through ``impl``, its NumPy reference. Lint rules, block plans,
accuracy sweeps, hints and the per-function part of vectors/schema.json are derived
from it. Importing this module imports neither NumPy nor mpmath: both are loaded on
first use inside the formulas and rules.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

Kind = Literal["scalar", "elementwise", "rowwise", "reduction", "shaping", "linalg"]
# The result's dtype: "float" (float inputs keep theirs, others give float64), "keep" (the argument's),
# "promote" (NumPy's promotion of the arguments, np.result_type), "sum" (np.sum's dtype for the promoted
# arguments: small integers widened to int64 or uint64), "python-float" (a Python float).
DtypeRule = Literal["float", "keep", "promote", "sum", "python-float"]
# Memory layouts a function's array inputs are also run in (dlconform.format.layouts): Fortran order, a strided
# view, a view with negative strides, and a 0-d array in place of a scalar argument.
Layout = Literal["fortran", "strided", "reversed", "0d"]
ALL_LAYOUTS: tuple[Layout, ...] = ("fortran", "strided", "reversed", "0d")
EXACT_BITS = 8000  # sums and products of float64 inputs are exact at this precision


class _Lazy:
    """A module imported on first attribute access, so the formulas below cost nothing until they run."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        module: ModuleType = importlib.import_module(self._name)
        return getattr(module, attr)


np: Any = _Lazy("numpy")
mp: Any = _Lazy("mpmath")


@dataclass(frozen=True)
class Mistake:
    """A wrong formula students write (NumPy) and the hint that names it.

    Hints recompute it on a failing case's arguments (as float64); the mutant tests check the vectors catch it.
    """

    formula: Callable[..., Any]
    hint: str


@dataclass(frozen=True)
class Contract:
    """The domain the course documents for a function: cases there are *inside* it (dlconform.format.contract).

    Inputs are inside when they have this structure: ``real_number`` (one real number), an array of ``rank``
    (None: a scalar or an array of any shape), ``same_shape`` arguments, in a course dtype (float64, integer,
    bool); ``any_input`` takes every input NumPy takes (NumPy's own semantics). Input validation is never inside.
    """

    text: str
    rank: int | None = None
    real_number: bool = False
    same_shape: bool = False
    any_input: bool = False


_KIND_CONTRACTS: dict[str, Contract] = {
    "scalar": Contract("a real number (a Python number, or a float64 or integer NumPy scalar)", real_number=True),
    "elementwise": Contract("a scalar or an array of any shape (float64, integer or bool)"),
    "rowwise": Contract("a 2-D matrix (n, m)", rank=2),
    "reduction": Contract("two 1-D vectors of the same size m", rank=1, same_shape=True),
    "shaping": Contract("NumPy's own semantics", any_input=True),
    "linalg": Contract("NumPy's own semantics", any_input=True),
}


@dataclass(frozen=True)
class Function:
    """One primitive of the suite: names, kind, result shape and dtype, exact formula, typical mistakes.

    ``formula`` works on mpmath numbers: one element per argument (scalar, elementwise), one row as a
    list (rowwise), or whole object arrays of mpf (the other kinds), at the caller's working precision.
    """

    name: str
    params: tuple[str, ...]
    kind: Kind
    formula: Callable[..., Any]
    aliases: tuple[str, ...] = ()
    dtype: DtypeRule = "float"
    shape: Callable[..., tuple[int, ...]] | None = None  # default: by kind (see result_shape)
    blocks: Callable[[tuple[Any, ...]], str | None] | None = None  # default: by kind (see block_plan)
    uses_exp: bool = False  # naive code overflows exp on large inputs (a hint)
    squares: bool = False  # naive code squares its inputs (a norm): they overflow or underflow at the extremes (a hint)
    mistakes: tuple[Mistake, ...] = ()
    contract: Contract | None = None  # default: by kind (see Contract)

    def __post_init__(self) -> None:
        """A kind with no shared shape or block rule (shaping, linalg) needs the function's own."""
        if self.shape is None and self.kind not in _KIND_SHAPES:
            raise TypeError(f"{self.name}: a {self.kind} function declares its result shape")
        if self.blocks is None and self.kind not in _KIND_BLOCKS:
            raise TypeError(f"{self.name}: a {self.kind} function declares its block plan")

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name first, then the aliases: the order a target is searched in."""
        return (self.name, *self.aliases)

    @property
    def impl(self) -> Callable[..., Any]:
        """The NumPy reference implementation, ``dlconform.reference.<name>`` (imported on first use)."""
        return getattr(importlib.import_module("dlconform.reference"), self.name)

    @property
    def swept(self) -> bool:
        """Whether the accuracy sweep measures it: one float argument, elementwise or row by row."""
        return self.kind in ("elementwise", "rowwise") and len(self.params) == 1

    @property
    def memory_layouts(self) -> tuple[Layout, ...]:
        """The layouts its array inputs are also run in, by its kind (format/variants.py makes those cases)."""
        return _KIND_LAYOUTS[self.kind]

    @property
    def documented(self) -> Contract:
        """The function's documented contract: its own, else its kind's."""
        return self.contract or _KIND_CONTRACTS[self.kind]

    def result_shape(self, *args: Any) -> tuple[int, ...]:
        """The shape of the result on arguments of these shapes (ValueError where there is none)."""
        rule = self.shape or _KIND_SHAPES[self.kind]
        return rule(*args)

    def result_dtype(self, *args: Any) -> Any:
        """The result's dtype on these arguments by the function's dtype rule (``float`` itself for python-float)."""
        if self.dtype == "python-float":
            return float
        if self.dtype == "promote":
            return np.result_type(*args)
        if self.dtype == "sum":
            return np.zeros(0, dtype=np.result_type(*args)).sum().dtype
        first = np.asarray(args[0]).dtype
        return first if self.dtype == "keep" or first.kind == "f" else np.dtype("float64")

    def block_plan(self, args: tuple[Any, ...]) -> str | None:
        """How the reference's result on ``args`` is computed a block at a time (see format/large.py), or None."""
        rule = self.blocks or _KIND_BLOCKS[self.kind]
        return rule(args)

    def exact(self, *args: Any) -> Any:
        """The exact result in mpmath on object arrays of mpf (0-d for scalars), applying the formula by kind."""
        if self.kind in ("scalar", "elementwise"):
            return np.frompyfunc(self.formula, len(self.params), 1)(*args)
        if self.kind == "rowwise":
            x = args[0]
            out = np.empty(x.shape, dtype=object)
            for idx in np.ndindex(x.shape[:-1]):
                out[idx] = np.array(self.formula(list(x[idx])), dtype=object).reshape(x.shape[-1:])
            return out
        return self.formula(*args)


# --- rules shared by kind --------------------------------------------------------------------------------------


def _broadcast(*args: Any) -> tuple[int, ...]:
    """The broadcast shape of the arguments: the result shape of an elementwise or row-wise function."""
    return tuple(np.broadcast_shapes(*(np.shape(a) for a in args)))


def _one_shape(args: tuple[Any, ...]) -> bool:
    """Whether every array argument has the same shape (scalars aside)."""
    return len({np.shape(a) for a in args if np.ndim(a)}) == 1


_KIND_SHAPES: dict[str, Callable[..., tuple[int, ...]]] = {
    "scalar": _broadcast,  # a number for a number; an array, where one is accepted, elementwise
    "elementwise": _broadcast,
    "rowwise": _broadcast,
    "reduction": lambda *args: (),
}
_KIND_BLOCKS: dict[str, Callable[[tuple[Any, ...]], str | None]] = {
    "scalar": lambda args: None,
    "elementwise": lambda args: "flat" if _one_shape(args) else None,
    "rowwise": lambda args: "rows" if args and np.ndim(args[0]) >= 2 else None,
    "reduction": lambda args: "sum" if _one_shape(args) else None,
    "shaping": lambda args: "whole",
}

# A scalar function takes real numbers only; row-wise functions and losses take arrays, never a 0-d one.
_KIND_LAYOUTS: dict[str, tuple[Layout, ...]] = {
    "scalar": (),
    "elementwise": ALL_LAYOUTS,
    "rowwise": ("fortran", "strided", "reversed"),
    "reduction": ("fortran", "strided", "reversed"),
    "shaping": ALL_LAYOUTS,
    "linalg": ALL_LAYOUTS,
}


def _dot_shape(a: Any, b: Any) -> tuple[int, ...]:
    """The shape np.dot gives for arguments of these shapes, worked out without building anything."""
    sa, sb = np.shape(a), np.shape(b)
    if not sa or not sb:
        return sa or sb
    if sa[-1] != sb[0 if len(sb) == 1 else -2]:
        raise ValueError(f"shapes {sa} and {sb} not aligned")
    return sa[:-1] if len(sb) == 1 else sa[:-1] + sb[:-2] + sb[-1:]


def _dot_blocks(args: tuple[Any, ...]) -> str | None:
    """2-D (or more) dot by rows of its first argument; 1-D . 1-D at once."""
    if np.ndim(args[0]) >= 2:
        return "rows"
    return "whole" if all(np.ndim(a) == 1 for a in args) else None


# --- exact formulas --------------------------------------------------------------------------------------------


def _logistic(x: Any) -> Any:
    """1 / (1 + e^-x)."""
    return 1 / (1 + mp.exp(-x))


def _logistic_slope(x: Any) -> Any:
    """e^-|x| / (1 + e^-|x|)^2, the derivative of the logistic function (it is even)."""
    e = mp.exp(-abs(x))
    return e / (1 + e) ** 2


def _softmax_row(row: list[Any]) -> list[Any]:
    """e^x_i / sum e^x_j (no overflow in mpmath); a NaN anywhere, or an undefined sum, makes the row NaN."""
    if any(mp.isnan(v) for v in row):
        return [mp.mpf("nan")] * len(row)
    exps = [mp.exp(v) for v in row]
    total = mp.fsum(exps)
    return [e / total for e in exps] if total else [mp.mpf("nan")] * len(row)


def _unit_row(row: list[Any]) -> list[Any]:
    """x_i / sqrt(sum x_j^2); an all-zero row stays zero."""
    with mp.workprec(EXACT_BITS):
        total = mp.fsum(v * v for v in row)
    norm = mp.sqrt(total)
    return [v / norm for v in row] if norm else [mp.mpf(0)] * len(row)


def _loss(power: int) -> Callable[[Any, Any], Any]:
    """sum |y - yhat|^power over every element, exactly."""

    def apply(yhat: Any, y: Any) -> Any:
        with mp.workprec(EXACT_BITS):
            return mp.fsum(abs(b - a) ** power for a, b in zip(yhat.ravel(), y.ravel(), strict=True))

    return apply


def _exactly(f: Callable[..., Any]) -> Callable[..., Any]:
    """Run a rational formula at EXACT_BITS, where float sums and products are exact."""

    def apply(*args: Any) -> Any:
        with mp.workprec(EXACT_BITS):
            return f(*args)

    return apply


# --- mistakes (NumPy helpers) ----------------------------------------------------------------------------------


def _np_sigmoid(x: Any) -> Any:
    return 1 / (1 + np.exp(-x))


def _np_softmax(x: Any, axis: int | None) -> Any:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _np_softmax_lost_axis(x: Any) -> Any:
    e = np.exp(x)
    return e / np.sum(e, axis=-1)


# --- the catalogue ---------------------------------------------------------------------------------------------

FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("basic_sigmoid", ("x",), "scalar", _logistic, dtype="python-float", uses_exp=True),
        Function(
            "sigmoid",
            ("x",),
            "elementwise",
            _logistic,
            uses_exp=True,
            mistakes=(Mistake(lambda x: _np_sigmoid(-x), "sign error: sigmoid is 1 / (1 + exp(-x))."),),
        ),
        Function(
            "sigmoid_derivative",
            ("x",),
            "elementwise",
            _logistic_slope,
            uses_exp=True,
            mistakes=(
                Mistake(
                    lambda x: x * (1 - x), "x * (1 - x) applied to x: compute s = sigmoid(x) first, then s * (1 - s)."
                ),
                Mistake(_np_sigmoid, "this is sigmoid itself, not its derivative s * (1 - s)."),
            ),
        ),
        Function("tanh", ("x",), "elementwise", lambda x: mp.tanh(x), uses_exp=True),
        Function(
            "tanh_derivative",
            ("x",),
            "elementwise",
            lambda x: mp.sech(x) ** 2,
            uses_exp=True,
            mistakes=(
                Mistake(lambda x: 1 - x**2, "1 - x**2 applied to x: the derivative is 1 - tanh(x)**2."),
                Mistake(lambda x: 1 - np.tanh(x), "1 - tanh(x): the derivative is 1 - tanh(x)**2."),
            ),
        ),
        Function(
            "relu",
            ("x",),
            "elementwise",
            lambda x: x if mp.isnan(x) or x > 0 else mp.mpf(0),
            dtype="keep",
            mistakes=(
                Mistake(lambda x: np.abs(x), "abs(x) is not relu: negative inputs must become 0 (np.maximum(x, 0))."),
            ),
        ),
        Function(
            "image2vector",
            ("image",),
            "shaping",
            lambda image: image.reshape(image.size, 1),
            aliases=("image_to_vector",),
            dtype="keep",
            shape=lambda image: (int(np.size(image)), 1),
            contract=Contract("a 3-D array (length, height, depth)", rank=3),
            mistakes=(
                Mistake(
                    lambda v: np.reshape(v, (-1, 1), order="F"),
                    "flattened in Fortran (column-major) order: reshape in C order, v.reshape(-1, 1).",
                ),
            ),
        ),
        Function(
            "normalizeRows",
            ("x",),
            "rowwise",
            _unit_row,
            aliases=("normalize_rows",),
            squares=True,
            mistakes=(
                Mistake(
                    lambda x: x / np.linalg.norm(x, axis=0, keepdims=True),
                    "normalised by the column norms: take the norm of each row (axis=-1, keepdims=True).",
                ),
                Mistake(
                    lambda x: x / np.linalg.norm(x),
                    "normalised by the norm of the whole matrix: take the norm of each row (axis=-1, keepdims=True).",
                ),
                Mistake(
                    lambda x: x / np.linalg.norm(x, axis=-1),
                    "the row norms lost their axis (no keepdims=True), so they divide columns: keep the axis.",
                ),
                Mistake(
                    lambda x: x / np.sum(np.abs(x), axis=-1, keepdims=True),
                    "divided by the sum of absolute values: the row norm here is the L2 norm, sqrt(sum(x**2)).",
                ),
            ),
        ),
        Function(
            "softmax",
            ("x",),
            "rowwise",
            _softmax_row,
            uses_exp=True,
            mistakes=(
                Mistake(
                    lambda x: _np_softmax(x, 0),
                    "softmax normalised over the wrong axis: each row must sum to 1 (axis=-1).",
                ),
                Mistake(
                    lambda x: _np_softmax(x, None),
                    "softmax normalised over the whole array: divide each row by its own sum (axis=-1, keepdims=True).",
                ),
                Mistake(
                    _np_softmax_lost_axis,
                    "the row sums lost their axis (no keepdims=True): on a square input they divide the columns, "
                    "not the rows; keep the axis (np.sum(..., axis=-1, keepdims=True)).",
                ),
            ),
        ),
        Function(
            "L1",
            ("yhat", "y"),
            "reduction",
            _loss(1),
            dtype="sum",
            mistakes=(
                Mistake(lambda yhat, y: np.mean(np.abs(y - yhat)), "mean instead of sum: L1 is the sum of |y - yhat|."),
            ),
        ),
        Function(
            "L2",
            ("yhat", "y"),
            "reduction",
            _loss(2),
            dtype="sum",
            mistakes=(
                Mistake(
                    lambda yhat, y: np.sqrt(np.sum((y - yhat) ** 2)),
                    "square root taken: L2 here is the plain sum of squares, no sqrt.",
                ),
                Mistake(
                    lambda yhat, y: np.mean((y - yhat) ** 2), "mean instead of sum: L2 is the sum of (y - yhat)**2."
                ),
            ),
        ),
        Function(
            "dot",
            ("a", "b"),
            "linalg",
            _exactly(lambda a, b: np.dot(a, b)),
            dtype="promote",
            shape=_dot_shape,
            blocks=_dot_blocks,
        ),
        Function(
            "outer",
            ("a", "b"),
            "linalg",
            _exactly(lambda a, b: np.outer(a, b)),
            dtype="promote",
            shape=lambda a, b: (int(np.size(a)), int(np.size(b))),
            blocks=lambda args: "rows" if args and np.ndim(args[0]) == 1 else None,
        ),
        Function(
            "multiply",
            ("a", "b"),
            "elementwise",
            _exactly(lambda a, b: a * b),
            dtype="promote",
            contract=Contract("NumPy's own semantics", any_input=True),
        ),
    )
}


def canonical(name: str) -> str | None:
    """The canonical name of a function given by canonical name or alias; None for a name the suite lacks."""
    for fn in FUNCTIONS.values():
        if name in fn.names:
            return fn.name
    return None
