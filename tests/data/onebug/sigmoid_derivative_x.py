"""One bug: x * (1 - x) applied to x."""


def sigmoid_derivative(x):
    return x * (1 - x)
