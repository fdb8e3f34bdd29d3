"""A library of wrong implementations (mutants), one small function per typical mistake.

Every mutant must be caught by at least one bundled case: ``tests/test_mutants.py``
runs each over its function's cases and prints the kill rate.
"""

from tests.mutants import activations, derivatives, linalg, losses, shaping  # noqa: F401  (registers the mutants)
from tests.mutants._registry import MUTANTS, Mutant

__all__ = ["MUTANTS", "Mutant"]
