"""A submission's wall-clock budget (``--budget``): after it is spent, its remaining cases are errors at once.

Without it a submission whose every call takes just under ``--timeout`` would hold
its grader slot for cases x timeout. The budget starts when the target is
created (the import counts) and caps each call's timeout by what is left.
"""

from __future__ import annotations

import time


class BudgetSpent(Exception):
    """The submission used up its wall-clock budget; the case was not run."""


class Budget:
    """``seconds`` of wall-clock time from now (None or 0: no budget)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds or None
        self.start = time.monotonic()

    def left(self) -> float:
        """Seconds left (infinity without a budget)."""
        return float("inf") if self.seconds is None else self.seconds - (time.monotonic() - self.start)

    def check(self) -> None:
        """Raise BudgetSpent once the budget is used up."""
        if self.left() <= 0:
            raise BudgetSpent(f"not run: the submission used its {self.seconds:g} s budget (--budget)")

    def call_timeout(self, timeout: float) -> tuple[float, str]:
        """The timeout of the next call (``timeout``, or less when less budget is left) and how to name it."""
        left = self.left()
        if left < timeout:
            return max(left, 0.0), f"the {self.seconds:g} s budget of the submission (--budget)"
        return timeout, f"{timeout:g} s (--timeout)"
