"""The held-out mutants (tests/mutants/holdout): the kill rate of mistakes the vectors were never tuned against.

Run only in CI (``CI`` or ``DLCONFORM_HOLDOUT=1`` set), so that nobody authoring vectors sees which of them
survive; the rate is reported apart from tests/mutants' and must not fall below the rate recorded here when the
set was written (a regression of the suite). A survivor is a finding to record, not a case to write against it.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from tests.mutants.holdout import HOLDOUT
from tests.test_mutants import killers

pytestmark = [
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),
    pytest.mark.skipif(
        not (os.environ.get("CI") or os.environ.get("DLCONFORM_HOLDOUT")),
        reason="held-out mutants run in CI only (set DLCONFORM_HOLDOUT=1)",
    ),
]
RECORDED_KILLS = 15  # of the 15 in HOLDOUT when the set was written (12 by an inside case)


def test_holdout_kill_rate(summary_line: Callable[[str], None]) -> None:
    inside = [m for m in HOLDOUT if killers(m, "inside")]
    killed = [m for m in HOLDOUT if killers(m, "inside") or killers(m, "beyond")]
    summary_line(
        f"held-out mutant kill rate: {len(killed)}/{len(HOLDOUT)} ({len(killed) / len(HOLDOUT):.0%}), "
        f"{len(inside)} of them by a case inside the contract"
    )
    for m in HOLDOUT:
        ids = killers(m, "inside") or killers(m, "beyond")
        print(f"  {m.function + ':' + m.name:<50} {ids[0] if ids else 'SURVIVED'}")
    assert len(HOLDOUT) >= 10
    assert len(killed) >= RECORDED_KILLS, f"the suite now catches {len(killed)} held-out mutants, fewer than before"
