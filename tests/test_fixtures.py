"""Input/expected pairs, one file per family of constructs, in markdown-it's fixture format.

Every case is also checked to be a fixed point (converting the output again changes
nothing) and to hold, as pandoc reads it, the structure its MyST source holds: figures,
callouts, code blocks, executable cells, display math, tables, lists, block quotes and
links, counted on the MyST side from markdown-it's tokens and directive names (never with
the converter's code), on the Quarto side from pandoc's AST.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it.utils import read_fixture_file

from myst2qmd import convert_text
from myst_structure import MALFORMED, myst_counts, nonzero
from quarto_ast import block_counts, read_ast

FIXTURES = Path(__file__).parent / "fixtures"
CASES = [
    pytest.param(path, line, title, src, expected, id=f"{path.stem}:{line}:{title[:40]}")
    for path in sorted(FIXTURES.glob("*.md"))
    for line, title, src, expected in read_fixture_file(path)
]
DOCUMENTS = sorted((FIXTURES / "documents").glob("*.md"))


@pytest.mark.parametrize(("path", "line", "title", "src", "expected"), CASES)
def test_fixture(path: Path, line: int, title: str, src: str, expected: str) -> None:
    result = convert_text(src, path=f"{path.name}:{line}")
    assert result.text == expected


@pytest.mark.parametrize(("path", "line", "title", "src", "expected"), CASES)
def test_fixture_is_fixed_point(path: Path, line: int, title: str, src: str, expected: str) -> None:
    assert convert_text(expected).text == expected


@pytest.mark.parametrize(("path", "line", "title", "src", "expected"), CASES)
def test_fixture_output_has_the_sources_structure(path: Path, line: int, title: str, src: str, expected: str) -> None:
    """What pandoc reads in the expected Quarto is what the MyST source holds, kind by kind.

    MyST that is not well-formed (a code fence never closed, options that are not YAML, front
    matter that is not a mapping, braces that name no directive) has no structure to keep:
    its output must only be readable."""
    source = myst_counts(src)
    if any(source[kind] for kind in MALFORMED):
        read_ast(expected)
        return
    assert nonzero(block_counts(expected)) == nonzero(source)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_document_pair(path: Path) -> None:
    expected = path.with_suffix(".qmd").read_text(encoding="utf-8")
    source = path.read_text(encoding="utf-8")
    result = convert_text(source, path=path.name)
    assert result.text == expected
    assert convert_text(expected).text == expected
    assert nonzero(block_counts(expected)) == nonzero(myst_counts(source))
    read_ast(expected)
