"""A target importing a module that sits beside it, under the alias normalize_rows."""

from sibling_helper import normalizeRows as normalize_rows  # noqa: F401
from sibling_helper import sigmoid  # noqa: F401

__version__ = "1.2.3"
