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
import math
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
    """A wrong formula students write (NumPy), as code reads, and what is wrong with it.

    Hints evaluate ``formula`` on a failing case's inputs (in their own dtypes): a result equal to the target's,
    or the same exception, names the mistake (dlconform.judge.diagnosis). ``overflow``: the mistake is an
    overflow, named only where the target gave inf or NaN for finite inputs, or raised OverflowError.
    ``beyond``: wrong only beyond the contract (the textbook's own formula); the mutant tests check that the
    vectors catch each mistake where it lies.
    """

    name: str  # a stable id, in the JSON report's ``explained_by``
    code: str  # the mistake as a student writes it: ``np.sum(np.abs(y - yhat))``
    why: str  # what is wrong and what is right: ``that is L1; L2 squares the differences``
    formula: Callable[..., Any]
    overflow: bool = False
    beyond: bool = False

    @property
    def hint(self) -> str:
        """The diagnosis a student reads when the target's result equals this mistake's."""
        return f"Your result equals `{self.code}`: {self.why}"

    @property
    def raised_hint(self) -> str:
        """The diagnosis when the target raised the exception this mistake raises on the same input."""
        return f"`{self.code}` raises this same exception on this input: {self.why}"


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
    textbook: Callable[..., Any] | None = None  # the course's answer as students write it: a mistake is told apart
    # from it (dlconform.judge.diagnosis), so that what the textbook formula does too is never called a mistake
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


def _s_times_one_minus_s(x: Any) -> Any:
    s = _np_sigmoid(x)
    return s * 1 - s


def _tanh_by_exp(x: Any) -> Any:
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


def _depth_three(v: Any) -> Any:
    return v.reshape(v.shape[0] * v.shape[1] * 3, 1)


def _outer_by_broadcast(a: Any, b: Any) -> Any:
    return np.asarray(a)[:, None] * np.asarray(b)[None, :]


_EXP_SIGN = "exp(x) where exp(-x) belongs: sigmoid is 1 / (1 + exp(-x))."
_NO_ABS = "without abs, errors of opposite sign cancel: L1 is np.sum(np.abs(y - yhat))."
_ROW_NORM = "take each row's norm, np.linalg.norm(x, axis=1, keepdims=True)."
# --- the catalogue ---------------------------------------------------------------------------------------------

FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function(
            "basic_sigmoid",
            ("x",),
            "scalar",
            _logistic,
            dtype="python-float",
            uses_exp=True,
            textbook=lambda x: 1 / (1 + math.exp(-x)),
            mistakes=(
                Mistake("exp-sign", "1 / (1 + math.exp(x))", _EXP_SIGN, lambda x: 1 / (1 + math.exp(x))),
                Mistake(
                    "missing-one",
                    "1 / math.exp(-x)",
                    "1 / exp(-x) is exp(x): the denominator is 1 + exp(-x).",
                    lambda x: 1 / math.exp(-x),
                ),
                Mistake(
                    "exp-overflow",
                    "1 / (1 + math.exp(-x))",
                    "math.exp(-x) overflows for x below -709: for negative x compute math.exp(x) / (1 + math.exp(x)).",
                    lambda x: 1 / (1 + math.exp(-x)),
                    overflow=True,
                    beyond=True,
                ),
            ),
        ),
        Function(
            "sigmoid",
            ("x",),
            "elementwise",
            _logistic,
            uses_exp=True,
            textbook=_np_sigmoid,
            mistakes=(
                Mistake("exp-sign", "1 / (1 + np.exp(x))", _EXP_SIGN, lambda x: 1 / (1 + np.exp(x))),
                Mistake(
                    "math-exp",
                    "1 / (1 + math.exp(-x))",
                    "math.exp takes one number, not an array: use np.exp, which works on every element.",
                    lambda x: 1 / (1 + math.exp(-x)),
                ),
                Mistake(
                    "missing-one",
                    "1 / np.exp(-x)",
                    "1 / exp(-x) is exp(x): the denominator is 1 + exp(-x).",
                    lambda x: 1 / np.exp(-x),
                ),
            ),
        ),
        Function(
            "sigmoid_derivative",
            ("x",),
            "elementwise",
            _logistic_slope,
            uses_exp=True,
            textbook=lambda x: _np_sigmoid(x) * (1 - _np_sigmoid(x)),
            mistakes=(
                Mistake(
                    "returns-s",
                    "sigmoid(x)",
                    "that is sigmoid itself, not its derivative: return s * (1 - s).",
                    _np_sigmoid,
                ),
                Mistake(
                    "x-times-one-minus-x",
                    "x * (1 - x)",
                    "x * (1 - x) applied to x: compute s = sigmoid(x) first, then s * (1 - s).",
                    lambda x: x * (1 - x),
                ),
                Mistake("precedence", "s * 1 - s", "s * 1 - s is 0: write s * (1 - s).", _s_times_one_minus_s),
            ),
        ),
        Function(
            "tanh",
            ("x",),
            "elementwise",
            lambda x: mp.tanh(x),
            uses_exp=True,
            textbook=lambda x: np.tanh(x),
            mistakes=(
                Mistake(
                    "exp-overflow",
                    "(np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))",
                    "exp overflows to inf for |x| above 709 and inf / inf is NaN: use np.tanh(x), or a form with "
                    "exp(-2 * |x|) only.",
                    _tanh_by_exp,
                    overflow=True,
                    beyond=True,
                ),
                Mistake(
                    "half-argument",
                    "2 * sigmoid(x) - 1",
                    "2 * sigmoid(x) - 1 is tanh(x / 2): tanh(x) = 2 * sigmoid(2 * x) - 1.",
                    lambda x: 2 * _np_sigmoid(x) - 1,
                ),
                Mistake(
                    "sign",
                    "(np.exp(-x) - np.exp(x)) / (np.exp(x) + np.exp(-x))",
                    "that is -tanh(x): the numerator is exp(x) - exp(-x).",
                    lambda x: -np.tanh(x),
                ),
            ),
        ),
        Function(
            "tanh_derivative",
            ("x",),
            "elementwise",
            lambda x: mp.sech(x) ** 2,
            uses_exp=True,
            textbook=lambda x: 1 - np.tanh(x) ** 2,
            mistakes=(
                Mistake(
                    "missing-square",
                    "1 - np.tanh(x)",
                    "the square is missing: the derivative is 1 - np.tanh(x) ** 2.",
                    lambda x: 1 - np.tanh(x),
                ),
                Mistake(
                    "x-squared",
                    "1 - x ** 2",
                    "1 - x ** 2 applied to x: compute t = np.tanh(x) first, then 1 - t ** 2.",
                    lambda x: 1 - x**2,
                ),
                Mistake(
                    "returns-tanh",
                    "np.tanh(x)",
                    "that is tanh itself, not its derivative: return 1 - np.tanh(x) ** 2.",
                    lambda x: np.tanh(x),
                ),
                Mistake(
                    "sech",
                    "1 / np.cosh(x)",
                    "1 / cosh(x) is sech(x): the derivative is its square, 1 - np.tanh(x) ** 2.",
                    lambda x: 1 / np.cosh(x),
                ),
            ),
        ),
        Function(
            "relu",
            ("x",),
            "elementwise",
            lambda x: x if mp.isnan(x) or x > 0 else mp.mpf(0),
            dtype="keep",
            textbook=lambda x: np.maximum(x, 0),
            mistakes=(
                Mistake(
                    "max-for-maximum",
                    "np.max(x, 0)",
                    "np.max(x, 0) is the largest element along axis 0, not an elementwise maximum: use "
                    "np.maximum(x, 0).",
                    lambda x: np.max(x, 0),
                ),
                Mistake(
                    "abs",
                    "np.abs(x)",
                    "abs(x) is not relu: negative inputs must become 0, np.maximum(x, 0).",
                    lambda x: np.abs(x),
                ),
                Mistake(
                    "minimum",
                    "np.minimum(x, 0)",
                    "np.minimum keeps the negative part: relu is np.maximum(x, 0).",
                    lambda x: np.minimum(x, 0),
                ),
                Mistake(
                    "float-zero",
                    "np.maximum(x, 0.0)",
                    "the float 0.0 turns integer inputs into floats: relu keeps its input's dtype, np.maximum(x, 0).",
                    lambda x: np.maximum(x, 0.0),
                ),
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
            textbook=lambda v: v.reshape(v.shape[0] * v.shape[1] * v.shape[2], 1),
            mistakes=(
                Mistake(
                    "fortran-order",
                    "v.reshape(-1, 1, order='F')",
                    "flattened in Fortran (column-major) order: reshape in C order, v.reshape(-1, 1).",
                    lambda v: np.reshape(v, (-1, 1), order="F"),
                ),
                Mistake(
                    "depth-3",
                    "v.reshape(v.shape[0] * v.shape[1] * 3, 1)",
                    "the depth is hard-coded as 3: use v.shape[2] (or v.reshape(-1, 1)) so that any depth works.",
                    _depth_three,
                ),
                Mistake(
                    "flat",
                    "v.reshape(-1)",
                    "that is a 1-D vector (n,): the result is a column (n, 1), v.reshape(-1, 1).",
                    lambda v: np.reshape(v, -1),
                ),
                Mistake(
                    "row",
                    "v.reshape(1, -1)",
                    "that is a row (1, n): the result is a column (n, 1), v.reshape(-1, 1).",
                    lambda v: np.reshape(v, (1, -1)),
                ),
                Mistake(
                    "depth-as-columns",
                    "v.reshape(v.shape[0] * v.shape[1], v.shape[2])",
                    "the depth stays a second axis: the result is one column of every value, v.reshape(-1, 1).",
                    lambda v: v.reshape(v.shape[0] * v.shape[1], v.shape[2]),
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
            textbook=lambda x: x / np.linalg.norm(x, ord=2, axis=1, keepdims=True),
            mistakes=(
                Mistake(
                    "column-norms",
                    "x / np.linalg.norm(x, axis=0, keepdims=True)",
                    f"normalised by the column norms (axis=0): {_ROW_NORM}",
                    lambda x: x / np.linalg.norm(x, axis=0, keepdims=True),
                ),
                Mistake(
                    "global-norm",
                    "x / np.linalg.norm(x)",
                    f"divided by the norm of the whole matrix: {_ROW_NORM}",
                    lambda x: x / np.linalg.norm(x),
                ),
                Mistake(
                    "no-keepdims",
                    "x / np.linalg.norm(x, axis=1)",
                    "the row norms lost their axis (no keepdims=True): on a square input they divide the columns, "
                    "on others the shapes do not broadcast; keep it, np.linalg.norm(x, axis=1, keepdims=True).",
                    lambda x: x / np.linalg.norm(x, axis=-1),
                ),
                Mistake(
                    "l1-norm",
                    "x / np.sum(np.abs(x), axis=1, keepdims=True)",
                    "divided by the sum of absolute values (the L1 norm): the row norm here is the L2 norm, "
                    "sqrt(sum(x ** 2)).",
                    lambda x: x / np.sum(np.abs(x), axis=-1, keepdims=True),
                ),
                Mistake(
                    "no-sqrt",
                    "x / np.sum(x ** 2, axis=1, keepdims=True)",
                    "divided by the sum of squares: the norm is its square root, "
                    "np.sqrt(np.sum(x ** 2, axis=1, keepdims=True)).",
                    lambda x: x / np.sum(x**2, axis=-1, keepdims=True),
                ),
                Mistake(
                    "squares-overflow",
                    "x / np.linalg.norm(x, axis=1, keepdims=True)",
                    "x ** 2 overflows to inf or underflows to 0 for rows this large or this small (np.linalg.norm "
                    "too): divide each row by its largest |x| first, then take the norm.",
                    lambda x: x / np.sqrt(np.sum(x * x, axis=-1, keepdims=True)),
                    overflow=True,
                    beyond=True,
                ),
            ),
        ),
        Function(
            "softmax",
            ("x",),
            "rowwise",
            _softmax_row,
            uses_exp=True,
            textbook=lambda x: np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True),
            mistakes=(
                Mistake(
                    "axis-0",
                    "x_exp / np.sum(x_exp, axis=0, keepdims=True)",
                    "normalised over axis 0 (the columns): each row must sum to 1, np.sum(x_exp, axis=1, "
                    "keepdims=True).",
                    lambda x: _np_softmax(x, 0),
                ),
                Mistake(
                    "global",
                    "x_exp / np.sum(x_exp)",
                    "normalised over the whole array: divide each row by its own sum, np.sum(x_exp, axis=1, "
                    "keepdims=True).",
                    lambda x: _np_softmax(x, None),
                ),
                Mistake(
                    "no-keepdims",
                    "x_exp / np.sum(x_exp, axis=1)",
                    "the row sums lost their axis (no keepdims=True): on a square input they divide the columns, "
                    "on others the shapes do not broadcast; keep it, np.sum(x_exp, axis=1, keepdims=True).",
                    _np_softmax_lost_axis,
                ),
                Mistake(
                    "no-exp",
                    "x / np.sum(x, axis=1, keepdims=True)",
                    "exp is missing: softmax divides np.exp(x) by the row sums of np.exp(x).",
                    lambda x: x / np.sum(x, axis=-1, keepdims=True),
                ),
                Mistake(
                    "unshifted",
                    "np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)",
                    "exp overflows to inf for entries above 709 and inf / inf is NaN: subtract each row's maximum "
                    "first, np.exp(x - np.max(x, axis=1, keepdims=True)).",
                    lambda x: np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True),
                    overflow=True,
                    beyond=True,
                ),
            ),
        ),
        Function(
            "L1",
            ("yhat", "y"),
            "reduction",
            _loss(1),
            dtype="sum",
            textbook=lambda yhat, y: np.sum(np.abs(y - yhat)),
            mistakes=(
                Mistake("no-abs", "np.sum(y - yhat)", _NO_ABS, lambda yhat, y: np.sum(y - yhat)),
                Mistake("no-abs-reversed", "np.sum(yhat - y)", _NO_ABS, lambda yhat, y: np.sum(yhat - y)),
                Mistake(
                    "mean",
                    "np.mean(np.abs(y - yhat))",
                    "mean instead of sum: L1 is the sum of |y - yhat|.",
                    lambda yhat, y: np.mean(np.abs(y - yhat)),
                ),
                Mistake(
                    "squares",
                    "np.sum((y - yhat) ** 2)",
                    "that is L2: L1 sums |y - yhat|, not its squares.",
                    lambda yhat, y: np.sum((y - yhat) ** 2),
                ),
            ),
        ),
        Function(
            "L2",
            ("yhat", "y"),
            "reduction",
            _loss(2),
            dtype="sum",
            textbook=lambda yhat, y: np.dot(y - yhat, y - yhat),
            mistakes=(
                Mistake(
                    "l1",
                    "np.sum(np.abs(y - yhat))",
                    "that is L1; L2 squares the differences, np.sum((y - yhat) ** 2).",
                    lambda yhat, y: np.sum(np.abs(y - yhat)),
                ),
                Mistake(
                    "sqrt",
                    "np.sqrt(np.sum((y - yhat) ** 2))",
                    "the square root is taken: L2 here is the plain sum of squares, no sqrt.",
                    lambda yhat, y: np.sqrt(np.sum((y - yhat) ** 2)),
                ),
                Mistake(
                    "mean",
                    "np.mean((y - yhat) ** 2)",
                    "mean instead of sum: L2 is the sum of (y - yhat) ** 2.",
                    lambda yhat, y: np.mean((y - yhat) ** 2),
                ),
                Mistake(
                    "times-two",
                    "np.sum((y - yhat) * 2)",
                    "* 2 where ** 2 belongs: L2 squares the differences.",
                    lambda yhat, y: np.sum((y - yhat) * 2),
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
            textbook=lambda a, b: np.dot(a, b),
            mistakes=(
                Mistake(
                    "elementwise",
                    "a * b",
                    "that is the elementwise product: np.dot sums the products, rows times columns.",
                    lambda a, b: a * b,
                ),
                Mistake(
                    "sum-of-products",
                    "np.sum(a * b)",
                    "np.sum(a * b) is the dot product of two vectors only: for matrices np.dot(a, b) multiplies "
                    "rows by columns.",
                    lambda a, b: np.sum(a * b),
                ),
            ),
        ),
        Function(
            "outer",
            ("a", "b"),
            "linalg",
            _exactly(lambda a, b: np.outer(a, b)),
            dtype="promote",
            shape=lambda a, b: (int(np.size(a)), int(np.size(b))),
            blocks=lambda args: "rows" if args and np.ndim(args[0]) == 1 else None,
            textbook=lambda a, b: np.outer(a, b),
            mistakes=(
                Mistake(
                    "dot",
                    "np.dot(a, b)",
                    "that is the dot product: outer gives every product a[i] * b[j], np.outer(a, b).",
                    lambda a, b: np.dot(a, b),
                ),
                Mistake(
                    "elementwise",
                    "a * b",
                    "that is the elementwise product: outer gives every product a[i] * b[j], np.outer(a, b).",
                    lambda a, b: a * b,
                ),
                Mistake(
                    "no-ravel",
                    "a[:, None] * b[None, :]",
                    "right for 1-D vectors only: np.outer flattens its inputs first, np.outer(a, b).",
                    _outer_by_broadcast,
                ),
            ),
        ),
        Function(
            "multiply",
            ("a", "b"),
            "elementwise",
            _exactly(lambda a, b: a * b),
            dtype="promote",
            contract=Contract("NumPy's own semantics", any_input=True),
            textbook=lambda a, b: np.multiply(a, b),
            mistakes=(
                Mistake(
                    "dot",
                    "np.dot(a, b)",
                    "that is the dot product: multiply is elementwise, a * b (np.multiply).",
                    lambda a, b: np.dot(a, b),
                ),
                Mistake(
                    "outer",
                    "np.outer(a, b)",
                    "that is the outer product: multiply is elementwise, a * b (np.multiply).",
                    lambda a, b: np.outer(a, b),
                ),
            ),
        ),
    )
}


def canonical(name: str) -> str | None:
    """The canonical name of a function given by canonical name or alias; None for a name the suite lacks."""
    for fn in FUNCTIONS.values():
        if name in fn.names:
            return fn.name
    return None
