"""Held-out mutants: realistic wrong implementations that the vectors are never tuned against.

Nobody writes or changes a vector to catch one of these: they measure how well the suite generalises to
mistakes its authors did not have in mind. ``tests/test_holdout.py`` runs them only in CI (or with
``DLCONFORM_HOLDOUT=1``) and reports their kill rate apart from ``tests/mutants``; a mutant that survives is
recorded there, not fixed by a new case. To use one for authoring, move it to ``tests/mutants`` and write a new
held-out one in its place.
"""

from tests.mutants.holdout.mistakes import HOLDOUT

__all__ = ["HOLDOUT"]
