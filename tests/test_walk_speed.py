"""Issue 22 item 1, the conversion's own share: work counts, never timings.

A walker (every fragment has one) is freed by reference counting, not left to the garbage collector;
the source lines of a conversion are worked out only when a translation reads them; a book's label
pages, ``Count`` keys and case-blind ``{term}`` look-ups are worked out once, and a chapter notes
what it looked up as before (:mod:`myst2qmd.book.watch`).
(Speed itself: ``benchmarks/bench_book.py``.)
"""

from __future__ import annotations

import gc
import pickle
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from myst2qmd import convert as convert_module
from myst2qmd import linemap
from myst2qmd.book import convert_book, labels
from myst2qmd.book.converter import BookConverter
from myst2qmd.book.watch import Watch, WatchedIds, WatchedPages
from myst2qmd.book.workers import drop_parses
from myst2qmd.codes import Count
from myst2qmd.context import Context, Options
from myst2qmd.convert import convert_text, parse_text
from myst2qmd.notebooks import Chapter, Document
from myst2qmd.translate import Translator
from myst2qmd.translate.engines.pseudo import PseudoEngine
from myst2qmd.walker import Walker

#: a document whose directives' titles and a table's cells are fragments, each walked by a walker of its own
FRAGMENTS = (
    "# Titel\n\n(sec-a)=\n## A\n\n"
    ":::{admonition} Siehe {numref}`fig-x`\nText {sub}`2`.\n:::\n\n"
    "```{figure} bild.png\n:name: fig-x\n\nEin {sup}`Bild`.\n```\n\n"
    ":::{list-table} Werte {math}`x`\n:header-rows: 1\n\n* - {ref}`sec-a`\n  - b\n* - c\n  - d\n:::\n"
)


def test_every_walker_is_freed_without_the_garbage_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    """A walker calls its rules with itself instead of holding them bound to itself (a reference cycle
    per walker, which only the collector freed, with all the walk's edits: a book's hundreds). The
    document's walker goes with its parse (whose directives hold their fragments' converter): once
    :func:`.drop_parses` cut the parse's own cycles, as a book does."""
    walkers: list[weakref.ref[Walker]] = []
    made = Walker.__init__

    def noted(self: Walker, ctx: Context) -> None:
        made(self, ctx)
        walkers.append(weakref.ref(self))

    monkeypatch.setattr(Walker, "__init__", noted)
    gc.disable()
    try:
        document = Document(Chapter(Path("k.md"), PurePosixPath("k.md"), PurePosixPath("k.qmd")), [FRAGMENTS])
        document.parses = [parse_text(FRAGMENTS)]
        out = convert_text(FRAGMENTS, options=Options(title_from_h1=False), parsed=document.parses[0]).text
        assert "Siehe @fig-x" in out and "Ein ^Bild^." in out and "Werte $x$" in out and "| @sec-a |" in out
        assert len(walkers) == 8  # the label pass's and the document's, one for each title and table cell
        assert [ref() is None for ref in walkers].count(False) == 1  # the document's
        drop_parses(document)
        assert [ref() for ref in walkers] == [None] * 8
    finally:
        gc.enable()


def test_the_source_lines_are_worked_out_when_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = linemap.source_lines

    def counted(source: str, *args: Any) -> list[int]:
        calls.append(source)
        return real(source, *args)

    monkeypatch.setattr(convert_module, "source_lines", counted)
    result = convert_text(FRAGMENTS)
    assert calls == []
    lines = result.source_lines
    assert len(lines) == result.text.count("\n") + 1 and lines[0] == 1 and calls == [FRAGMENTS]
    assert result.source_lines is lines and len(calls) == 1 and result.lines_from is None
    # pickled (a book's worker sends it): the lines, not the source and edits they come from
    again = convert_text(FRAGMENTS)
    sent = pickle.dumps(again)
    assert len(calls) == 2 and again.source_lines == lines
    assert FRAGMENTS.encode() not in sent and pickle.loads(sent).source_lines == lines


def _book(tmp_path: Path) -> Path:
    book = tmp_path / "buch"
    book.mkdir()
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n- file: k\n", "utf-8")
    (book / "intro.md").write_text("# Buch\n\nSiehe {ref}`sec-a`.\n", encoding="utf-8")
    (book / "k.md").write_text(FRAGMENTS, encoding="utf-8")
    return book


