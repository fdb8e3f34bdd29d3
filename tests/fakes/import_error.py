"""A target that defines sigmoid, then raises while being imported."""

from dlconform.reference import sigmoid  # noqa: F401

raise RuntimeError("cannot find weights.npz")
