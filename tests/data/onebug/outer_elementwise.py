"""One bug: the elementwise product for outer."""


def outer(a, b):
    return a * b
