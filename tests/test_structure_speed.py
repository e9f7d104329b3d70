"""Issue 22 item 1: a book's structure in about the time its chapters take to parse.

Work counts, never timings: a book's label pass runs once per chapter (the conversion takes its
labels and warnings from the parse it hands on), a code cell without ``glue`` is not compiled to
look for one, a ``:tags:`` text a book repeats is read as YAML once, and the image folder is only
looked for when images are moved. (The label pass running in the workers that convert: see
``tests/test_book_package.py``; speed itself: ``benchmarks/bench_book.py``.)
"""

from __future__ import annotations

import ast
import gc
from pathlib import Path
from typing import Any

import pytest

from myst2qmd import convert_text, labelpass
from myst2qmd.book import convert_book, converter, workers
from myst2qmd.constructs import code, registry
from myst2qmd.context import Options
from scaling_families import write_book

#: a chapter whose label pass warns (a label defined twice), with a cell and a figure
CHAPTER = (
    "# Eins\n\n(sec-a)=\n## A\n\n(sec-a)=\n## B\n\nSiehe {ref}`sec-a` und {numref}`fig-x`.\n\n"
    "```{figure} bild.png\n:name: fig-x\n\nEin Bild.\n```\n\n"
    "```{code-cell} python\n:tags: [remove-input]\nx = 1\n```\n"
)


def _book(folder: Path, chapters: int) -> Path:
    folder.mkdir()
    (folder / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n" + "".join(f"- file: k{n}\n" for n in range(chapters)),
        encoding="utf-8",
    )
    (folder / "intro.md").write_text("# Buch\n\nSiehe {ref}`sec-a`.\n", encoding="utf-8")
    for n in range(chapters):
        (folder / f"k{n}.md").write_text(CHAPTER.replace("sec-a", f"sec-{n}"), encoding="utf-8")
    return folder


def test_a_books_label_pass_runs_once_per_chapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The book's label pass reads each chapter's parse once; the conversion takes the labels and the
    warnings it found (the output and the warnings are those of a label pass of its own)."""
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "1")
    calls: list[str] = []
    run = labelpass.LabelPass.collect_labels

    def counted(self: labelpass.LabelPass, parsed: Any) -> None:
        calls.append(self.ctx.path)
        run(self, parsed)

    monkeypatch.setattr(labelpass.LabelPass, "collect_labels", counted)
    book = _book(tmp_path / "buch", 3)
    _, warnings = convert_book(book, tmp_path / "out")
    assert sorted(calls) == ["intro.md", "k0.md", "k1.md", "k2.md"]
    twice = [w for w in warnings if "is defined twice" in w.message]
    assert [(w.path, w.line) for w in twice] == [("k0.md", 6), ("k1.md", 6), ("k2.md", 6)]
    alone = convert_text(CHAPTER.replace("sec-a", "sec-0"), options=Options(title_from_h1=False))
    assert (tmp_path / "out" / "k0.qmd").read_text(encoding="utf-8") == alone.text
    assert [w.message for w in alone.warnings if "twice" in w.message] == [twice[0].message]


def test_a_book_converted_in_one_process_and_in_workers_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Labels collected in the workers that convert (each its share) give the book one process gives."""
    write_book(tmp_path / "book", 8, labels=3, filler=1)
    outputs = {}
    for processes in ("1", "2"):
        monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", processes)
        _, warnings = convert_book(tmp_path / "book", tmp_path / processes)
        files = sorted((tmp_path / processes).rglob("*.qmd"))
        outputs[processes] = ([f.read_bytes() for f in files], [str(w) for w in warnings])
    assert outputs["1"] == outputs["2"]


def test_cells_are_compiled_only_to_find_glue(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    parse = ast.parse

    def counted(source: str, *args: Any, **kwargs: Any) -> ast.AST:
        compiled.append(source)
        return parse(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counted)
    cells = "```{code-cell} python\nx = 1\n```\n\n```{code-cell} python\nglue('n', x)\n```\n"
    assert "glue" in convert_text(cells).text
    assert compiled == ["glue('n', x)"]


def test_a_repeated_tags_text_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    code._tags_of.cache_clear()
    loads: list[str] = []
    load = code.load_yaml

    def counted(text: str, **kwargs: Any) -> Any:
        loads.append(text)
        return load(text, **kwargs)

    monkeypatch.setattr(code, "load_yaml", counted)
    cell = "```{code-cell} python\n:tags: [remove-input, hide-output]\nx = 1\n```\n\n"
    out = convert_text(cell * 5).text
    assert out.count("#| echo: false") == 5
    assert loads == ["[remove-input, hide-output]"]


def test_the_image_folder_is_looked_for_only_when_images_move(monkeypatch: pytest.MonkeyPatch) -> None:
    looked: list[str] = []
    find = registry.images_folder
    monkeypatch.setattr(registry, "images_folder", lambda text: looked.append(text) or find(text))
    text = "Text ![a](bilder/a.png)\n"
    assert "](bilder/a.png)" in convert_text(text).text and looked == []
    assert "params.images_path >}}a.png)" in convert_text(text, images_path="img").text and looked == [text]


def test_a_book_is_converted_with_fewer_collections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While a book's chapters are parsed and converted the garbage collector runs less often and
    leaves what existed before alone (frozen); afterwards it is as it was."""
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "1")
    seen: list[tuple[int, int]] = []
    convert = convert_text

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append((gc.get_threshold()[0], gc.get_freeze_count()))
        return convert(*args, **kwargs)

    monkeypatch.setattr(converter, "convert_text", watched)
    before = gc.get_threshold()
    convert_book(_book(tmp_path / "buch", 2), tmp_path / "out")
    assert seen and all(threshold >= workers.BOOK_GC_THRESHOLD and frozen > 0 for threshold, frozen in seen)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_objects_the_program_froze_stay_frozen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A program that froze its own objects (a pre-forking server) finds them frozen after a book run."""
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "1")
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        convert_book(_book(tmp_path / "buch", 2), tmp_path / "out")
        assert gc.get_freeze_count() >= frozen > 0
    finally:
        gc.unfreeze()
