"""``make_plan``: the one planner. ``RunOptions`` in, a ``Plan`` out, every combination validated once.

The CLI's ``run``, ``dlconform.check()`` and the pytest plugin call it (``grade`` shares its ``plan_selection``
for each submission's cases); each error is one ``DlconformError`` line naming the option. Everything is decided here, before the target is opened: the cases, the limits, the baseline
(a profile's shipped one included), the assignment and the gate.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dlconform.catalogue import canonical
from dlconform.errors import DlconformError
from dlconform.format.model import Case, VectorFile
from dlconform.format.suite import iter_cases
from dlconform.format.values import FLOAT_DTYPES
from dlconform.judge.compare import Options
from dlconform.run.options import RunOptions
from dlconform.run.pipeline import Gate, Plan
from dlconform.run.select import SelectionError, select

if TYPE_CHECKING:
    from dlconform.grading.assignment import Assignment
    from dlconform.run.baseline import Baseline
    from dlconform.targets.isolate.spawn import Limits


@dataclass(frozen=True)
class Selection:
    """The cases a run's options select, and what they were selected from."""

    options: RunOptions  # as the assignment narrows them: its functions, its timeout
    assignment: Assignment | None
    files: tuple[VectorFile, ...]
    every: tuple[Case, ...]  # every case of the files (or the cases given): for --perf and the baseline
    cases: tuple[Case, ...]  # the selection, in each of --dtypes, with the random cases
    notes: tuple[str, ...]  # how the random cases were drawn


def make_plan(
    options: RunOptions,
    *,
    cases: Iterable[Case] | None = None,
    capture: bool = True,
    slow_after: float | None = None,
) -> Plan:
    """The plan of a run with ``options``: its cases from the vector files (or ``cases``, run as given, large ones
    included), its target, limits, baseline, assignment and gate. ``capture`` and ``slow_after`` are the
    front-end's (pytest captures output itself; the CLI names a slow case on stderr)."""
    selection = plan_selection(options, cases)
    options = selection.options
    perf = options.perf or options.perf_fail is not None
    if perf and options.isolated:
        raise DlconformError(
            "--perf times the target in this process: it cannot be combined with --isolate, --timeout or --memory"
        )
    source = adapter_source(options) or target_source(options.target, options.profile, options.binds, options.isolated)
    if options.isolated and not options.adapter and not isinstance(source, str | os.PathLike):
        raise DlconformError(
            "--isolate (and --timeout, --memory) check a TARGET file, notebook or module, not a --profile or --bind"
        )
    support = selection.assignment.support_files if selection.assignment else ()
    limits = limits_of(options, support) if options.isolated or options.adapter else None
    known, label, baseline_notes = plan_baseline(options, selection.cases)
    hint = profile_hint(options.target)
    return Plan(
        source,
        selection.cases,
        isolation=limits,
        options=Options(options.rtol, options.atol, options.strict_dtype),
        notes=(*selection.notes, *baseline_notes, *hint),
        perf_cases=selection.every if perf else None,
        hints=True,
        baseline=known,
        baseline_label=label,
        suite_keys=frozenset(c.key for c in (*selection.every, *selection.cases)) if known is not None else None,
        capture=capture,
        maxfail=options.maxfail,
        slow_after=slow_after,
        curves=options.plots,
        assignment=selection.assignment,
        gate=Gate(options.strict_baseline, options.perf_fail, options.fail_under, options.write_baseline is not None),
    )


def plan_selection(
    options: RunOptions, cases: Iterable[Case] | None = None, assignment: Assignment | None = None
) -> Selection:
    """The cases ``options`` select (from ``cases`` given, else the vector files), narrowed to the assignment's
    functions (``assignment``, else the one the options name), which must all have cases."""
    chosen = assignment or _assignment(options)
    if chosen is not None:
        from dlconform.grading.assignment import graded_functions

        options = replace(options, functions=graded_functions(chosen, options.functions))
    if chosen is not None and options.timeout is None and chosen.timeout:
        options = replace(options, timeout=chosen.timeout)
    given = None if cases is None else tuple(cases)  # run as given: the vector files only for random domains
    files = [] if given is not None and not options.random_n else _files(options, chosen)
    every = tuple(iter_cases(files)) if given is None else given
    if chosen is not None:
        from dlconform.grading.assignment import check_coverage

        check_coverage(chosen, options.functions, (c.function for c in every))
    selected, notes = _cases(options, files, every, given=given is not None)
    return Selection(options, chosen, tuple(files), every, tuple(selected), tuple(notes))


def _files(options: RunOptions, chosen: Assignment | None) -> list[VectorFile]:
    """The vector files of a run: the bundled suite unless --no-bundled, --vectors, and the assignment's own."""
    from dlconform.format.suite import suite_files

    return suite_files(options.vectors, options.no_bundled, chosen.vectors if chosen else ())


def _assignment(options: RunOptions) -> Assignment | None:
    """The assignment named by ``options`` (None without one); --fail-under needs one."""
    if options.fail_under is not None and not options.assignment:
        raise DlconformError("--fail-under SCORE needs --assignment: it compares the assignment's score")
    if not options.assignment:
        return None
    from dlconform.grading.assignment import load_assignment  # YAML and more: only when asked for

    return load_assignment(options.assignment)


