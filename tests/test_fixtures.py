"""Input/expected pairs, one file per family of constructs, in markdown-it's fixture format.

Every case is also checked to be a fixed point (converting the output again changes
nothing) and to parse with pandoc.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it.utils import read_fixture_file

from myst2qmd import convert_text
from quarto_ast import read_ast

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
def test_fixture_output_parses(path: Path, line: int, title: str, src: str, expected: str) -> None:
    read_ast(expected)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_document_pair(path: Path) -> None:
    expected = path.with_suffix(".qmd").read_text(encoding="utf-8")
    result = convert_text(path.read_text(encoding="utf-8"), path=path.name)
    assert result.text == expected
    assert convert_text(expected).text == expected
