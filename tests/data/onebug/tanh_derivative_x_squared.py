"""One bug: 1 - x**2 on x itself."""


def tanh_derivative(x):
    return 1 - x * x
