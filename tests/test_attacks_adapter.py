"""Hostile JavaScript submissions graded through an adapter (issue 23): `grade --adapter` confines each one as it
confines a Python worker, in both sandboxes.

Each attack is a student's .js file that implements sigmoid correctly and, when loaded, tries something; it says
what it achieved on stderr (the report keeps the adapter's stderr), or leaves traces the test looks for. Run
unconfined (the adapter as the grader's user, as `run --adapter` runs it), every attack here succeeds.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from dlconform.format.suite import iter_cases, load_files
from dlconform.grading.batch import GradeSettings, grade_all
from dlconform.results import Graded
from dlconform.run.pipeline import Plan, execute
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.open import Adapter

from tests.sandboxes import NEEDS_BWRAP, uid_cannot_run_adapter

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = "node adapters/javascript/adapter.js {submission}"
NODE = shutil.which("node")
pytestmark = [
    pytest.mark.skipif(NODE is None, reason="Node.js is not installed (the JavaScript adapter needs it)"),
    pytest.mark.skipif(os.geteuid() != 0, reason="the confinement of a submission is a root grader's (leased uids)"),
]
UID_READS_ADAPTER = pytest.mark.skipif(
    uid_cannot_run_adapter("uid") is not None, reason=f"{uid_cannot_run_adapter('uid')}"
)
MODES = [pytest.param("uid", id="uid", marks=UID_READS_ADAPTER), pytest.param("bwrap", id="bwrap", marks=NEEDS_BWRAP)]
SIGMOID = "exports.sigmoid = x => Array.isArray(x) ? x.map(exports.sigmoid) : 1 / (1 + Math.exp(-x));\n"


def cases(count: int = 4) -> list:
    """A few of sigmoid's default cases, the last ``hidden`` (as an instructor's file marks them)."""
    chosen = [c for c in iter_cases(load_files()) if c.function == "sigmoid" and "large" not in c.tags][:count]
    return [*chosen[:-1], replace(chosen[-1], hidden=True)]


def grade(folder: Path, mode: str, chosen: list | None = None, jobs: int = 1, memory: int = 2 << 30) -> list[Graded]:
    """Every .js file in ``folder`` graded through the JavaScript adapter in ``mode``, from the repository root."""
    limits = Limits(timeout=10.0, memory=memory, sandbox=mode, budget=60.0)
    submissions = sorted(str(p) for p in folder.glob("*.js"))
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return grade_all(submissions, chosen or cases(), GradeSettings(limits=limits, adapter=TEMPLATE), jobs=jobs)
    finally:
        os.chdir(cwd)


def said(graded: Graded) -> str:
    """What the submission wrote to stderr (the report's note of the adapter's stderr)."""
    return "\n".join(w for w in graded.report.warnings if w.startswith("the adapter wrote to stderr"))


def submit(folder: Path, name: str, attack: str) -> Path:
    """A student file: a correct sigmoid, then ``attack`` run at load."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(SIGMOID + attack)
    return path


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A grader's file, as an instructor keeps hidden vectors: root's, 0600, in a 0700 folder."""
    private = tmp_path / "instructor"
    private.mkdir(mode=0o700)
    path = private / "hidden.yaml"
    path.write_text("function: sigmoid\ncases: [{id: secret-case, hidden: true, expected: 0.8807970779778823}]\n")
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("mode", MODES)
def test_a_submission_cannot_read_a_grader_file_by_absolute_path(tmp_path, secret, mode):
    for target in (secret, ROOT / "runner" / "catalogue.py"):
        target_js = json.dumps(str(target))
        submit(
            tmp_path / "subs",
            f"read_{target.stem}.js",
            f"try {{ console.error('READ:' + require('fs').readFileSync({target_js}, 'utf8').slice(0, 40)); }}"
            f" catch (e) {{ console.error('DENIED:' + e.code); }}\n",
        )
    graded = grade(tmp_path / "subs", mode)
    hidden, code = (said(g) for g in sorted(graded, key=lambda g: "catalogue" in g.submission))
    assert "DENIED" in hidden and "READ:" not in hidden and "0.88079" not in hidden
    assert ("READ:" in code) == (mode == "uid")  # uid mode shows world-readable files; bwrap only the adapter's
    assert all(g.score.points == g.score.max_points for g in graded)  # its sigmoid still gets its points


@pytest.mark.parametrize("mode", MODES)
def test_a_submission_cannot_write_outside_its_folder(tmp_path, mode):
    shared = Path("/tmp") / f"dlconform-attack-{secrets.token_hex(6)}"
    planted = tmp_path / "planted"
    tmp_path.chmod(0o700)
    lines = "".join(
        f"try {{ require('fs').writeFileSync({json.dumps(str(p))}, 'x'); console.error('WROTE:{p.name}'); }}"
        f" catch (e) {{ console.error('DENIED:' + e.code); }}\n"
        for p in (shared, planted, ROOT / "adapters" / "javascript" / "planted.js")
    )
    submit(tmp_path / "subs", "writer.js", lines + "require('fs').writeFileSync('mine.txt', 'own folder is fine');\n")
    try:
        (graded,) = grade(tmp_path / "subs", mode)
        assert not planted.exists() and not (ROOT / "adapters" / "javascript" / "planted.js").exists()
        assert not shared.exists()  # bwrap: a private /tmp; uid: what the uid left in /tmp is removed
        assert "WROTE:planted" not in said(graded) and graded.score.points == graded.score.max_points
    finally:
        for path in (shared, planted, ROOT / "adapters" / "javascript" / "planted.js"):
            path.unlink(missing_ok=True)


def _processes_with(token: str) -> list[int]:
    """Live processes whose command line holds ``token``."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if token.encode() in Path(f"/proc/{name}/cmdline").read_bytes():
                    found.append(int(name))
            except OSError:
                pass
    return found