def _cases(
    options: RunOptions, files: list[VectorFile], pool: tuple[Case, ...], given: bool
) -> tuple[list[Case], list[str]]:
    """The selected cases (in each of --dtypes), with the random ones and the notes saying how they were drawn."""
    selected = select(pool, options.functions, options.tags, options.exclude_tags, options.keyword, keep_large=given)
    if options.dtypes is not None:
        from dlconform.run.dtypes import expand, parse_dtypes

        selected = expand(selected, parse_dtypes(",".join(options.dtypes)))
    if not selected:
        raise SelectionError("no case matches the selection")
    if not options.random_n:
        return selected, []
    from dlconform.run.random_cases import with_random  # random and hashlib cost start-up time

    return with_random(selected, files, options.random_n, options.seed)


def target_source(target: Any, profile: str | None, binds: Sequence[str], isolated: bool = False) -> Any:
    """What ``open_target`` opens for TARGET, or for --profile and --bind: the target, or the library's Bindings.

    Without either, an ``isolated`` run gets empty Bindings, which ``open_target`` refuses to isolate."""
    from dlconform.targets.open import Bindings

    if target is not None and (profile or binds):
        raise DlconformError("give a TARGET or --profile/--bind, not both")
    if target is not None:
        return target
    if not (profile or binds or isolated):
        raise DlconformError(
            "missing TARGET (a file, notebook or module), or --profile NAME, or --bind FUNCTION=module:callable"
        )
    return Bindings(profile, tuple(binds))


def profile_hint(target: Any) -> tuple[str, ...]:
    """A note when a module TARGET is also a shipped profile's name (``run torch``): the run checks that module's
    attributes by the tutorial's names, which is rarely what was meant."""
    if not isinstance(target, str) or not target.isidentifier() or os.path.exists(target):
        return ()
    from dlconform.targets.profiles.model import builtin_names

    if target not in builtin_names():
        return ()
    return (
        f"'{target}' is checked as a module, by the tutorial's function names; to check the library through its "
        f"profile (its own functions bound to the catalogue's), give --profile {target}",
    )


def adapter_source(options: RunOptions) -> Any:
    """What ``open_target`` opens for --adapter COMMAND (None without it); it cannot be given with a TARGET."""
    if options.adapter is None:
        return None
    if options.target is not None or options.profile or options.binds:
        raise DlconformError("give --adapter COMMAND or a TARGET, --profile or --bind, not both")
    from dlconform.targets.open import Adapter

    return Adapter(options.adapter)


def limits_of(options: RunOptions, support: tuple[str, ...] = ()) -> Limits:
    """The worker limits of ``options`` (and an assignment's support files)."""
    from dlconform.targets.isolate.spawn import worker_limits  # it imports the sandbox

    return worker_limits(options.timeout, options.memory, options.sandbox, options.budget, support)


def plan_baseline(options: RunOptions, selected: Sequence[Case]) -> tuple[Baseline | None, str | None, list[str]]:
    """The run's baseline, its label and notes: --baseline, else the baseline shipped beside --profile's file.

    A shipped baseline describes the profile's own callables: its entries for functions --bind re-binds are left
    out, and the report says so; under --dtypes it covers a case@dtype only where an entry names it."""
    shipped = options.baseline is None and options.profile is not None and options.target is None
    path = shipped_baseline(options.profile) if shipped and options.profile else options.baseline
    if options.strict_baseline and not path:
        raise DlconformError("--strict-baseline needs --baseline FILE")
    if not path:
        return None, None, []
    from dlconform.run.baseline import Baseline, load_baseline

    known = load_baseline(path)
    notes = []
    rebound = {canonical(b.partition("=")[0].strip()) for b in options.binds} if shipped else set()
    dropped = sorted({k.partition("::")[0] for k in known.entries} & {str(f) for f in rebound if f})
    if dropped:
        kept = {k: e for k, e in known.entries.items() if k.partition("::")[0] not in dropped}
        notes.append(
            f"baseline {path}: its {len(known.entries) - len(kept)} entries for {', '.join(dropped)} are left out: "
            "--bind replaces the profile's callables they describe"
        )
        known = Baseline(known.path, kept)
    uncovered = [c.key for c in selected if options.dtypes and _in_other_dtype(c.key, known)]
    if uncovered:
        notes.append(
            f"baseline {path}: {len(uncovered)} cases run under --dtypes are not covered (e.g. {uncovered[0]}): "
            "an entry covers a case@dtype only when it names it"
        )
    return known, path, notes


def _in_other_dtype(key: str, known: Baseline) -> bool:
    """Whether ``key`` is a case@dtype whose case the baseline names, but not the case in that dtype."""
    stored, _, dtype = key.rpartition("@")
    return dtype in FLOAT_DTYPES and key not in known.entries and stored in known.entries


def shipped_baseline(profile: str) -> str | None:
    """The baseline file shipped beside a profile (``NAME.baseline.yaml``), read from the profile file alone."""
    from dlconform.targets.profiles.model import load_profile

    found = load_profile(profile).baseline
    return str(found) if found is not None else None
