"""dlconform's NumPy reference: one careful, dtype-preserving function per primitive.

``from dlconform.reference import sigmoid`` works for every canonical name and alias;
what each function is (parameters, aliases, kind, exact formula) is declared in
``dlconform.catalogue``.
"""

from __future__ import annotations

# Each module's __all__ is what it adds here, so a new function is written in one module only.
from dlconform.reference import activations, derivatives, linalg, losses, shaping
from dlconform.reference.activations import *  # noqa: F403
from dlconform.reference.derivatives import *  # noqa: F403
from dlconform.reference.linalg import *  # noqa: F403
from dlconform.reference.losses import *  # noqa: F403
from dlconform.reference.shaping import *  # noqa: F403

__all__ = [*activations.__all__, *derivatives.__all__, *linalg.__all__, *losses.__all__, *shaping.__all__]
