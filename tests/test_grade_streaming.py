"""A batch writes each submission's --out files as it finishes and keeps nothing of its report (issue 22, point 4:
grader memory flat at scale); a batch stopped half-way leaves a folder consistent with what it graded."""

from __future__ import annotations

import csv
import gc
import io
import weakref
from pathlib import Path

import pytest
from dlconform.grading.batch import GradeRequest, grade, grade_all
from dlconform.grading.errors import GradeError
from dlconform.grading.gradebook import GRADEBOOK, Outputs, gradebook_csv, merge, report_name
from dlconform.grading.outdir import RECORD, recorded
from dlconform.results import Graded
from dlconform.run.options import RunOptions

ROOT = Path(__file__).resolve().parents[1]
CAREFUL = (ROOT / "examples" / "careful.py").read_text(encoding="utf-8")
WRONG = CAREFUL + "\n\ndef relu(x):\n    return np.abs(x)\n"
RUN = RunOptions(functions=("relu",), keyword="core", isolate=True, timeout=20)


class Stop(Exception):
    """What stops a batch half-way in these tests (a Ctrl-C, a full disk)."""


def _submissions(folder: Path, *names: str) -> list[str]:
    """Submissions named ``names`` in ``folder``: those with "wrong" in the name get relu wrong."""
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / name).write_text(WRONG if "wrong" in name else CAREFUL, encoding="utf-8")
    return [str(folder / name) for name in sorted(names)]


def _gradebook(out: Path) -> list[str]:
    """The submissions the gradebook in ``out`` lists, in its order."""
    rows = csv.DictReader(io.StringIO((out / GRADEBOOK).read_text(encoding="utf-8")))
    return [row["submission"] for row in rows]


def _reports(out: Path) -> list[str]:
    """The report and page names in ``out``."""
    return sorted(p.name for p in out.iterdir() if p.suffix in (".json", ".html"))


def test_each_submission_is_on_disk_as_it_finishes(tmp_path: Path) -> None:
    subs = _submissions(tmp_path / "subs", "a.py", "b_wrong.py", "c.py")
    out = tmp_path / "out"
    seen: list[tuple[list[str], list[str]]] = []

    def look(graded: Graded) -> None:  # called as each finishes, before the next is written
        seen.append((_gradebook(out), _reports(out)))

    grade(GradeRequest(tuple(subs), RUN, out_dir=str(out), html=True), progress=look)
    pages = [(report_name(s), report_name(s).removesuffix(".json") + ".html") for s in subs]
    assert seen == [(subs[: i + 1], sorted(name for pair in pages[: i + 1] for name in pair)) for i in range(3)]
    assert (out / "index.html").is_file() and recorded(out) == {GRADEBOOK, "index.html", *sum(pages, ())}


def test_a_batch_stopped_half_way_leaves_what_it_graded_and_nothing_of_the_run_before(tmp_path: Path) -> None:
    first = _submissions(tmp_path / "subs", "a.py", "b_wrong.py", "c.py")
    out = tmp_path / "out"
    grade(GradeRequest(tuple(first), RUN, out_dir=str(out)))
    assert _gradebook(out) == first
    second = _submissions(tmp_path / "subs", "d_wrong.py")
    again = [first[0], first[1], *second]  # a and b graded again, c no longer, d new

    done: list[str] = []

    def stop_after_two(graded: Graded) -> None:
        done.append(graded.submission)
        if len(done) == 2:
            raise Stop

    with pytest.raises(Stop):
        grade(GradeRequest(tuple(again), RUN, out_dir=str(out)), progress=stop_after_two)
    assert _gradebook(out) == again[:2]  # this run's two, not the run before's three
    assert _reports(out) == sorted(report_name(s) for s in again[:2])  # c's report of the run before is gone
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert recorded(out) >= {report_name(s) for s in first + again}  # what either run may have written: a rerun
    outcome = grade(GradeRequest(tuple(again), RUN, out_dir=str(out)))  # ...takes the folder and clears it
    assert _gradebook(out) == again and _reports(out) == sorted(map(report_name, again))
    assert recorded(out) == {GRADEBOOK, *map(report_name, again)} and (out / RECORD).is_file()
    assert (out / GRADEBOOK).read_text(encoding="utf-8") == gradebook_csv(outcome.graded, ["relu"])


