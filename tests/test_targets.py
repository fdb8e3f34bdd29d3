"""Loading targets: files, modules, objects in modules; load errors and specs that name nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from dlconform import reference
from dlconform.catalogue import FUNCTIONS
from dlconform.targets.load import ModuleTarget, TargetNotFound
from dlconform.targets.open import open_target
from dlconform.targets.resolver import Unavailable

FAKES = Path(__file__).parent / "fakes"


def test_file_target_imports_its_sibling_and_reports_its_version():
    before = list(sys.path)
    target = open_target(str(FAKES / "uses_sibling.py"))
    assert sys.path == before
    assert target.load_error is None
    assert target.info["kind"] == "file"
    assert target.info["path"] == str((FAKES / "uses_sibling.py").resolve())
    assert target.info["version"] == "1.2.3"
    assert target.resolve("sigmoid") is reference.sigmoid
    assert target.resolve("normalizeRows") is reference.normalizeRows  # found by its alias normalize_rows


def test_missing_function_names_the_aliases_it_looked_for():
    target = open_target(str(FAKES / "uses_sibling.py"))
    missing = target.resolve("image2vector")
    assert missing == Unavailable("target has no image2vector (or alias image_to_vector)", "error", "missing")
    assert target.resolve("tanh").reason == "target has no tanh"


def test_files_with_the_same_name_do_not_share_a_module(tmp_path):
    for folder, value in (("a", 1), ("b", 2)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "solution.py").write_text(f"def relu(x):\n    return {value}\n")
    first = open_target(str(tmp_path / "a" / "solution.py"))
    second = open_target(str(tmp_path / "b" / "solution.py"))
    assert first.resolve("relu")(0) == 1
    assert second.resolve("relu")(0) == 2


def test_main_block_does_not_run(tmp_path):
    path = tmp_path / "script.py"
    path.write_text("def relu(x):\n    return x\n\nif __name__ == '__main__':\n    raise SystemExit('ran main')\n")
    assert open_target(str(path)).load_error is None


def test_a_top_level_statement_that_raises_is_skipped_and_definitions_survive():
    target = open_target(str(FAKES / "import_error.py"))
    assert target.load_error is None and target.info["load_error"] is None
    assert target.resolve("sigmoid") is reference.sigmoid
    assert "import_error.py line 5 skipped ('raise RuntimeError(\"cannot find weights.npz\")'): " in target.warnings[0]
    assert target.warnings[0].endswith("RuntimeError: cannot find weights.npz")
    missing = target.resolve("relu")
    assert isinstance(missing, Unavailable) and (missing.outcome, missing.failure) == ("error", "missing")


def test_a_file_that_does_not_parse_is_a_load_error(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("def relu(x):\n    return max(x, 0)\n\ndef sigmoid(x):\n    return (x\n")
    target = open_target(str(path))
    assert target.load_error.startswith("SyntaxError: ") and "line 5" in target.load_error
    for name in ("sigmoid", "relu"):  # nothing of a file that does not parse runs
        found = target.resolve(name)
        assert isinstance(found, Unavailable) and (found.outcome, found.failure) == ("error", "import-error")
    assert target.info["module"] not in sys.modules


def test_sys_exit_during_import_is_skipped(tmp_path):
    path = tmp_path / "quits.py"
    path.write_text("import sys\nsys.exit(4)\ndef relu(x):\n    return max(x, 0)\n")
    target = open_target(str(path))
    assert target.load_error is None and callable(target.resolve("relu"))
    assert target.warnings == ["quits.py line 2 skipped ('sys.exit(4)'): SystemExit: 4"]


def test_prints_during_import_are_captured(capfd):
    target = open_target(str(FAKES / "noisy.py"))
    assert capfd.readouterr().out == ""
    assert "hello from the target" in target.output
    assert any("hello from the target" in w for w in target.warnings)


def test_input_during_import_does_not_wait(tmp_path):
    path = tmp_path / "asks.py"
    path.write_text("name = input('name? ')\n")
    (warning,) = open_target(str(path)).warnings
    assert "InteractiveCall: input() waits for a person" in warning


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no_such_file.py", "no such file: no_such_file.py"),
        ("missing/notebook.ipynb", "no such file: missing/notebook.ipynb"),
        ("tests/fakes/vectors", "tests/fakes/vectors is a folder"),
        ("not a spec!", "is not a .py file, a .ipynb notebook or a module path"),
        ("no_such_module_xyz", "no module named 'no_such_module_xyz'"),
        ("dlconform.reference.no_such_submodule", "no module named 'dlconform.reference.no_such_submodule'"),
        ("tests.fakes.namespaces:Missing", "has no attribute 'Missing'"),
        ("pyproject.toml", "not a .py file or a .ipynb notebook"),
    ],
)
def test_specs_that_name_nothing(spec, message):
    with pytest.raises(TargetNotFound, match=message.replace("(", r"\(").replace(".", r"\.")):
        open_target(spec)


def test_module_whose_dependency_is_missing_is_a_load_error_not_a_usage_error(tmp_path, monkeypatch):
    (tmp_path / "needs_dep.py").write_text("import not_a_real_dependency_xyz\n")
    monkeypatch.chdir(tmp_path)
    target = open_target("needs_dep")
    assert target.load_error == "ModuleNotFoundError: No module named 'not_a_real_dependency_xyz'"


def test_module_in_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "my_solution_mod.py").write_text("__version__ = (2, 0)\nfrom dlconform.reference import relu\n")
    monkeypatch.chdir(tmp_path)
    target = open_target("my_solution_mod")
    assert target.info["kind"] == "module"
    assert target.info["version"] == "2.0"
    assert target.resolve("relu") is reference.relu


@pytest.mark.parametrize("obj", ["Impl", "IMPL"])
def test_object_in_a_module(obj):
    target = open_target(f"tests.fakes.namespaces:{obj}")
    assert target.info["kind"] == "object"
    assert target.info["path"].endswith("namespaces.py")
    assert target.resolve("sigmoid") is reference.sigmoid
    assert target.resolve("normalizeRows") is reference.normalizeRows


def test_a_name_that_is_not_callable_is_unavailable():
    found = open_target("tests.fakes.namespaces:NOT_CALLABLE").resolve("sigmoid")
    assert found == Unavailable("target's sigmoid is a float, not a function", "error", "missing")


def test_reference_module_resolves_every_function():
    target = open_target("dlconform.reference")
    for name, spec in FUNCTIONS.items():
        assert target.resolve(name) is spec.impl


def test_open_target_accepts_modules_mappings_objects_and_targets():
    assert open_target(reference).info["kind"] == "module"
    mapping = open_target({"relu": reference.relu})
    assert mapping.info["kind"] == "mapping"
    assert mapping.resolve("relu") is reference.relu
    assert open_target(object()).info["kind"] == "object"
    loaded = ModuleTarget(reference, {"kind": "module"})
    assert open_target(loaded) is loaded
    assert open_target(FAKES / "uses_sibling.py").info["kind"] == "file"


def test_lookup_that_raises_is_unavailable_not_a_crash():
    class Exploding:
        def __getattr__(self, name):
            raise RuntimeError("no attribute access here")

    found = open_target(Exploding()).resolve("relu")
    assert isinstance(found, Unavailable)
    assert "RuntimeError: no attribute access here" in found.reason
