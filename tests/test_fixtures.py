"""Input/expected pairs, one file per family of constructs, in markdown-it's fixture format.

Every case is also checked to be a fixed point (converting the output again changes
nothing) and to hold, as pandoc reads it, the structure its MyST source holds: figures,
callouts, code blocks, executable cells, display math, tables, lists, block quotes and
links, counted on the MyST side from markdown-it's tokens and directive names (never with
the converter's code), on the Quarto side from pandoc's AST.

A case is read in the dialect its file or title states (``admonitions.jb2.md``, ``[dialect: jb2]``:
see :mod:`dialects`; Jupyter Book 1 else). A case may state the warnings it expects in its title:
``unknown role [warns: role-unknown]``
lists the codes of its warnings in the order of their lines (``[warns: none]``: no warning),
and ``[infos: construct-removed]`` the codes of its infos; a case without them is not checked
for that level.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from markdown_it.utils import read_fixture_file

from checklist_score import read_many
from dialects import case_dialect, case_options
from myst2qmd import convert_text
from myst2qmd.codes import Code
from myst2qmd.dialect import Dialect
from myst_structure import MALFORMED, myst_counts, nonzero
from quarto_ast import ast_block_counts, block_counts, read_ast

FIXTURES = Path(__file__).parent / "fixtures"
CASES = [
    pytest.param(path, line, title, src, expected, id=f"{path.stem}:{line}:{title[:40]}")
    for path in sorted(FIXTURES.glob("*.md"))
    for line, title, src, expected in read_fixture_file(path)
]
DOCUMENTS = sorted((FIXTURES / "documents").glob("*.md"))
#: ``[warns: ref-undefined, role-unknown]`` / ``[infos: …]`` in a case's title
EXPECTED_CODES = re.compile(r"\[(warns|infos):([^\]]*)\]")
LEVELS = {"warns": "warning", "infos": "info"}
#: ``[pandoc: callout=1, figure=1]`` in a malformed case's title: what pandoc reads, counted by hand
PANDOC_COUNTS = re.compile(r"\[pandoc:([^\]]*)\]")


def expected_codes(title: str) -> dict[str, list[str]]:
    """What a case's title says it warns, by level: ``{"warning": ["role-unknown"]}``.

    >>> expected_codes("unknown role [warns: role-unknown, ref-undefined] [infos: none]")
    {'warning': ['role-unknown', 'ref-undefined'], 'info': []}
    """
    stated: dict[str, list[str]] = {}
    for kind, listed in EXPECTED_CODES.findall(title):
        names = [name.strip() for name in listed.split(",") if name.strip()]
        stated[LEVELS[kind]] = [] if names == ["none"] else names
    return stated


@pytest.mark.parametrize(("path", "line", "title", "src", "expected"), CASES)
def test_fixture(path: Path, line: int, title: str, src: str, expected: str) -> None:
    result = convert_text(src, path=f"{path.name}:{line}", options=case_options(path, title))
    assert result.text == expected
    for level, codes in expected_codes(title).items():
        assert [str(w.code) for w in result.warnings if w.level == level] == codes, [str(w) for w in result.warnings]


def test_fixture_titles_state_known_codes() -> None:
    """The codes fixture titles state exist (a typo would state a warning nothing emits), and
    many cases state theirs (the unknown, malformed and references fixtures all of them)."""
    known = {code.value for code in Code}
    stated = [(path, title, expected_codes(title)) for path, _, title, *_ in (c.values for c in CASES)]
    for path, title, codes in stated:
        assert {name for names in codes.values() for name in names} <= known, (path.name, title)
    for name in ("unknown.md", "malformed.md", "references.md"):
        assert all("warning" in codes for path, _, codes in stated if path.name == name), name
    assert sum(1 for *_, codes in stated if codes) >= 100


@pytest.mark.parametrize(("path", "line", "title", "src", "expected"), CASES)
def test_fixture_is_fixed_point(path: Path, line: int, title: str, src: str, expected: str) -> None:
    assert convert_text(expected, options=case_options(path, title)).text == expected


def test_fixtures_hold_cases_of_both_dialects() -> None:
    """Some fixture cases are read as Jupyter Book 2 reads them (a ``*.jb2.md`` file or ``[dialect: jb2]``)."""
    dialects = [case_dialect(path, title) for path, _, title, *_ in (c.values for c in CASES)]
    assert dialects.count(Dialect.JB2) >= 2 and dialects.count(Dialect.JB1) >= 100


@pytest.fixture(scope="module")
def pandoc_counts() -> dict[tuple[Path, int], Counter[str]]:
    """:func:`quarto_ast.block_counts` of every case's expected Quarto, by (file, line): pandoc reads
    each fixture file's cases in one run (:func:`checklist_score.read_many`), not once per case."""
    counts = {}
    for path in sorted({case.values[0] for case in CASES}):
        cases = [case.values for case in CASES if case.values[0] == path]
        for (_, line, *_), ast in zip(cases, read_many([c[4] for c in cases], "markdown"), strict=True):
            counts[path, line] = ast_block_counts(ast)
    return counts


@pytest.mark.parametrize(("path", "line", "title", "src", "expected"), CASES)
def test_fixture_output_has_the_sources_structure(
    path: Path, line: int, title: str, src: str, expected: str, pandoc_counts: dict[tuple[Path, int], Counter[str]]
) -> None:
    """What pandoc reads in the expected Quarto is what the MyST source holds, kind by kind.

    MyST that is not well-formed (a code fence never closed, options that are not YAML, front
    matter that is not a mapping, braces that name no directive) has no structure that the
    MyST side can count: its case states in its title, counted by hand, what pandoc must read
    (``[pandoc: callout=1, figure=1]``, ``[pandoc: none]``)."""
    source = myst_counts(src, case_dialect(path, title).value, fieldlist=case_options(path, title).fieldlist)
    if any(source[kind] for kind in MALFORMED):
        stated = PANDOC_COUNTS.search(title)
        assert stated, f"a malformed case states what pandoc reads in its title: {title}"
        pairs = [pair.split("=") for pair in stated.group(1).split(",") if pair.strip() != "none"]
        assert nonzero(pandoc_counts[path, line]) == {kind.strip(): int(n) for kind, n in sorted(pairs)}
        return
    assert nonzero(pandoc_counts[path, line]) == nonzero(source)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_document_pair(path: Path) -> None:
    expected = path.with_suffix(".qmd").read_text(encoding="utf-8")
    source = path.read_text(encoding="utf-8")
    result = convert_text(source, path=path.name)
    assert result.text == expected
    assert convert_text(expected).text == expected
    assert nonzero(block_counts(expected)) == nonzero(myst_counts(source))
    read_ast(expected)
