"""Issue 10 item 1: one spec per directive and role, and the core names none of them.

* Every registered spec is exercised: each directive and role name appears in some fixture
  case's input (found with the parser's tokens, directive bodies too), and that case runs.
* No module outside ``constructs/`` names a specific directive: what the core needs to know
  about one (its body, its label, its argument) is asked of :mod:`myst2qmd.constructs.registry`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from markdown_it.utils import read_fixture_file

from dialects import case_options
from myst2qmd import convert_text
from myst2qmd.constructs import registry
from myst2qmd.directives import directive_name
from myst2qmd.parser import shared_parser

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE = Path(__file__).parent.parent / "src" / "myst2qmd"
CASES = [
    (path, line, src, expected, title)
    for path in sorted(FIXTURES.glob("*.md"))
    for line, title, src, expected in read_fixture_file(path)
]


def _names_in(text: str) -> Iterator[tuple[str, str]]:
    """``("directive", name)`` and ``("role", name)`` for every directive and role in ``text``."""
    for token in shared_parser().parse(text):
        for child in token.children or []:
            if child.type == "myst_role":
                yield "role", child.meta["name"]
        if token.type in ("fence", "colon_fence"):
            name = directive_name(token.info)
            if name is not None:
                yield "directive", name
                yield from _names_in(token.content)


def _first_cases() -> dict[tuple[str, str], tuple[Path, int, str, str, str]]:
    found: dict[tuple[str, str], tuple[Path, int, str, str, str]] = {}
    for case in CASES:
        for key in _names_in(case[2]):
            found.setdefault(key, case)
    return found


FIRST_CASE = _first_cases()
REGISTERED = sorted([("directive", name) for name in registry.SPECS] + [("role", name) for name in registry.ROLES])


def test_every_spec_name_has_a_fixture_case() -> None:
    missing = [f"{kind} {{{name}}}" for kind, name in REGISTERED if (kind, name) not in FIRST_CASE]
    assert not missing, "no fixture case uses: " + ", ".join(missing)


@pytest.mark.parametrize(("kind", "name"), REGISTERED, ids=lambda value: str(value))
def test_spec_fixture_case_converts(kind: str, name: str) -> None:
    """The first fixture case holding the directive (or role) converts to its expected output."""
    if (kind, name) not in FIRST_CASE:
        pytest.fail(f"no fixture case uses {kind} {{{name}}}")
    path, line, src, expected, title = FIRST_CASE[(kind, name)]
    assert convert_text(src, path=f"{path.name}:{line}", options=case_options(path, title)).text == expected


# -- nothing outside constructs/ names a directive ---------------------------------------------
#: a directive's name in braces inside a string ("{glossary} …"), not quoted as code in prose ("`{include}`")
_BRACED = re.compile(r"(?<!`)\{([A-Za-z0-9][\w:+.-]*)\}(?!`)")


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring constants (documentation may name directives)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _constants(node: ast.AST) -> list[str]:
    """The string constants of ``node`` itself or of a tuple/list/set literal it is."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def directive_mentions(source: str, names: set[str]) -> list[tuple[int, str]]:
    """``(line, name)`` where ``source`` names one of the directives ``names``.

    A string constant equal to a directive name is a mention where it is compared with
    something that holds a directive's name (``d.name == "glossary"``, ``owner == "table"``),
    where two directive names are compared at once (``x in ("figure", "image")``), in a
    collection of three or more directive names (a hand-kept table), and wherever a
    directive is written in braces (``"{glossary}"``). The same words used otherwise
    (``"image"`` a token type, ``"code"`` a cell type, ``"warning"`` a level) are not.
    """
    tree = ast.parse(source)
    docs = _docstrings(tree)
    hits: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            hits += [(line, m) for m in _BRACED.findall(node.value) if m in names]
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            named = [c for operand in operands for c in _constants(operand) if c in names]
            text = " ".join(ast.unparse(o) for o in operands if not _constants(o))
            if named and (len(named) >= 2 or re.search(r"name|owner|directive", text)):
                hits += [(line, n) for n in named]
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
            elements = node.keys if isinstance(node, ast.Dict) else node.elts
            named = [c for e in elements if e is not None for c in _constants(e) if c in names]
            if len(named) >= 3:
                hits += [(line, n) for n in named]
    return sorted(set(hits))


