"""A library of wrong implementations (mutants), one small function per typical mistake.

Every mutant must be caught by at least one bundled case: ``tests/test_mutants.py``
runs each over its function's cases and prints the kill rate. The typical mistakes
the catalogue declares for hints are mutants too: a hint for a mistake the suite
cannot catch would never be shown.
"""

from dlconform.catalogue import FUNCTIONS

from tests.mutants import activations, derivatives, linalg, losses, shaping  # noqa: F401  (registers the mutants)
from tests.mutants._registry import MUTANTS as WRITTEN
from tests.mutants._registry import Mutant

MUTANTS = [
    *WRITTEN,
    *(
        Mutant(fn.name, f"hint_{i}", m.formula, m.hint)
        for fn in FUNCTIONS.values()
        for i, m in enumerate(fn.mistakes, 1)
    ),
]

__all__ = ["MUTANTS", "Mutant"]
