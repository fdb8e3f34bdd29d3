"""A library of wrong implementations (mutants), one small function per typical mistake.

Every mutant must be caught by a bundled case inside its function's contract, or, for a mistake that lies only
beyond the contract (``beyond=True``: the course's textbook formulas), by a beyond case while passing every inside
one. Alternatives are correct code written another way: they pass every case. ``tests/test_mutants.py`` runs
them all and prints the kill rate.
"""

from tests.mutants import activations, alternatives, derivatives, linalg, losses, shaping  # noqa: F401  (registers them)
from tests.mutants._registry import ALTERNATIVES, MUTANTS, Mutant

__all__ = ["ALTERNATIVES", "MUTANTS", "Mutant"]