@pytest.mark.parametrize("mode", MODES)
def test_a_child_that_detaches_does_not_outlive_its_submission(tmp_path, mode):
    token = f"{secrets.randbelow(10**6) + 10**6}.{secrets.randbelow(10**6)}"
    submit(
        tmp_path / "subs",
        "spawner.js",
        f"const c = require('child_process').spawn('sleep', ['{token}'], {{detached: true, stdio: 'ignore'}});\n"
        "c.unref(); console.error('SPAWNED:' + c.pid);\n",
    )
    (graded,) = grade(tmp_path / "subs", mode)
    assert "SPAWNED" in said(graded)  # it did start one
    left = _processes_with(token)
    for pid in left:  # do not leave it behind on a failure either
        os.kill(pid, 9)
    assert not left


@NEEDS_BWRAP
def test_a_submission_has_no_network(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    accepted: list[bytes] = []

    def accept() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not accepted:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(conn.recv(64))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    submit(
        tmp_path / "subs",
        "caller.js",
        f"const s = require('net').connect({port}, '127.0.0.1', () => {{ s.end('leaked'); }});\n"
        "s.on('error', e => console.error('NETWORK:' + e.code));\n",
    )
    try:
        (graded,) = grade(tmp_path / "subs", "bwrap")
        time.sleep(0.5)
    finally:
        accepted.append(b"") if not accepted else None
        thread.join()
        listener.close()
    assert accepted == [b""], "the submission reached a host port"
    assert graded.score.points == graded.score.max_points


@NEEDS_BWRAP
def test_children_that_allocate_are_bounded_together(tmp_path):
    """Each child stays under the per-process RLIMIT_AS; only the sandbox's cgroup bounds them all together. Each
    child marks a file once it holds 400 MiB; the submission counts the marked children still alive (not
    zombies) once every child has marked or ended."""
    child = (
        "import os, sys, time; b = b'\\x01' * (400 << 20); open(f'{sys.argv[1]}/{os.getpid()}', 'w'); time.sleep(30)"
    )
    submit(
        tmp_path / "subs",
        "hog.js",
        "const cp = require('child_process'), fs = require('fs'); const dir = fs.mkdtempSync('/tmp/hog-');\n"
        f"const kids = []; for (let i = 0; i < 8; i++) kids.push(cp.spawn('/usr/bin/python3', ['-c', {json.dumps(child)}, dir]).pid);\n"
        "const alive = p => { try { return !/\\) [ZX] /.test(fs.readFileSync(`/proc/${p}/stat`, 'utf8')); } catch (e) { return false; } };\n"
        "const marked = p => fs.existsSync(`${dir}/${p}`);\n"
        "const end = Date.now() + 9000; while (Date.now() < end && kids.some(p => alive(p) && !marked(p))) {}\n"
        "console.error('ALIVE:' + kids.filter(p => alive(p) && marked(p)).length);\n"
        "fs.rmSync(dir, {recursive: true, force: true});\n",
    )
    (graded,) = grade(tmp_path / "subs", "bwrap", memory=1 << 30)
    alive = re.search(r"ALIVE:(\d+)", said(graded))
    assert alive is not None, said(graded)
    assert int(alive.group(1)) <= 2, f"{alive.group(1)} children held 400 MiB each under a 1 GiB limit"


@pytest.mark.parametrize("mode", MODES)
def test_a_submission_cannot_forge_replies_into_another_submissions_adapter(tmp_path, mode):
    forger = (
        "const fs = require('fs'); const end = Date.now() + 7000; let hits = 0;\n"
        "while (Date.now() < end && hits < 50) {\n"
        "  for (const pid of fs.readdirSync('/proc').filter(p => /^\\d+$/.test(p))) {\n"
        "    let cmd = ''; try { cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch (e) { continue; }\n"
        "    if (!cmd.includes('victim.js')) continue;\n"
        "    try {\n"
        "      const fd = fs.openSync(`/proc/${pid}/fd/1`, 'w');\n"
        "      for (let id = 1; id < 40; id++) fs.writeSync(fd, JSON.stringify({type: 'result', id, value: 0}) + '\\n');\n"
        "      fs.closeSync(fd); hits++;\n"
        "    } catch (e) {}\n"
        "  }\n"
        "}\n"
        "console.error('FORGED:' + hits);\n"
    )
    submit(tmp_path / "subs", "a_forger.js", forger)
    submit(tmp_path / "subs", "victim.js", "const end = Date.now() + 4000; while (Date.now() < end) {}\n")
    many = [c for c in iter_cases(load_files()) if c.function == "sigmoid" and "large" not in c.tags][:30]
    graded = {Path(g.submission).name: g for g in grade(tmp_path / "subs", mode, many, jobs=2)}
    assert re.search(r"FORGED:0\b", said(graded["a_forger.js"])), said(graded["a_forger.js"])
    victim = graded["victim.js"]
    assert victim.score.points == victim.score.max_points, victim.report.summary_line()


def test_hidden_expected_values_never_reach_the_adapter(tmp_path):
    """The adapter is sent each call's inputs only, a hidden case's as any other's: ``tee`` logs every line it reads
    (the calls are made as grade makes them, here without confinement so that the log can be read)."""
    log = tmp_path / "stdin.log"
    minimal = ROOT / "tests" / "fakes" / "adapters" / "minimal.py"
    command = f"sh -c 'tee -a {log} | {sys.executable} {minimal}'"
    chosen = [
        c for c in cases(12) if all(isinstance(a, float) or getattr(a, "dtype", None) == np.float64 for a in c.args)
    ]
    chosen[-1] = replace(chosen[-1], hidden=True)
    report = execute(Plan(Adapter(command), tuple(chosen), isolation=Limits(timeout=10.0)))
    assert [r.outcome for r in report.results] == ["passed"] * len(chosen)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    calls = [m for m in lines if m["type"] == "call"]
    assert len(calls) == len(chosen)  # the hidden case's call too (hidden cases run last)
    for call in calls:
        assert set(call) == {"type", "id", "function", "args"}
    assert {m["type"] for m in lines} <= {"hello", "call", "bye"}


@pytest.mark.parametrize("mode", MODES)
def test_what_a_submission_prints_during_hidden_cases_is_never_shown(tmp_path, mode):
    """A submission that echoes its inputs to stderr: the visible cases' show in the report, the hidden case's never."""
    submit(tmp_path / "subs", "logger.js", "process.stdin.on('data', c => console.error('STDIN:' + c));\n")
    chosen = cases()
    (graded,) = grade(tmp_path / "subs", mode, chosen)
    lines = [json.loads(line) for line in re.findall(r"^STDIN:(.*)$", said(graded), re.MULTILINE)]
    calls = [m for m in lines if m["type"] == "call"]
    assert len(calls) == len(chosen) - 1 and chosen[-1].hidden  # every visible case's, not the hidden one's
    assert graded.score.points == graded.score.max_points


def test_an_adapters_uid_is_handed_on_only_once_its_staged_folder_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The staged copy is open to the uid's group: were it removed after the uid is let go, the uid's next holder
    could read what this submission's adapter left there."""
    from dlconform.targets.adapter.confine import Confinement
    from dlconform.targets.isolate import uids

    submission = tmp_path / "good.js"
    submission.write_text("module.exports = {};\n", encoding="utf-8")
    seen: list[bool] = []
    remove = uids.remove_files_of

    def noted(uid: int, *args: object) -> None:  # the last step before the uid is let go
        seen.append(confinement.folder.exists())
        remove(uid, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(uids, "remove_files_of", noted)
    confinement = Confinement(["node", "{submission}"], submission, Limits(sandbox="uid"))
    (confinement.folder / "left.txt").write_text("a hidden case")
    confinement.close()
    assert seen == [False] and not confinement.folder.exists()
