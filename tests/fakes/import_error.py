"""A target that defines sigmoid, then raises while being imported."""

from reference import sigmoid  # noqa: F401

raise RuntimeError("cannot find weights.npz")
