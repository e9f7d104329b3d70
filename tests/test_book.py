"""Whole books: a Jupyter Book of our own (tests/books/kurs) to a Quarto book, checked through
pandoc's AST of every chapter and the YAML of _quarto.yml."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from cli_run import run_cli
from myst2qmd.book import convert_book
from myst2qmd.book.reuse import MANIFEST
from myst2qmd.check import check
from myst2qmd.translate import TranslationCache, Translator
from myst2qmd.translate.engines.pseudo import PseudoEngine
from quarto_ast import book_problems, summarize

BOOK = Path(__file__).parent / "books" / "kurs"
CHAPTERS = ["index.qmd", "teil1/grundlagen.qmd", "teil1/vertiefung.qmd", "teil2/anwendung.ipynb", "glossar.qmd"]


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("quarto") / "kurs"
    report, warnings = convert_book(BOOK, out)
    assert report.files_converted == 5
    assert not [w for w in warnings if w.level == "warning"], warnings
    return out


def _markdown(out: Path, chapter: str) -> str:
    path = out / chapter
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] in ("markdown", "raw"))


def test_quarto_yml(book: Path) -> None:
    data = yaml.safe_load((book / "_quarto.yml").read_text(encoding="utf-8"))
    assert data["project"] == {"type": "book"}
    assert data["book"]["title"] == "Ein kleiner Kurs über Faltungsnetze"
    assert data["book"]["author"] == "Erika Muster"
    assert data["book"]["chapters"] == [
        "index.qmd",
        {"part": "Grundlagen", "chapters": ["teil1/grundlagen.qmd", "teil1/vertiefung.qmd"]},
        {"part": "Anwendung", "chapters": ["teil2/anwendung.ipynb", "glossar.qmd"]},
    ]
    assert data["bibliography"] == ["references.bib"]
    assert data["lang"] == "de"
    assert data["execute"] == {"enabled": False}


def test_every_chapter_is_written_and_parses(book: Path) -> None:
    for chapter in CHAPTERS:
        assert (book / chapter).is_file(), chapter
        summarize(_markdown(book, chapter))  # pandoc reads it
    assert (book / "references.bib").is_file()
    assert (book / "bilder" / "netz.png").read_bytes() == (BOOK / "bilder" / "netz.png").read_bytes()
    assert not list(book.rglob("*.md"))


def test_cross_chapter_references_resolve(book: Path) -> None:
    summaries = {c: summarize(_markdown(book, c)) for c in CHAPTERS}
    ids = {i for s in summaries.values() for i in s.ids}
    ids |= {eq for c in CHAPTERS for eq in __import__("re").findall(r"\{#(eq-[\w-]+)\}", _markdown(book, c))}
    refs = {r for s in summaries.values() for r in s.cross_refs}
    assert {"fig-netz", "fig-filter", "eq-faltung", "eq-groesse", "sec-faltung"} <= refs
    assert refs <= ids, refs - ids
    # {numref} to a figure of another chapter, {eq} across files, {ref} to another chapter's section
    assert "@fig-netz" in _markdown(book, "index.qmd") and "@eq-faltung" in _markdown(book, "index.qmd")
    assert "@fig-netz" in _markdown(book, "teil2/anwendung.ipynb")
    vertiefung = _markdown(book, "teil1/vertiefung.qmd")
    assert "[die Faltung](grundlagen.qmd#sec-faltung)" in vertiefung and "@sec-faltung" in vertiefung
    assert "[Faltung](../glossar.qmd#term-faltung)" in vertiefung
    assert summaries["teil1/grundlagen.qmd"].bib_citations == ["lecun_1998"]


def test_doc_links_point_at_chapters_with_their_titles(book: Path) -> None:
    intro = summarize(_markdown(book, "index.qmd"))
    assert intro.links == ["teil1/grundlagen.qmd", "teil1/vertiefung.qmd", "glossar.qmd"]
    text = _markdown(book, "index.qmd")
    assert "[Grundlagen](teil1/grundlagen.qmd)" in text and "[Vertiefung](teil1/vertiefung.qmd)" in text
    assert "[Einleitung](index.qmd)" in _markdown(book, "glossar.qmd")


def test_macros_substitutions_and_notebooks(book: Path) -> None:
    grundlagen = summarize(_markdown(book, "teil1/grundlagen.qmd"))
    assert grundlagen.inline_math == [r"\mathbf{x} \in \mathbb{R}^{H \times W \times C}"]
    intro = _markdown(book, "index.qmd")
    assert "**Faltungsnetze 101**" in intro and "Herbstsemester" in intro and "{{" not in intro
    notebook = json.loads((book / "teil2/anwendung.ipynb").read_text(encoding="utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"][0]
    assert "".join(code["source"]).startswith("#| echo: false\n32 - 5 + 1")
    assert code["outputs"][0]["text"] == ["[1] 28\n"]  # outputs are kept
    assert notebook["metadata"]["kernelspec"]["name"] == "ir"
    callouts = summarize(_markdown(book, "teil2/anwendung.ipynb")).callouts
    assert len(callouts) == 1


def test_check_finds_nothing_in_the_converted_book(book: Path) -> None:
    problems, files = check(book)
    assert files == 5 and problems == []
    assert book_problems(book) == []  # pandoc's reading agrees (check is not its own oracle)
    run = _cli("check", str(book))
    assert run.returncode == 0 and "no problems" in run.stderr


def test_check_finds_every_kind_of_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.qmd"
    bad.write_text(
        "---\ntitle: [unclosed\n---\n\n"
        "See @fig-missing and {numref}`x`.\n\n"
        "::: {#fig-a}\n![](nowhere.png)\n\nCaption.\n:::\n\n"
        "::: {#netz}\n\n![](also-missing.png)\n\nCap.\n:::\n\n"
        "## A {#sec-a}\n\n## B {#sec-a}\n\n"
        "[link](#no-such-id) and [file](other.qmd)\n\n"
        "::: {.note}\nnever closed\n",
        encoding="utf-8",
    )
    problems, _ = check(bad)
    text = "\n".join(str(p) for p in problems)
    for expected in (
        "bad.qmd:2: error [frontmatter-invalid]: front matter is not valid YAML",
        "@fig-missing has no target",
        "MyST role left",
        "image nowhere.png does not exist",
        "#netz has no fig- prefix",
        "duplicate id #sec-a",
        "no #no-such-id",
        "other.qmd does not exist",
        "never closed",
    ):
        assert expected in text, (expected, text)
    run = _cli("check", str(bad))
    assert run.returncode == 1 and "bad.qmd:5:" in run.stdout


def test_duplicate_labels_across_chapters_are_reported(tmp_path: Path) -> None:
    copy = tmp_path / "kurs"
    shutil.copytree(BOOK, copy)
    glossar = copy / "glossar.md"
    glossar.write_text(glossar.read_text(encoding="utf-8") + "\n(faltung)=\n## Noch einmal\n", encoding="utf-8")
    report, warnings = convert_book(copy, tmp_path / "out")
    assert any(
        "label 'faltung' is defined in teil1/grundlagen.md and in glossar.md" in d for d in report.duplicate_labels
    )
    assert any(w.path == "glossar.md" and "faltung" in w.message for w in warnings)


def test_outside_paths_are_not_followed(tmp_path: Path) -> None:
    copy = tmp_path / "kurs"
    shutil.copytree(BOOK, copy)
    (tmp_path / "draussen.md").write_text("# Draussen\n", encoding="utf-8")
    toc = copy / "_toc.yml"
    toc.write_text(toc.read_text(encoding="utf-8") + "      - file: ../draussen\n", encoding="utf-8")
    report, warnings = convert_book(copy, tmp_path / "out")
    assert any("outside the book" in w.message for w in warnings)
    assert not (tmp_path / "out" / "draussen.qmd").exists() and report.files_converted == 5


def test_incremental_rewrites_only_what_changed(tmp_path: Path) -> None:
    copy = tmp_path / "kurs"
    shutil.copytree(BOOK, copy)
    out = tmp_path / "out"
    first, _ = convert_book(copy, out)
    assert first.files_written == 6
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again, _ = convert_book(copy, out)
    assert again.files_written == 0 and again.files_unchanged == 6 and again.assets_copied == 0
    chapter = copy / "teil1" / "vertiefung.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("wieder auf", "noch einmal auf"), encoding="utf-8")
    edited, _ = convert_book(copy, out)
    assert edited.files_written == 1
    changed = {p for p, stamp in stamps.items() if p.stat().st_mtime_ns != stamp}
    assert changed == {out / "teil1" / "vertiefung.qmd", out / MANIFEST}  # the manifest says what changed
    assert edited.files_reused == 4


def test_translated_book_twice_makes_no_engine_calls_the_second_time(tmp_path: Path) -> None:
    cache = TranslationCache(tmp_path / "tm.sqlite")
    first_engine, second_engine = PseudoEngine(), PseudoEngine()
    report, _ = convert_book(BOOK, tmp_path / "out", translator=Translator(first_engine, cache=cache))
    assert first_engine.calls >= 1 and report.translation["translated"] > 10
    data = yaml.safe_load((tmp_path / "out" / "_quarto.yml").read_text(encoding="utf-8"))
    assert data["lang"] == "en" and data["book"]["title"] == "⟦EIN KLEINER KURS ÜBER FALTUNGSNETZE⟧"
    assert "⟦" in _markdown(tmp_path / "out", "teil2/anwendung.ipynb")
    again, _ = convert_book(BOOK, tmp_path / "out", translator=Translator(second_engine, cache=cache))
    assert second_engine.calls == 0 and again.translation["requests"] == 0
    # the first run's own memory hits (a mined term's translation reused for its heading) count too
    assert again.translation["cached"] == report.translation["translated"] + report.translation["cached"]
    assert again.files_written == 0


def test_cli_book_with_report(tmp_path: Path) -> None:
    out, report_path = tmp_path / "out", tmp_path / "report.json"
    run = _cli("convert", str(BOOK), "-o", str(out), "--engine", "none", "--report", str(report_path))
    assert run.returncode == 0, run.stderr
    assert "5 chapters" in run.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["files_converted"] == 5 and report["references"]["unresolved"] == 0
    assert report["constructs"]["figure"] == 2 and "warnings" in report
    assert _cli("convert", str(BOOK), "--engine", "none").returncode == 2  # a book needs -o
