"""The course's textbook answers to "Python Basics with NumPy", as its graded notebook has them.

These are the answers the course's own tests accept: math.exp for the scalar sigmoid, s * (1 - s) for its
derivative, the shape-product reshape, np.linalg.norm with keepdims, softmax without the row-maximum
shift, np.sum(np.abs(...)) for L1 and np.dot for L2, under the course's names (normalize_rows). They are
right inside each function's documented contract, and ``dlconform run examples/course.py --assignment
course`` gives them full marks; beyond it (other ranks, overflow, cancellation, validation) some cases fail,
as feedback.
"""

import math

import numpy as np


def basic_sigmoid(x):
    """Sigmoid of a real number x."""
    s = 1 / (1 + math.exp(-x))
    return s


def sigmoid(x):
    """Sigmoid of a scalar or numpy array of any size."""
    s = 1 / (1 + np.exp(-x))
    return s


def sigmoid_derivative(x):
    """Gradient of the sigmoid with respect to x, through the sigmoid itself."""
    s = sigmoid(x)
    ds = s * (1 - s)
    return ds


def image2vector(image):
    """A numpy array of shape (length, height, depth) as a vector of shape (length*height*depth, 1)."""
    v = image.reshape(image.shape[0] * image.shape[1] * image.shape[2], 1)
    return v


def normalize_rows(x):
    """Each row of the (n, m) matrix x divided by its Euclidean norm."""
    x_norm = np.linalg.norm(x, ord=2, axis=1, keepdims=True)
    x = x / x_norm
    return x


def softmax(x):
    """Softmax of each row of the (n, m) matrix x."""
    x_exp = np.exp(x)
    x_sum = np.sum(x_exp, axis=1, keepdims=True)
    s = x_exp / x_sum
    return s


def L1(yhat, y):
    """L1 loss of the predictions yhat against the labels y, vectors of size m."""
    loss = np.sum(np.abs(y - yhat))
    return loss


def L2(yhat, y):
    """L2 loss of the predictions yhat against the labels y, vectors of size m."""
    loss = np.dot(y - yhat, y - yhat)
    return loss
