"""Field lists are read as the project says: MyST-Parser reads them only when ``fieldlist`` is in the
book's ``myst_enable_extensions`` (not in Jupyter Book 1's default list); mystmd never. The cases of
what they become are in ``tests/fixtures/fieldlists.md``."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from myst2qmd import convert_text
from myst2qmd.cli import main
from myst2qmd.context import Options
from myst2qmd.dialect import Dialect

TOC = "format: jb-book\nroot: intro\nchapters:\n  - file: kapitel\n"
ON = "title: Buch\nparse:\n  myst_enable_extensions: [colon_fence, fieldlist]\n"
PAGE = "# Kapitel\n\n:Autor: Max Muster\n:Datum: heute\n"
LIST = "Autor\n:   Max Muster\n\nDatum\n:   heute\n"


def _convert(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["convert", *args, "--engine", "none", "--quiet"]) == 0
    return out.getvalue()


@pytest.mark.parametrize(("config", "read"), [(ON, True), ("title: Buch\n", False)])
def test_a_single_file_reads_field_lists_as_its_project_says(tmp_path: Path, config: str, read: bool) -> None:
    (tmp_path / "_config.yml").write_text(config, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "kapitel.md").write_text(PAGE, encoding="utf-8")
    out = _convert(str(tmp_path / "sub" / "kapitel.md"), "-o", "-")
    assert (LIST in out) is read and (":Autor: Max Muster" in out) is not read


def test_a_book_reads_field_lists_when_its_config_enables_them(tmp_path: Path) -> None:
    """Its chapters' one parse (the label pass's, handed on to the conversion) reads them too."""
    book = tmp_path / "buch"
    book.mkdir()
    (book / "_config.yml").write_text(ON, encoding="utf-8")
    (book / "_toc.yml").write_text(TOC, encoding="utf-8")
    (book / "intro.md").write_text("# Intro\n", encoding="utf-8")
    (book / "kapitel.md").write_text(PAGE, encoding="utf-8")
    _convert(str(book), "-o", str(tmp_path / "out"))
    assert LIST in (tmp_path / "out" / "kapitel.qmd").read_text(encoding="utf-8")


def test_the_parse_is_cached_per_extension_set() -> None:
    """The same text, with the extension and without, alternately: each gets its own parser."""
    on, off = Options(fieldlist=True), Options()
    texts = [convert_text(PAGE, options=options).text for options in (on, off, on, off)]
    assert texts[0] == texts[2] != texts[1] == texts[3] and LIST in texts[0]


def test_mystmd_reads_no_field_lists_whatever_the_options_say() -> None:
    text = PAGE.split("\n\n", 1)[1]
    assert convert_text(text, options=Options(fieldlist=True, dialect=Dialect.JB2)).text == text
