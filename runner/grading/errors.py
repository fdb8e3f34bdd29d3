"""The grading package's own error: a grading input that cannot be used."""

from __future__ import annotations

from dlconform.errors import DlconformError


class GradeError(DlconformError, ValueError):
    """A grading input that cannot be used (missing submission, bad weights, bad shard): one line, exit 2."""
