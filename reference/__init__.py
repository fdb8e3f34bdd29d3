"""dlconform's NumPy reference: one careful, dtype-preserving function per primitive.

``from dlconform.reference import sigmoid`` works for every canonical name and alias;
what each function is (parameters, aliases, kind, exact formula) is declared in
``dlconform.catalogue``.
"""

from __future__ import annotations

from dlconform.reference.activations import basic_sigmoid, relu, sigmoid, softmax, tanh
from dlconform.reference.derivatives import sigmoid_derivative, tanh_derivative
from dlconform.reference.linalg import dot, multiply, outer
from dlconform.reference.losses import L1, L2
from dlconform.reference.shaping import image2vector, normalizeRows

image_to_vector = image2vector
normalize_rows = normalizeRows

__all__ = [
    "L1",
    "L2",
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
