"""A submission whose sibling modules have the names a runner might use: runner, reference, dlconform_helpers."""

from reference import relu  # noqa: F401  (its own reference.py, not the suite's)
from runner import sigmoid  # noqa: F401  (its own runner.py)
