"""A correct target that prints while importing and while running, and warns."""

import warnings

from dlconform.reference import sigmoid as good

print("hello from the target")


def sigmoid(x):
    print("computing sigmoid of", x)
    warnings.warn("sigmoid is noisy", UserWarning, stacklevel=1)
    return good(x)
