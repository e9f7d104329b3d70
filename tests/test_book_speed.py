"""Issue 22 item 1, the book run's own share: work counts, never timings.

A converted chapter's parse is freed by reference counting, not left to the garbage collector (a
directive refers back to the parse it stands in: that cycle is cut once the parse is done with).
(Output folders checked once each: ``tests/test_trust_book.py``; speed itself:
``benchmarks/bench_book.py``.)
"""

from __future__ import annotations

import gc
import weakref
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from myst2qmd import convert as convert_module
from myst2qmd.book import convert_book
from myst2qmd.book.workers import drop_parses
from myst2qmd.convert import parse_text
from myst2qmd.notebooks import Chapter, Document

#: a chapter with directives, one inside another (their bodies are parses of their own)
CHAPTER = (
    "# Eins\n\n(sec-a)=\n## A\n\n"
    "```{figure} bild.png\n:name: fig-x\n\nEin Bild.\n```\n\n"
    "::::{note}\nHinweis\n\n:::{admonition} Innen\nText {numref}`fig-x`.\n:::\n::::\n"
)


def test_dropped_parses_are_freed_without_the_garbage_collector() -> None:
    document = Document(Chapter(Path("k.md"), PurePosixPath("k.md"), PurePosixPath("k.qmd")), [CHAPTER])
    document.parses = [parse_text(CHAPTER)]
    assert document.parses[0].directives and any(b.directives for b in document.parses[0].bodies.values())
    parses, stack = [], list(document.parses)  # the document's, and its directives' bodies', at any depth
    while stack:
        parses.append(weakref.ref(stack[-1]))
        stack.extend(stack.pop().bodies.values())
    assert len(parses) == 4  # the document, the figure's and the note's bodies, the admonition's in it
    gc.disable()
    try:
        drop_parses(document)
        assert [ref() for ref in parses] == [None] * 4 and document.parses == []
    finally:
        gc.enable()


def test_a_books_parses_are_freed_as_its_chapters_are_converted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "1")
    book = tmp_path / "buch"
    book.mkdir()
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n- file: k0\n- file: k1\n", "utf-8")
    (book / "intro.md").write_text("# Buch\n\nSiehe {ref}`sec-0`.\n", encoding="utf-8")
    for n in range(2):
        (book / f"k{n}.md").write_text(CHAPTER.replace("sec-a", f"sec-{n}"), encoding="utf-8")
    parses: list[weakref.ref[Any]] = []
    real = convert_module.parse_text

    def noted(*args: Any, **kwargs: Any) -> Any:
        parsed = real(*args, **kwargs)
        parses.append(weakref.ref(parsed))
        return parsed

    monkeypatch.setattr(convert_module, "parse_text", noted)
    gc.disable()
    try:
        report, _ = convert_book(book, tmp_path / "out")
        assert report.files_converted == 3 and len(parses) == 3
        assert [ref() for ref in parses] == [None, None, None]
    finally:
        gc.enable()
