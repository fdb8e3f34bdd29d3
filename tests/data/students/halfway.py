"""A student's file halfway through the assignment: six functions written, four of them wrong, eight not yet.

The mistakes are the classic ones (see the catalogue's mistakes): x * (1 - x) applied to x, softmax without
keepdims, L1 as a mean, image2vector flattened in Fortran order. tests/test_text_report.py measures the report.
"""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    return x * (1 - x)


def relu(x):
    return np.maximum(x, 0)


def softmax(x):
    x_exp = np.exp(x)
    return x_exp / np.sum(x_exp, axis=1)


def L1(yhat, y):
    return np.mean(np.abs(y - yhat))


def image2vector(image):
    return image.reshape(-1, 1, order="F")
