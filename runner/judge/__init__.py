"""Judging a result against a case: shape, dtype, values within the tolerance, NaN and infinities, raised exceptions."""
