"""What grading writes stays the grader's: --out made 0700 and refused if someone else owns it, reveal-hidden
reports 0600, distinct report names, output printed during hidden cases never shown, a load cache no one else
can feed."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from dlconform.format import cache
from dlconform.format.suite import bundled_dir, iter_cases, load_files
from dlconform.grading import gradescope as gs
from dlconform.grading import outdir
from dlconform.grading.batch import GradeSettings, grade_all
from dlconform.grading.gradebook import report_name, write_outputs
from dlconform.targets.isolate.spawn import Limits

ROOT = Path(__file__).resolve().parents[1]
LIMITS = Limits(timeout=5.0, memory=1 << 30, sandbox="uid")
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="handing a folder to another owner needs root")
PRINTS = "import numpy as np\ndef relu(x):\n    print('INPUT', np.asarray(x).tolist())\n    return np.maximum(x, 0)\n"


def relu_cases(hidden_every: int = 0) -> list:
    """The bundled relu cases; with ``hidden_every``, every n-th one made hidden."""
    found = [c for c in iter_cases(load_files([bundled_dir()])) if c.function == "relu" and "large" not in c.tags]
    if hidden_every:
        found = [dataclasses.replace(c, hidden=i % hidden_every == 0) for i, c in enumerate(found)]
    return found


def test_out_is_made_private(tmp_path: Path) -> None:
    out = outdir.prepare(tmp_path / "new" / "out")
    assert stat.S_IMODE(out.stat().st_mode) == 0o700


@ROOT_ONLY
def test_an_out_folder_someone_else_made_first_is_refused(tmp_path: Path) -> None:
    planted = tmp_path / "out"
    planted.mkdir(mode=0o777)
    os.chown(planted, 64999, 64999)
    with pytest.raises(PermissionError, match="belongs to uid 64999"):
        outdir.prepare(planted)
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    with pytest.raises(PermissionError, match="not a folder"):
        outdir.prepare(link)


def test_reports_that_reveal_hidden_cases_are_the_owners_alone(tmp_path: Path) -> None:
    sub = tmp_path / "careful.py"
    sub.write_bytes((ROOT / "examples" / "careful.py").read_bytes())
    graded = grade_all([str(sub)], relu_cases(3), GradeSettings(limits=LIMITS))
    umask = os.umask(0)
    os.umask(umask)
    for reveal, mode in ((False, 0o666 & ~umask), (True, 0o600)):
        out = tmp_path / f"out-{reveal}"
        write_outputs(graded, ["relu"], out, redact_hidden=not reveal)
        assert stat.S_IMODE((out / report_name(str(sub))).stat().st_mode) == mode


def test_names_that_sanitize_alike_get_distinct_stable_reports(tmp_path: Path) -> None:
    names = ["bob hw.py", "bob_hw.py", "日本.py", "中国.py", "alice.py"]
    subs = []
    for name in names:
        (tmp_path / name).write_text(PRINTS, encoding="utf-8")
        subs.append(str(tmp_path / name))
    chosen = outdir.report_names(subs, report_name)
    assert len(set(chosen.values())) == len(names)
    assert chosen[str(tmp_path / "alice.py")] == report_name(str(tmp_path / "alice.py"))  # no clash: plain name
    assert outdir.report_names(list(reversed(subs)), report_name) == chosen  # order does not matter
    graded = grade_all(subs, relu_cases()[:2], GradeSettings(limits=LIMITS))
    write_outputs(graded, ["relu"], tmp_path / "out")
    for sub in subs:
        doc = json.loads((tmp_path / "out" / chosen[sub]).read_text(encoding="utf-8"))
        assert doc["target"]["spec"] == sub


def test_output_printed_during_hidden_cases_is_never_shown(tmp_path: Path) -> None:
    sub = tmp_path / "prints.py"
    sub.write_text(PRINTS, encoding="utf-8")
    cases = relu_cases(2)
    (g,) = grade_all([str(sub)], cases, GradeSettings(limits=LIMITS))
    shown = g.report.target["output"] + json.dumps(gs.results(g, 1.0))
    public = [c for c in cases if not c.hidden]
    hidden = [c for c in cases if c.hidden]
    assert public and hidden
    printed = {c.key: f"INPUT {np.asarray(c.args[0]).tolist()}" for c in cases}
    assert any(printed[c.key] in shown for c in public)
    distinct = [c for c in hidden if all(printed[c.key] != printed[p.key] for p in public)]
    assert distinct and not any(printed[c.key] in shown for c in distinct)


def test_a_cache_folder_or_entry_someone_else_could_write_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("DLCONFORM_CACHE_DIR", str(folder))
    vectors = bundled_dir() / "relu.yaml"
    content = vectors.read_bytes()
    (vf,) = load_files([vectors])
    cache.store(content, False, vf)
    entry = cache.entry_path(folder, content, False)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert cache.load(str(vectors), content, False) is not None
    folder.chmod(0o777)  # a folder anyone may write: not a cache this grader trusts
    assert cache.load(str(vectors), content, False) is None
    folder.chmod(0o700)
    if os.geteuid() == 0:
        os.chown(entry, 64999, 64999)  # an entry written by someone else
        assert cache.load(str(vectors), content, False) is None
