"""Issue 10 item 6, issue 20 item 6: the layers run one way.

cli → application → book → translation → convert → constructs → check → quarto → parser → edits
→ config → primitives (:data:`LAYERS`). The
import graph is built from the source (every ``import``, also those inside functions and under
``TYPE_CHECKING``), so a cycle hidden in a function body is found as well as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "myst2qmd"
SRC = Path(__file__).resolve().parent.parent / "src" / PACKAGE


def module_name(path: Path) -> str:
    """``src/myst2qmd/constructs/math.py`` → ``myst2qmd.constructs.math`` (a package's ``__init__`` is the package)."""
    parts = [PACKAGE, *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(SRC.rglob("*.py"))}


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports anywhere in its source.

    ``from . import x`` names the submodule ``x`` when there is one, else the package. The package
    ``__init__`` a submodule import runs on the way is not counted: our ``__init__`` files only
    re-export, lazily, from below."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            subs = {f"{target}.{alias.name}" for alias in node.names}
            found.update(sub for sub in subs if sub in known)
            if not subs <= known:
                found.add(target)
    return {module for module in found if module in known and module != name}


def import_graph() -> dict[str, set[str]]:
    """Every module of the package and the package's modules it imports."""
    paths = modules()
    return {name: imported(name, path, set(paths)) for name, path in paths.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, …, a]``, or ``None`` (depth-first search with colours)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_graph_sees_imports_inside_functions() -> None:
    graph = import_graph()
    assert f"{PACKAGE}.cli" in graph[f"{PACKAGE}.__main__"]  # `from .cli import main` inside a try
    assert f"{PACKAGE}.constructs.registry" in graph[f"{PACKAGE}.convert"]  # `from .constructs import registry`
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_only_main_imports_the_cli() -> None:
    importers = sorted(name for name, targets in import_graph().items() if f"{PACKAGE}.cli" in targets)
    assert importers == [f"{PACKAGE}.__main__"]


#: the layers, top first; a module imports only from its own layer or those below it. A module is
#: named relative to the package; a package's name covers its submodules (``check`` is
#: ``check/*``). Every module is named here: a new one takes its place on purpose.
LAYERS: list[tuple[str, set[str]]] = [
    ("entry", {"__main__"}),
    ("cli", {"cli"}),
    ("application", {"application"}),
    ("book", {"book"}),
    ("translation", {"translate"}),
    ("convert", {"convert", "labelpass", "structure", "walker", "segments", "notebooks", "__init__"}),
    ("constructs", {"constructs"}),
    # reads Quarto output as Quarto (and pandoc) read it, never through the converter's constructs
    ("check", {"check"}),
    # what Quarto text is: writing code into it, reading it with the parser, _quarto.yml
    ("quarto", {"quarto", "quarto_config"}),
    # the MyST dialect: the parse, its quirks, views of the source, directive syntax
    ("parser", {"parser", "nesting", "adapter", "source", "directives", "parsed", "untouched"}),
    # edits on the original text and the lines they move; they never parse
    ("edits", {"edits", "linemap"}),
    ("config", {"config", "paths"}),
    (
        "primitives",
        {"codes", "context", "dialect", "files", "labels", "languages", "yamlload", "macros", "cells"}
        | {"placeholders", "mathjax_commands", "progress", "commit", "finish"},
    ),
]


def layer_of(module: str) -> int:
    """The rank of ``module``'s layer (0 is the top); ``len(LAYERS)`` for a module in none."""
    parts = module.split(".")[1:] or ["__init__"]
    for rank, (_, members) in enumerate(LAYERS):
        if any(".".join(parts[:n]) in members for n in range(1, len(parts) + 1)):
            return rank
    return len(LAYERS)


def layer_name(module: str) -> str:
    rank = layer_of(module)
    return LAYERS[rank][0] if rank < len(LAYERS) else "(none)"


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import in ``graph`` that goes up the layers, as a readable line."""
    return [
        f"{name} ({layer_name(name)}) imports {target} ({layer_name(target)})"
        for name, targets in sorted(graph.items())
        for target in sorted(targets)
        if layer_of(target) < layer_of(name)
    ]


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(name for name in modules() if layer_of(name) == len(LAYERS))
    assert unplaced == [], "name the layer of each in tests/test_layers.py LAYERS"


def test_no_module_is_in_two_layers() -> None:
    named = [member for _, members in LAYERS for member in members]
    assert len(named) == len(set(named))


def test_imports_go_down_the_layers() -> None:
    assert upward_imports(import_graph()) == []


@pytest.mark.parametrize(
    ("importer", "imported_module"),
    [
        ("myst2qmd.check.scan", "myst2qmd.constructs.includes"),  # check reads Quarto, not constructs
        ("myst2qmd.check", "myst2qmd.convert"),
        ("myst2qmd.quarto", "myst2qmd.constructs.comments"),  # Quarto facts sit below the constructs
        ("myst2qmd.quarto", "myst2qmd.check.scan"),
        ("myst2qmd.edits", "myst2qmd.parser"),  # edits never parse
        ("myst2qmd.edits", "myst2qmd.directives"),
        ("myst2qmd.parser", "myst2qmd.quarto"),
        ("myst2qmd.config", "myst2qmd.edits"),  # config is below everything that converts
        ("myst2qmd.config", "myst2qmd.parser"),
        ("myst2qmd.constructs.code", "myst2qmd.convert"),
    ],
)
def test_a_leak_would_be_seen(importer: str, imported_module: str) -> None:
    """The layers are fine enough to see each of these imports (one of the first five each
    was in the source once)."""
    assert upward_imports({importer: {imported_module}}) != []


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("myst2qmd.parser", "parser"),
        ("myst2qmd.source", "parser"),
        ("myst2qmd.edits", "edits"),
        ("myst2qmd.config", "config"),
        ("myst2qmd.labels", "primitives"),
        ("myst2qmd.check.scan", "check"),
        ("myst2qmd.constructs.includes", "constructs"),
    ],
)
def test_modules_sit_in_their_layers(module: str, layer: str) -> None:
    assert layer_name(module) == layer


# --- settings travel as one object ------------------------------------------------------------
def test_a_book_run_gets_the_settings_from_file_environment_and_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``escape-fences`` from myst2qmd.toml, ``--to`` from the environment, ``--macros`` and the
    engine from flags: the book's chapters and its _quarto.yml show each of them."""
    import yaml

    from myst2qmd import cli

    book = tmp_path / "buch"
    book.mkdir()
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\n", encoding="utf-8")
    (book / "intro.md").write_text("# Einleitung\n\n$\\R$\n\n```python\nx = 1\n```\n", encoding="utf-8")
    (tmp_path / "macros.tex").write_text("\\newcommand{\\R}{\\mathbb{R}}\n", encoding="utf-8")
    (tmp_path / "myst2qmd.toml").write_text("escape-fences = true\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MYST2QMD_TO", "fr")
    argv = ["convert", "buch", "-o", "out", "--engine", "pseudo", "--macros", "macros.tex", "-q"]
    assert cli.main(argv) == 0, capsys.readouterr().err
    chapter = (tmp_path / "out" / "index.qmd").read_text(encoding="utf-8")
    assert "\\```python" in chapter  # escape-fences, from the settings file
    assert "\\mathbb{R}" in chapter  # the macros file, from a flag
    assert "EINLEITUNG" in chapter  # the engine, from a flag
    assert yaml.safe_load((tmp_path / "out" / "_quarto.yml").read_text(encoding="utf-8"))["lang"] == "fr"
