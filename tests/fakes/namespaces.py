"""Functions held in a class, an object and a dict, for pkg.mod:obj targets."""

from dlconform import reference


class Impl:
    sigmoid = staticmethod(reference.sigmoid)
    normalize_rows = staticmethod(reference.normalizeRows)


IMPL = {"sigmoid": reference.sigmoid, "normalizeRows": reference.normalizeRows}
NOT_CALLABLE = {"sigmoid": 0.5}
