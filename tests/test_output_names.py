"""Issue 23, item 1: three and more sources for one output name, of every kind: ``.md`` and
``.ipynb`` of one name (one page), case twins (one file on macOS and Windows), NFC/NFD twins
(one file on macOS), a stray ``.qmd`` in the book, a later chapter whose own name a renamed
one would take. Every chapter must be written, once, under a name of its own."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import yaml

from myst2qmd.book import convert_book
from myst2qmd.codes import Code
from test_trust_book import make_book, notebook

NFC = unicodedata.normalize("NFC", "über")
NFD = unicodedata.normalize("NFD", "über")

CASES = {
    "md, ipynb, case twin": ["a.md", "a.ipynb", "A.md"],
    "the notebook last": ["a.md", "A.md", "a.ipynb"],
    "two notebooks first": ["a.ipynb", "A.ipynb", "a.md"],
    "NFC and NFD twins": [f"{NFC}.md", f"{NFD}.md", f"{NFD}.ipynb"],
    "four of one name": ["a.md", "A.md", "a.ipynb", "A.ipynb"],
    "the renamed name taken later": ["a.md", "a.ipynb", "A.md", "a-2.md", "a-3.ipynb"],
    "folders in two cases": ["kap/a.md", "Kap/a.md", "kap/a.ipynb", "KAP/A.ipynb"],
    "five, twins of twins": [f"{NFC}.md", f"{NFD}.ipynb", f"Ü{NFC[1:]}.md", f"{NFC}-2.md", f"{NFD}.md"],
}


def _page(rel: str) -> str:
    """The page a chapter renders to, as a case-insensitive, normalising file system sees it."""
    return unicodedata.normalize("NFC", rel.rsplit(".", 1)[0]).casefold()


def _source(n: int, name: str) -> str:
    marker = f"MARKE-{n}-ENDE"
    if name.endswith(".ipynb"):
        return notebook({"cell_type": "markdown", "source": f"# Kapitel {n}\n\n{marker}\n"})
    return f"# Kapitel {n}\n\n{marker}\n"


def _convert(tmp_path: Path, sources: list[str], strays: dict[str, str]) -> tuple[Path, list[str], list[str]]:
    toc = "format: jb-book\nroot: intro\nchapters:\n" + "".join(f"  - file: {s}\n" for s in sources)
    files: dict[str, str | bytes] = {"_toc.yml": toc, "intro.md": "# Intro\n", **strays}
    files.update({name: _source(n, name) for n, name in enumerate(sources)})
    book = make_book(tmp_path / "book", files)
    out = tmp_path / "out"
    _, warnings = convert_book(book, out)
    chapters = yaml.safe_load((out / "_quarto.yml").read_text(encoding="utf-8"))["book"]["chapters"]
    renamed = [w.message for w in warnings if w.code == Code.OUTPUT_COLLISION]
    return out, chapters, renamed


def _assert_each_chapter_written_once(out: Path, sources: list[str], chapters: list[str]) -> dict[str, str]:
    """Source → the chapter file holding it: one each, of its kind, no two on one page."""
    assert chapters[0] == "index.qmd" and len(chapters) == len(sources) + 1, chapters
    assert len({_page(c) for c in chapters}) == len(chapters), f"two chapters render to one page: {chapters}"
    texts = {c: (out / c).read_text(encoding="utf-8") for c in chapters}
    found = {}
    for n, name in enumerate(sources):
        holding = [c for c, text in texts.items() if f"MARKE-{n}-ENDE" in text]
        assert len(holding) == 1, f"{name} is in {holding} of {chapters}"
        assert holding[0].endswith(".ipynb") == name.endswith(".ipynb"), (name, holding)
        found[name] = holding[0]
    return found


@pytest.mark.parametrize("sources", list(CASES.values()), ids=list(CASES))
def test_three_and_more_sources_for_one_output_are_all_written(tmp_path: Path, sources: list[str]) -> None:
    out, chapters, warned = _convert(tmp_path, sources, {})
    written = _assert_each_chapter_written_once(out, sources, chapters)
    moved = {name: rel for name, rel in written.items() if rel.rsplit(".", 1)[0] != name.rsplit(".", 1)[0]}
    assert len(moved) >= 2  # three sources, one page: two at least go elsewhere
    assert len(warned) == len(moved), warned  # each said once, none "not copied"
    for name, rel in moved.items():
        assert any(m.startswith(f"{name} and ") and m.endswith(f"{name} is written as {rel}") for m in warned), warned


def test_stray_qmd_files_of_those_names_give_way_or_are_kept(tmp_path: Path) -> None:
    """A stray ``a.qmd`` loses to the chapter (reported); a stray ``a-2.qmd`` is a file of the book
    the renamed chapters must not take: it is copied as it is, the chapters go to ``a-3`` on."""
    sources = ["a.md", "a.ipynb", "A.md"]
    strays = {"a.qmd": "# Alt\n\nSTREUNER-A\n", "a-2.qmd": "# Alt 2\n\nSTREUNER-A2\n"}
    out, chapters, renamed = _convert(tmp_path, sources, strays)
    _assert_each_chapter_written_once(out, sources, chapters)
    assert chapters == ["index.qmd", "a.qmd", "a-3.ipynb", "A-4.qmd"], chapters
    assert (out / "a-2.qmd").read_text(encoding="utf-8") == strays["a-2.qmd"]
    assert "STREUNER-A" not in (out / "a.qmd").read_text(encoding="utf-8")
    assert "a.qmd is also written from a.md (a converted chapter wins); a.qmd is not copied" in renamed, renamed
