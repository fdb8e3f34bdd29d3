"""Issue 20's limits on the package's shape: runner/cli.py under 400 lines, no function over 60 lines in runner/
(its decorators included), so that neither can grow back unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path

RUNNER = Path(__file__).resolve().parents[1] / "runner"
CLI_LINES = 400
FUNCTION_LINES = 60


def long_functions(source: str, limit: int) -> list[tuple[str, int]]:
    """Each function of ``source`` longer than ``limit`` lines, decorators included: (name, lines)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - first + 1
            if length > limit:
                found.append((node.name, length))
    return found


def test_cli_is_under_its_limit() -> None:
    lines = (RUNNER / "cli.py").read_text(encoding="utf-8").count("\n")
    assert lines < CLI_LINES, f"runner/cli.py has {lines} lines: move logic to the module that owns it"


def test_no_function_in_the_package_is_over_its_limit() -> None:
    found = {
        f"{path.relative_to(RUNNER)}:{name}": length
        for path in sorted(RUNNER.rglob("*.py"))
        for name, length in long_functions(path.read_text(encoding="utf-8"), FUNCTION_LINES)
    }
    assert not found, f"functions over {FUNCTION_LINES} lines: {found}"


def test_the_measure_counts_decorators_and_can_fail() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(59))
    decorated = f"@a\n@b\ndef f():\n{body}\n"  # 2 decorators + def line + 59 lines = 62
    assert long_functions(decorated, FUNCTION_LINES) == [("f", 62)]
    assert long_functions(decorated.replace("@a\n@b\n", ""), FUNCTION_LINES) == []
