"""Bare URLs are linked as a Jupyter Book links them: linkify is in Jupyter Book 1's default
``myst_enable_extensions`` (a book's own list replaces that list) and always on in mystmd."""

from __future__ import annotations

from pathlib import Path

import pytest

from myst2qmd.book.converter import book_options
from myst2qmd.book.toc import read_book
from myst2qmd.context import Options

TOC = "format: jb-book\nroot: intro\n"


@pytest.mark.parametrize(
    ("config", "linked"),
    [
        ("title: Buch\n", True),  # the default list has linkify
        ("title: Buch\nparse:\n  myst_enable_extensions: [dollarmath, linkify]\n", True),
        ("title: Buch\nparse:\n  myst_enable_extensions: [dollarmath]\n", False),  # the book's list replaces it
    ],
)
def test_a_jupyter_book_links_bare_urls_as_its_config_says(tmp_path: Path, config: str, linked: bool) -> None:
    (tmp_path / "_config.yml").write_text(config, encoding="utf-8")
    (tmp_path / "_toc.yml").write_text(TOC, encoding="utf-8")
    (tmp_path / "intro.md").write_text("# Intro\n\nQuelle: https://example.org\n", encoding="utf-8")
    assert book_options(read_book(tmp_path), Options()).linkify is linked


def test_a_mystmd_book_links_bare_urls(tmp_path: Path) -> None:
    (tmp_path / "myst.yml").write_text("version: 1\nproject:\n  toc:\n    - file: intro.md\n", encoding="utf-8")
    (tmp_path / "intro.md").write_text("# Intro\n", encoding="utf-8")
    assert book_options(read_book(tmp_path), Options()).linkify is True