def test_directive_mentions_finds_what_it_should() -> None:
    names = {"glossary", "figure", "image", "code", "math", "raw"}
    src = (
        'if d.name == "glossary": pass\n'
        'if token.type == "image": pass\n'
        'x = m in ("figure", "image")\n'
        'NOT = {"code", "math", "raw"}\n'
        'warn(f"{{glossary}} empty")\n'
        'if cell["cell_type"] == "code": pass\n'
    )
    assert directive_mentions(src, names) == [
        (1, "glossary"),
        (3, "figure"),
        (3, "image"),
        (4, "code"),
        (4, "math"),
        (4, "raw"),
        (5, "glossary"),
    ]


def test_no_module_outside_constructs_names_a_directive() -> None:
    names = set(registry.SPECS)
    found = [
        f"{path.relative_to(SOURCE)}:{line}: {name}"
        for path in sorted(SOURCE.rglob("*.py"))
        if "constructs" not in path.relative_to(SOURCE).parts
        for line, name in directive_mentions(path.read_text(encoding="utf-8"), names)
    ]
    assert not found, "directives named outside constructs/ (ask the registry): " + "; ".join(found)


@pytest.mark.parametrize("name", sorted(registry.SPECS))
@pytest.mark.parametrize("fence", ["```", ":::"])
def test_no_directive_crashes_on_a_body_holding_roles(name: str, fence: str) -> None:
    """A body is walked only when its spec says Markdown, and then its function keeps it:
    roles in any directive's body never make two edits claim the same bytes."""
    src = f"Vorher.\n\n{fence}{{{name}}} arg\n:name: lbl\nSiehe {{sub}}`2` und {{ref}}`lbl`.\n{fence}\n\nNachher.\n"
    result = convert_text(src)
    assert "Vorher." in result.text and "Nachher." in result.text


_WORD = re.compile(r"[A-Za-zÄÖÜäöüß]{5,}")


def _directives_in(text: str) -> Iterator[tuple[str, str, str]]:
    """``(name, argument, body)`` of every directive in ``text`` (nested ones too)."""
    for token in shared_parser().parse(text):
        if token.type in ("fence", "colon_fence"):
            name = directive_name(token.info)
            if name is not None:
                argument = token.info.strip().partition("}")[2].strip()
                yield name, argument, token.content
                yield from _directives_in(token.content)


def _masked_words(text: str) -> list[str]:
    """The words of the prose the translation would see in a Quarto document (protected spans left out)."""
    from myst2qmd.segments import extract_segments

    return [word for segment in extract_segments(text) for word in _WORD.findall(segment.masked()[0])]


def test_a_spec_says_which_of_its_texts_are_prose() -> None:
    """The spec's ``prose`` is a contract with the translation: an argument it calls prose reaches a
    segment of the output; an argument it does not (a path, a language, a label) reaches none.
    Checked on every fixture case whose directive argument has words of its own."""
    wrong: list[str] = []
    checked: set[str] = set()
    for _path, _line, src, _expected, _title in CASES:
        directives = [(n, a) for n, a, _ in _directives_in(src) if n in registry.SPECS]
        if not directives:
            continue
        seen = _masked_words(convert_text(src).text)
        for name, argument in directives:
            words = [w for w in _WORD.findall(argument) if src.count(w) == 1]  # words found only there
            if not words:
                continue
            checked.add(name)
            translated = any(w in seen for w in words)
            if translated != ("argument" in registry.SPECS[name].prose):
                wrong.append(f"{{{name}}} {argument!r}: {'translated' if translated else 'not translated'}")
    assert not wrong, "prose contract broken: " + "; ".join(wrong)
    assert len(checked) >= 20, sorted(checked)
