"""``RunOptions``: every option of one run, with its default, as the CLI, ``check()`` and the pytest plugin take it.

Each front-end only translates its own spelling into this model; ``dlconform.run.planner.make_plan`` validates
the combination once and turns it into a ``Plan``. A field added here needs its CLI option, ``check()`` keyword
and plugin option (tests/test_front_ends.py enumerates the fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RunOptions:
    """What to check, which cases, how to judge them, what the gate is, and under which limits."""

    # what is checked: a TARGET (spec, module, mapping, open Target), or a library profile and/or bindings,
    # or an adapter command for another language
    target: Any = None
    profile: str | None = None
    binds: tuple[str, ...] = ()
    adapter: str | None = None  # run: the adapter's command; grade: its template ({submission}: the confined copy)
    # which cases
    vectors: tuple[str, ...] = ()  # files or folders added to the bundled suite
    no_bundled: bool = False
    functions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    keyword: str | None = None  # a pytest -k expression over function::case-id
    dtypes: tuple[str, ...] | None = None  # run every float case once in each (ids <id>@<dtype>)
    random_n: int = 0  # random cases per function, drawn from its file's domain
    seed: int | None = None  # of the random cases (None: a fresh one, shown in the report)
    assignment: str | None = None  # NAME|FILE: only its functions run, and the report carries its score
    # how results are judged
    rtol: float | None = None
    atol: float | None = None
    strict_dtype: bool = False
    # the gate
    baseline: str | None = None  # known failures (default: a profile's shipped baseline)
    strict_baseline: bool = False  # baseline cases that now pass fail the run too
    write_baseline: str | None = None  # write this run's failures here; the run then exits 0
    perf: bool = False  # time each function against the reference on a large input
    perf_fail: float | None = None  # implies perf: fail when a function is more than this many times slower
    fail_under: float | None = None  # with an assignment: fail below this many points (default: below full marks)
    maxfail: int | None = None  # stop after this many failed or errored cases
    # isolation: any of timeout, memory, budget, sandbox implies isolate
    isolate: bool = False
    timeout: float | None = None
    memory: str | None = None
    budget: float | None = None
    sandbox: str | None = None
    # what the report needs computed while the target is open
    plots: bool = False  # the curve of each failing function across its domain, for the HTML report's plots

    @property
    def isolated(self) -> bool:
        """Whether the target runs in a confined worker: --isolate, or any worker limit given."""
        return self.isolate or any(o is not None for o in (self.timeout, self.memory, self.sandbox, self.budget))
