"""Issue 20: small parts. No function in ``src/`` over 80 lines (the argparse builder
``cli.build_parser`` excepted: it is one long list of flags), no module over 600 lines.

A function's length runs from its ``def`` (decorators left out) to its last line, docstring
and nested functions included; a module's is its count of lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "myst2qmd"
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 600
#: functions allowed to be longer, as ``module path:qualified name``
EXEMPT = {"cli.py:build_parser"}


def function_lengths(path: Path) -> dict[str, int]:
    """``qualified name → lines`` of every function and method in the module at ``path``."""
    lengths: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                lengths[name] = (child.end_lineno or child.lineno) - child.lineno + 1
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return lengths


def long_functions(root: Path = SRC) -> list[str]:
    """``path:name (n lines)`` of every function over the limit under ``root``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        for name, lines in function_lengths(path).items():
            if lines > MAX_FUNCTION_LINES and f"{relative}:{name}" not in EXEMPT:
                found.append(f"{relative}:{name} ({lines} lines)")
    return found


def long_modules(root: Path = SRC) -> list[str]:
    """``path (n lines)`` of every module over the limit under ``root``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{path.relative_to(root).as_posix()} ({lines} lines)")
    return found


def test_the_measures_see_long_parts(tmp_path: Path) -> None:
    body = "\n".join(f"            x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "long.py").write_text(
        f"class A:\n    def ok(self):\n        pass\n\n    def method(self):\n        def inner():\n{body}\n"
        f"        return inner\n\n\ndef fine():\n    return 1\n",
        encoding="utf-8",
    )
    (tmp_path / "cli.py").write_text("def build_parser():\n" + "    x = 1\n" * 100, encoding="utf-8")
    # a method and the function nested in it; build_parser is exempt
    assert long_functions(tmp_path) == ["long.py:A.method (83 lines)", "long.py:A.method.inner (81 lines)"]
    (tmp_path / "big.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1), encoding="utf-8")
    (tmp_path / "fits.py").write_text("x = 1\n" * MAX_MODULE_LINES, encoding="utf-8")
    assert long_modules(tmp_path) == [f"big.py ({MAX_MODULE_LINES + 1} lines)"]


def test_no_function_over_80_lines() -> None:
    assert long_functions() == []


def test_no_module_over_600_lines() -> None:
    assert long_modules() == []