@pytest.mark.parametrize("translated", [False, True])
def test_a_books_results_keep_their_source_lines_only_for_a_translation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, translated: bool
) -> None:
    """Untranslated, a chapter's results let go of what their source lines come from (never worked out,
    nor sent from a worker); translated, the translation reads them."""
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "1")
    converted: list[Any] = []
    real = BookConverter.convert_one

    def noted(self: BookConverter, *args: Any) -> Any:
        done = real(self, *args)
        converted.extend(done[0])
        return done

    monkeypatch.setattr(BookConverter, "convert_one", noted)
    translator = Translator(PseudoEngine()) if translated else None
    report, _ = convert_book(_book(tmp_path), tmp_path / "out", translator=translator)
    assert report.files_converted == 2 and len(converted) == 2
    assert [bool(r.source_lines) for r in converted] == [translated] * 2


class _Targets(labels.LabelTargets):
    """The book's label targets, counting the links worked out."""

    def __init__(self) -> None:
        book = {"fig-a": ("fig-a", "a/x.md", "fig"), "eq-b": ("eq-b", "b/y.md", "eq")}
        super().__init__(book, {"a/x.md": PurePosixPath("a/x.qmd"), "b/y.md": PurePosixPath("b/y.qmd")})
        self.asked = 0

    def link(self, path: str, out_rel: PurePosixPath, folder: str | None = None) -> str:
        self.asked += 1
        return super().link(path, out_rel, folder)


def test_a_chapter_works_out_the_page_of_a_label_once_and_notes_what_it_looked_up() -> None:
    targets = _Targets()
    watch = Watch()
    pages = WatchedPages(targets.pages_for("b/y.md", PurePosixPath("b/y.qmd")), watch)
    assert pages.get("fig-a") == ("fig", "../a/x.qmd") and pages["fig-a"] == ("fig", "../a/x.qmd")
    assert pages.get("fig-a", ("", "")) == ("fig", "../a/x.qmd") and targets.asked == 1
    assert pages.get("eq-b") == ("eq", "") and pages.get("nix") is None and pages.get("nix", 1) == 1
    assert targets.asked == 1 and watch.names == {"fig-a", "eq-b", "nix"} and not watch.every
    # what ``Mapping.get`` (its default) looks up and notes, found or not
    plain = Watch()
    old = WatchedPages(_Targets().pages_for("b/y.md", PurePosixPath("b/y.qmd")), plain)
    assert [Mapping.get(old, n) for n in ("fig-a", "eq-b", "nix")] == [pages.get(n) for n in ("fig-a", "eq-b", "nix")]
    assert plain == watch


def test_a_count_reads_no_enum_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """``ctx.count`` looks its key up (an Enum's ``value`` is a property, and every count asked it)."""

    def value(self: Count) -> str:
        raise AssertionError(f"{self.name}.value read")

    monkeypatch.setattr(Count, "value", property(value), raising=False)
    ctx = Context()
    ctx.count(Count.FIGURE)
    ctx.count(Count.CELL_TAG, "hide-input")
    ctx.count(Count.FIGURE)
    assert ctx.counts == {"figure": 2, "cell tag hide-input": 1}


class _Counted(WatchedIds):
    """A book's labels elsewhere, counting how often they are listed."""

    listed = 0

    def __iter__(self) -> Iterator[str]:
        type(self).listed += 1
        return super().__iter__()


def test_undefined_terms_list_the_books_labels_once_and_note_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each ``{term}`` no label names as written is looked up whatever its case: the book's labels are
    casefolded once for the document (not once per term), and the chapter notes that it read them all."""
    monkeypatch.setattr(_Counted, "listed", 0)
    watch = Watch()
    elsewhere = _Counted({f"term:Wort{n}": f"term-wort{n}" for n in range(50)} | {"term:CNN": "term-cnn"}, watch)
    text = "{term}`CNN` {term}`cnn` {term}`WORT7` {term}`fehlt` {term}`Fehlt auch`\n"
    result = convert_text(text, options=Options(external_labels=elsewhere))
    assert [w.message.split("'")[1] for w in result.warnings] == ["fehlt", "Fehlt auch"]
    assert _Counted.listed == 1 and watch.every
    assert {"term:CNN", "term:cnn", "term:WORT7", "term:fehlt"} <= watch.names
    # a term of the document itself, in another case: the book's labels are read (and noted) as before
    local = Watch()
    glossary = "```{glossary}\nCNN\n  Ein Netz.\n```\n\nSiehe {term}`cnn`.\n"
    result = convert_text(glossary, options=Options(external_labels=WatchedIds({"x": "x"}, local)))
    assert result.warnings == [] and local.every