def test_a_report_that_cannot_be_written_stops_the_batch_with_the_gradebook_of_those_graded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dlconform import report as reports

    subs = _submissions(tmp_path / "subs", "a.py", "b_wrong.py", "c.py")
    rendered: list[object] = []
    real = reports.render

    def full_disk_at_the_second(*args: object, **kwargs: object) -> str:
        rendered.append(args[0])
        if len(rendered) == 2:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reports, "render", full_disk_at_the_second)
    out = tmp_path / "out"
    with pytest.raises(GradeError, match=f"cannot write to {out}: No space left on device"):
        grade(GradeRequest(tuple(subs), RUN, out_dir=str(out), jobs=1))
    assert _gradebook(out) == subs[:2]  # written before the report: the grade is there whatever stops the rest
    assert _reports(out) == [report_name(subs[0])]


def test_the_command_s_batch_keeps_no_report_once_written(tmp_path: Path) -> None:
    subs = _submissions(tmp_path / "subs", "a.py", "b_wrong.py", "c.py", "d.py")
    alive: list[weakref.ref[object]] = []
    left: list[int] = []

    def watch(graded: Graded) -> None:
        gc.collect()
        left.append(sum(ref() is not None for ref in alive))  # earlier submissions' reports still in memory
        alive.append(weakref.ref(graded.report))

    outcome = grade(GradeRequest(tuple(subs), RUN, out_dir=str(tmp_path / "out"), jobs=2), progress=watch, keep=False)
    assert left == [0, 0, 0, 0] and outcome.graded == []
    assert _gradebook(tmp_path / "out") == subs


def test_the_gradebook_is_in_submission_order_whatever_order_they_finish_in(tmp_path: Path) -> None:
    subs = _submissions(tmp_path / "subs", "a.py", "b_wrong.py", "c.py")
    graded = grade_all(subs, [c for c in _cases() if c.function == "relu"], jobs=2)
    assert [g.submission for g in graded] == subs
    out = Outputs(subs, ["relu"], tmp_path / "out")
    booked = []
    for g in reversed(graded):  # c finishes first, a last
        out.add(g)
        booked.append(_gradebook(tmp_path / "out"))
    out.close()
    assert booked == [subs[2:], subs[1:], subs]
    assert (tmp_path / "out" / GRADEBOOK).read_text(encoding="utf-8") == gradebook_csv(graded, ["relu"])


def _cases() -> list:
    from dlconform.format.suite import iter_cases, load_files

    return [c for c in iter_cases(load_files()) if "core" in c.tags]


def test_merge_refuses_a_shard_whose_grading_stopped_half_way(tmp_path: Path) -> None:
    subs = _submissions(tmp_path / "subs", "a.py", "b_wrong.py", "c.py", "d.py")
    shards = [tmp_path / "s1", tmp_path / "s2"]
    grade(GradeRequest(tuple(subs), RUN, out_dir=str(shards[0]), shard="1/2"))

    def stop(graded: Graded) -> None:
        raise Stop

    with pytest.raises(Stop):
        grade(GradeRequest(tuple(subs), RUN, out_dir=str(shards[1]), shard="2/2", jobs=1), progress=stop)
    assert _gradebook(shards[1]) == [subs[1]]  # b graded, d not reached: merged, d would be left out unsaid
    with pytest.raises(GradeError, match=rf"^{shards[1]}: its grading did not finish \(1 files missing: "):
        merge(shards, tmp_path / "all")
    assert not (tmp_path / "all").exists()
    grade(GradeRequest(tuple(subs), RUN, out_dir=str(shards[1]), shard="2/2"))
    assert merge(shards, tmp_path / "all") == 4 and _gradebook(tmp_path / "all") == subs
