"""dlconform's NumPy reference: one careful, dtype-preserving function per primitive.

``from reference import sigmoid`` works for every canonical name and alias; the
``FUNCTIONS`` catalogue maps each canonical name to its parameters and aliases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dlconform.reference.activations import basic_sigmoid, relu, sigmoid, softmax, tanh
from dlconform.reference.derivatives import sigmoid_derivative, tanh_derivative
from dlconform.reference.linalg import dot, multiply, outer
from dlconform.reference.losses import L1, L2
from dlconform.reference.shaping import image2vector, normalizeRows

image_to_vector = image2vector
normalize_rows = normalizeRows


@dataclass(frozen=True)
class Function:
    """One primitive of the suite: its canonical name, parameters, aliases and reference."""

    name: str
    params: tuple[str, ...]
    aliases: tuple[str, ...]
    impl: Callable[..., object]

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name first, then the aliases: the order a target is searched in."""
        return (self.name, *self.aliases)


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("basic_sigmoid", ("x",), (), basic_sigmoid),
        Function("sigmoid", ("x",), (), sigmoid),
        Function("sigmoid_derivative", ("x",), (), sigmoid_derivative),
        Function("tanh", ("x",), (), tanh),
        Function("tanh_derivative", ("x",), (), tanh_derivative),
        Function("relu", ("x",), (), relu),
        Function("image2vector", ("image",), ("image_to_vector",), image2vector),
        Function("normalizeRows", ("x",), ("normalize_rows",), normalizeRows),
        Function("softmax", ("x",), (), softmax),
        Function("L1", ("yhat", "y"), (), L1),
        Function("L2", ("yhat", "y"), (), L2),
        Function("dot", ("a", "b"), (), dot),
        Function("outer", ("a", "b"), (), outer),
        Function("multiply", ("a", "b"), (), multiply),
    )
}

__all__ = [
    "FUNCTIONS",
    "L1",
    "L2",
    "Function",
    "basic_sigmoid",
    "dot",
    "image2vector",
    "image_to_vector",
    "multiply",
    "normalizeRows",
    "normalize_rows",
    "outer",
    "relu",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
    "tanh",
    "tanh_derivative",
]
