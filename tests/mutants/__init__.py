"""A library of wrong implementations (mutants), one small function per typical mistake.

Every mutant must be caught by a bundled case inside its function's contract, or, for a mistake that lies only
beyond the contract (``beyond=True``: the course's textbook formulas), by a beyond case while passing every inside
one. The typical mistakes the catalogue declares for hints are mutants too: a hint for a mistake the suite cannot
catch would never be shown. Alternatives are correct code written another way: they pass every case.
``tests/test_mutants.py`` runs them all and prints the kill rate.
"""

from dlconform.catalogue import FUNCTIONS

from tests.mutants import (  # noqa: F401  (registers them)
    activations,
    alternatives,
    derivatives,
    escapes,
    layouts_dtypes,
    linalg,
    losses,
    shaping,
    tiny,
)
from tests.mutants._registry import ALTERNATIVES, Mutant
from tests.mutants._registry import MUTANTS as WRITTEN

MUTANTS = [
    *WRITTEN,
    *(
        Mutant(fn.name, f"hint_{i}", m.formula, m.hint, beyond=m.beyond)
        for fn in FUNCTIONS.values()
        for i, m in enumerate(fn.mistakes, 1)
    ),
]

__all__ = ["ALTERNATIVES", "MUTANTS", "Mutant"]
