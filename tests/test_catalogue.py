"""The function catalogue: cheap to import, one alias lookup, and rules that hold for the reference."""

from __future__ import annotations

import subprocess
import sys

import mpmath
import numpy as np
import pytest
from dlconform.catalogue import FUNCTIONS, canonical


def test_importing_the_catalogue_loads_neither_numpy_nor_mpmath() -> None:
    code = (
        "import sys, dlconform.catalogue as c; c.canonical('normalize_rows'); "
        "assert 'numpy' not in sys.modules and 'mpmath' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_canonical_knows_every_name_and_alias_and_nothing_else() -> None:
    for spec in FUNCTIONS.values():
        assert all(canonical(name) == spec.name for name in spec.names)
    assert canonical("normalize_rows") == "normalizeRows" and canonical("image_to_vector") == "image2vector"
    assert canonical("Sigmoid") is None and canonical("") is None


@pytest.mark.parametrize("name", [n for n, f in FUNCTIONS.items() if f.swept])
def test_exact_formula_agrees_with_the_reference(name: str) -> None:
    """On ordinary inputs the mpmath formula and the float64 reference agree to a few ULP (a formula typo fails)."""
    spec = FUNCTIONS[name]
    x = np.array([[-3.5, -0.25, 0.0, 0.75, 2.0], [10.0, -7.0, 1.5, -1.0, 0.125]])
    with mpmath.workprec(200):
        exact = spec.exact(np.vectorize(mpmath.mpf, otypes=[object])(x))
    want = np.array(exact.tolist(), dtype=float)
    np.testing.assert_allclose(spec.impl(x), want, rtol=4e-16, atol=0)
