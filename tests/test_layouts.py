"""Layout variants: core cases run again with Fortran-order, strided, reversed and 0-d inputs, everywhere a case runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dlconform.api import case_inputs, check
from dlconform.catalogue import FUNCTIONS
from dlconform.format.layouts import ARRAY_LAYOUTS, differs, lay_out, layout_of
from dlconform.format.repro import repro
from dlconform.format.suite import iter_cases, load_files
from dlconform.judge.hints import with_hints
from dlconform.run.baseline import load_baseline
from dlconform.run.engine import run_cases
from dlconform.run.pipeline import Plan, execute
from dlconform.run.select import select
from dlconform.targets.isolate.protocol import ProtocolError, decode_value, encode_value
from dlconform.targets.isolate.spawn import Limits
from dlconform.targets.open import open_target

ALL = select(iter_cases(load_files()))
VARIANTS = [c for c in ALL if c.layout is not None]
STORED = {c.key: c for c in ALL if c.layout is None}
MATRIX = np.arange(12.0).reshape(3, 4) - 5.5


@pytest.mark.parametrize("layout", ARRAY_LAYOUTS)
def test_a_layout_holds_the_same_values_and_is_told_back(layout: str) -> None:
    laid = lay_out(MATRIX, layout)
    assert np.array_equal(laid, MATRIX) and laid.dtype == MATRIX.dtype
    assert layout_of(laid) == layout and not np.shares_memory(laid, MATRIX)
    assert layout_of(MATRIX) is None


def test_layouts_that_change_nothing_make_no_variant() -> None:
    assert not differs(np.arange(3.0), "fortran")  # a 1-D array is both C and Fortran ordered
    assert not differs(np.array([[1.0]]), "strided")  # one element has no stride
    assert differs(np.arange(3.0), "reversed")


def test_every_variant_is_a_core_case_in_a_layout_its_function_declares() -> None:
    assert len(VARIANTS) > 150
    for case in VARIANTS:
        stem, layout = case.id.rsplit("@", 1)
        stored = STORED[f"{case.function}::{stem}"]
        assert layout == case.layout and layout in FUNCTIONS[case.function].memory_layouts, case.key
        assert "core" in stored.tags and (case.tags, case.level, case.hidden) == (
            stored.tags,
            stored.level,
            stored.hidden,
        )
        assert case.expected is stored.expected and case.expected_any is stored.expected_any
    assert len({c.key for c in ALL}) == len(ALL)
    assert not any(c.function == "basic_sigmoid" for c in VARIANTS)  # a real number only
    assert {c.layout for c in VARIANTS} == {"fortran", "strided", "reversed", "0d"}


def test_zero_d_variants_replace_scalars_by_0d_arrays() -> None:
    zero_d = [c for c in VARIANTS if c.layout == "0d"]
    assert zero_d
    for case in zero_d:
        stored = STORED[case.key.removesuffix("@0d")]
        for before, after in zip(stored.args, case.args, strict=True):
            if not isinstance(before, np.ndarray):
                assert isinstance(after, np.ndarray) and after.ndim == 0 and after.item() == before


def test_the_target_receives_the_layout_in_process_and_in_a_worker(tmp_path: Path) -> None:
    seen: list[str | None] = []

    def spy(x):
        seen.append(layout_of(np.asarray(x)))
        return FUNCTIONS["sigmoid"].impl(x)

    cases = [c for c in ALL if c.function == "sigmoid" and c.id.startswith("core-matrix")]
    assert [c.layout for c in cases] == [None, "fortran", "strided", "reversed"]
    assert all(r.outcome == "passed" for r in run_cases(cases, lambda _: spy))
    assert seen == [None, "fortran", "strided", "reversed"]

    # a worker gets the layout too: a reshape in memory order (order='A') fails only on the Fortran input
    source = tmp_path / "order_a.py"
    source.write_text(
        "import numpy as np\n\ndef image2vector(image):\n    return np.reshape(image, (-1, 1), order='A')\n"
    )
    chosen = [c for c in ALL if c.key.startswith("image2vector::core-rgb-channels-last")]
    with open_target(str(source), isolation=Limits(timeout=5.0, memory=1 << 30)) as target:
        report = execute(Plan(target, tuple(chosen)))
    outcomes = {r.id: r.outcome for r in report.results}
    assert outcomes == {
        "core-rgb-channels-last": "passed",
        "core-rgb-channels-last@fortran": "failed",
        "core-rgb-channels-last@strided": "passed",
        "core-rgb-channels-last@reversed": "passed",
    }


@pytest.mark.parametrize("layout", ARRAY_LAYOUTS)
def test_the_protocol_carries_a_layout(layout: str) -> None:
    blobs: list = []
    tagged = encode_value(lay_out(MATRIX, layout), blobs)
    assert tagged["layout"] == layout
    back = decode_value(tagged, blobs)
    assert layout_of(back) == layout and np.array_equal(back, MATRIX)
    with pytest.raises(ProtocolError, match="unknown memory layout"):
        decode_value({**tagged, "layout": "sideways"}, blobs)


def test_repro_lines_fetch_the_layout() -> None:
    case = next(c for c in VARIANTS if c.layout == "fortran" and c.function == "image2vector")
    assert repro(case) == f"{case.function}(*dlconform_case({case.key!r}))"
    (image,) = case_inputs(case.key)
    assert layout_of(image) == "fortran" and np.array_equal(image, case.args[0])
    reversed_case = next(c for c in VARIANTS if c.layout == "reversed")
    assert layout_of(case_inputs(reversed_case.key)[0]) == "reversed"
    zero_d = next(c for c in VARIANTS if c.layout == "0d" and len(c.args) == 1)
    assert repro(zero_d).startswith(f"{zero_d.function}(np.array(")  # a 0-d array spells itself
    floats = next(c for c in VARIANTS if c.layout == "fortran" and c.function == "sigmoid")
    (x,) = case_inputs(f"{floats.key}@float32")  # --dtypes on top of a layout
    assert x.dtype == np.float32 and layout_of(x) == "fortran"


def test_selection_and_baselines_name_variants(tmp_path: Path) -> None:
    fortran = select(ALL, keyword="fortran")
    assert fortran and {c.layout for c in fortran} == {"fortran"}
    path = tmp_path / "known.yaml"
    key = fortran[0].key
    path.write_text(f"- id: '{key}'\n  reason: a layout this library mishandles\n  failure: value\n  outcome: failed\n")
    assert key in load_baseline(path).entries


def test_a_variant_failing_where_its_case_passes_gets_the_layout_hint() -> None:
    def order_a(image):
        return np.reshape(image, (-1, 1), order="A")

    def image_3d_only(image):
        return np.reshape(image, (image.shape[0] * image.shape[1] * image.shape[2], 1), order="A")

    stems = ("image2vector::core-rgb-channels-last", "image2vector::core-2d")
    cases = [c for c in ALL if c.key.split("@")[0] in stems]
    hints = {
        (fn.__name__, r.id): r.details.get("hint")
        for fn in (order_a, image_3d_only)
        for r in with_hints(check({"image2vector": fn}, cases=cases), cases).results
        if r.outcome != "passed"
    }
    assert "in fortran layout" in hints["order_a", "core-rgb-channels-last@fortran"]
    assert ("order_a", "core-2d") not in hints  # order='A' is right in C order
    # a variant failing as its case fails (IndexError on a 2-D input) gets its case's hint, not the layout's
    assert hints["image_3d_only", "core-2d@fortran"] == hints["image_3d_only", "core-2d"]
    assert "C-ordered" not in hints["image_3d_only", "core-2d"]  # (its file, test_layouts.py, is named: not that)
