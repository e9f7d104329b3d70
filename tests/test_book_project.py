"""Issue 21: what a book's project file says about every page, in both dialects.

A Jupyter Book 1 book is numbered only where its ``_toc.yml`` says ``numbered`` (Quarto numbers every
chapter unless told); a single file takes its project's settings (``lang``, ``crossref``,
``bibliography``, macros) into its front matter; a project file that cannot be read is reported.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from cli_run import run_cli
from myst2qmd.book import convert_book


def _book(folder: Path, toc: str, config: str = "title: Kurs\n") -> Path:
    folder.mkdir()
    (folder / "_toc.yml").write_text(toc, encoding="utf-8")
    (folder / "_config.yml").write_text(config, encoding="utf-8")
    for name in ("intro", "a", "b", "c"):
        (folder / f"{name}.md").write_text(f"# Kapitel {name}\n\n## Abschnitt\n\nText.\n", encoding="utf-8")
    return folder


def _quarto(out: Path) -> dict[str, object]:
    return yaml.safe_load((out / "_quarto.yml").read_text(encoding="utf-8"))


def test_a_book_without_numbered_is_not_numbered(tmp_path: Path) -> None:
    book = _book(tmp_path / "buch", "format: jb-book\nroot: intro\nchapters:\n- file: a\n- file: b\n")
    convert_book(book, tmp_path / "out")
    assert _quarto(tmp_path / "out")["number-sections"] is False
    assert not (tmp_path / "out" / "a.qmd").read_text(encoding="utf-8").startswith("---")


def test_numbered_options_and_depth(tmp_path: Path) -> None:
    toc = "format: jb-book\nroot: intro\noptions:\n  numbered: 2\nchapters:\n- file: a\n  sections:\n  - file: b\n"
    convert_book(_book(tmp_path / "buch", toc), tmp_path / "out")
    data = _quarto(tmp_path / "out")
    assert data["number-sections"] is True and data["number-depth"] == 2


def test_a_part_left_unnumbered_says_so_in_its_chapters(tmp_path: Path) -> None:
    toc = (
        "format: jb-book\nroot: intro\nparts:\n- caption: Eins\n  numbered: true\n  chapters:\n  - file: a\n"
        "  - file: b\n- caption: Anhang\n  chapters:\n  - file: c\n"
    )
    convert_book(_book(tmp_path / "buch", toc), tmp_path / "out")
    assert _quarto(tmp_path / "out")["number-sections"] is True
    assert (tmp_path / "out" / "c.qmd").read_text(encoding="utf-8").startswith("---\nnumber-sections: false\n---\n")
    assert not (tmp_path / "out" / "a.qmd").read_text(encoding="utf-8").startswith("---")


def test_an_unnumbered_notebook_in_a_numbered_book_is_reported(tmp_path: Path) -> None:
    toc = (
        "root: intro\nparts:\n- caption: Eins\n  numbered: true\n  chapters:\n  - file: a\n"
        "- caption: Zwei\n  chapters:\n  - file: nb\n"
    )
    book = _book(tmp_path / "buch", toc)
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# Notizbuch\n"}]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (book / "nb.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    _, warnings = convert_book(book, tmp_path / "out")
    assert [(w.path, w.line, w.code.value) for w in warnings] == [("_toc.yml", 9, "option-unsupported")]


def test_book_settings_reach_quarto_yml(tmp_path: Path) -> None:
    config = (
        "title: Kurs\nlanguage: de\nsphinx:\n  config:\n    numfig_format:\n      figure: 'Abb. %s'\n"
        "      table: 'Tab. %s'\n      section: '%s. Abschnitt'\n"
    )
    _, warnings = convert_book(_book(tmp_path / "buch", "root: intro\nchapters:\n- file: a\n", config), tmp_path / "o")
    data = _quarto(tmp_path / "o")
    assert data["lang"] == "de"
    assert data["crossref"] == {"fig-title": "Abb.", "fig-prefix": "Abb.", "tbl-title": "Tab.", "tbl-prefix": "Tab."}
    # a number before its word has no Quarto equivalent: said, not dropped silently
    assert [w.code.value for w in warnings] == ["option-unsupported"]


def test_a_single_file_takes_its_projects_settings(tmp_path: Path) -> None:
    (tmp_path / "myst.yml").write_text(
        "version: 1\nproject:\n  language: de\n  numbering:\n    headings: true\n"
        "  math:\n    '\\R': '\\mathbb{R}'\n  abbreviations:\n    KI: Künstliche Intelligenz\n",
        encoding="utf-8",
    )
    (tmp_path / "kapitel").mkdir()
    page = tmp_path / "kapitel" / "seite.md"
    page.write_text("---\ntitle: Seite\nlang: en\n---\n\nKI auf $\\R$.\n", encoding="utf-8")
    result = run_cli("convert", str(page), "-o", "-", "--engine", "none", "-q")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "---\ntitle: Seite\nlang: en\nnumber-sections: true\n---\n\n"
        '[KI]{title="Künstliche Intelligenz"} auf $\\mathbb{R}$.\n'
    )


def test_a_project_file_that_cannot_be_read_is_reported(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("title: [nicht geschlossen\n", encoding="utf-8")
    page = tmp_path / "seite.md"
    page.write_text("Text.\n", encoding="utf-8")
    result = run_cli("convert", str(page), "-o", "-", "--engine", "none")
    assert result.returncode == 0 and result.stdout == "Text.\n"
    assert "warning [frontmatter-invalid]" in result.stderr and "_config.yml" in result.stderr


def test_a_folder_with_only_a_toc_is_its_own_project(tmp_path: Path) -> None:
    """The outer ``_config.yml`` belongs to another project: the page's nearest one has only a toc."""
    (tmp_path / "_config.yml").write_text("language: fr\n", encoding="utf-8")
    (tmp_path / "innen").mkdir()
    (tmp_path / "innen" / "_toc.yml").write_text("root: seite\n", encoding="utf-8")
    page = tmp_path / "innen" / "seite.md"
    page.write_text("Text.\n", encoding="utf-8")
    result = run_cli("convert", str(page), "-o", "-", "--engine", "none", "-q")
    assert result.stdout == "Text.\n"
