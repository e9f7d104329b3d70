"""Incremental re-runs (``myst2qmd.book.reuse``): a book converted again into the folder it was
written to converts only the chapters whose source, settings or looked-up labels, documents and
files changed, and the folder it leaves is, byte for byte, the one a full run into an empty
folder writes, with the same warnings and report. Work is counted (conversions, label-pass
parses), never timed: ``benchmarks/bench_incremental.py`` times it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import SHARED, require_shared
from myst2qmd import cli
from myst2qmd import convert as convert_module
from myst2qmd.book import book_converter
from myst2qmd.book import converter as converter_module
from myst2qmd.book.reuse import MANIFEST, read_manifest
from myst2qmd.commit import PAUSE_ENV
from myst2qmd.config import Settings

TESTS = Path(__file__).parent


@pytest.fixture(autouse=True)
def _one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every chapter converted in this process, where the counters see it."""
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", "1")


@dataclass
class Run:
    """One book run: what it reported and warned, and the work it did."""

    report: dict[str, Any]
    warnings: list[str]
    #: the chapters (source paths) converted, each once
    converted: set[str]
    #: the label pass's parses
    parsed: int
    reused: int


def convert(book: Path, out: Path, **settings: Any) -> Run:
    """``book`` converted into ``out`` through the book converter, its conversions and label-pass
    parses counted (the real functions, wrapped)."""
    converted: list[str] = []
    parsed: list[str] = []
    real_convert, real_parse = converter_module.convert_text, convert_module.parse_text

    def counting_convert(text: str, **kwargs: Any) -> Any:
        converted.append(str(kwargs["path"]).split("#")[0])
        return real_convert(text, **kwargs)

    def counting_parse(text: str, path: str = "<string>", *args: Any, **kwargs: Any) -> Any:
        parsed.append(path)
        return real_parse(text, path, *args, **kwargs)

    converter_module.convert_text = counting_convert  # type: ignore[assignment]
    convert_module.parse_text = counting_parse
    try:
        run = book_converter(book, out, settings=Settings(src=book, **settings))
        report = run.run()
    finally:
        converter_module.convert_text = real_convert
        convert_module.parse_text = real_parse
    data = report.as_json()
    for key in ("files_written", "files_unchanged", "assets_copied"):  # what a fresh folder changes
        data.pop(key)
    assert len(converted) >= len(set(converted))
    return Run(data, [str(w) for w in run.warnings], set(converted), len(parsed), report.files_reused)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file of an output folder (its manifest too) with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".myst2qmd.lock"
    }


class Folder:
    """An output folder converted into again and again, each run checked against a full run of
    the same book into an empty folder."""

    def __init__(self, book: Path, work: Path) -> None:
        self.book = book
        self.work = work
        self.out = work / "out"
        self.fulls = 0

    def run(self, **settings: Any) -> Run:
        """Convert into the folder; the same as a full run (files, manifest, warnings, report)."""
        again = convert(self.book, self.out, **settings)
        self.fulls += 1
        fresh = self.work / f"full-{self.fulls}"
        full = convert(self.book, fresh, **settings)
        assert full.reused == 0
        got, expected = tree(self.out), tree(fresh)
        assert sorted(got) == sorted(expected)
        assert [name for name in got if got[name] != expected[name]] == []
        assert again.warnings == full.warnings
        assert again.report == full.report
        shutil.rmtree(fresh)
        return again


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@dataclass
class BookCase:
    """A book and the edits made to it between runs."""

    source: Path
    toc: str
    #: a chapter edited (text only)
    edit: str
    #: a chapter renamed: its toc entry, old and new
    rename: tuple[str, str, str]
    #: a chapter deleted: its file and its toc line
    delete: tuple[str, str]
    #: a chapter added: the toc line it goes after, the new line, the file and its text
    add: tuple[str, str, str, str]


BOOKS = {
    "kurs": BookCase(
        TESTS / "books" / "kurs",
        "_toc.yml",
        "teil1/vertiefung.md",
        ("glossar", "glossar", "begriffe"),
        ("teil2/anwendung.ipynb", "      - file: teil2/anwendung\n"),
        (
            "      - file: begriffe\n",
            "      - file: teil2/neu\n",
            "teil2/neu.md",
            "# Neu\n\nSiehe {numref}`fig-netz`.\n",
        ),
    ),
    "kurs-jb2": BookCase(
        TESTS / "books" / "kurs-jb2",
        "myst.yml",
        "kapitel/tests.md",
        ("anhang.md", "anhang", "formeln"),
        ("kapitel/streuung.md", "        - file: kapitel/streuung.md\n"),
        (
            "        - file: kapitel/tests.md\n",
            "        - file: kapitel/neu.md\n",
            "kapitel/neu.md",
            "# Neu\n\n[](#eq-varianz)\n",
        ),
    ),
    "corpus": BookCase(
        SHARED / "corpus" / "quadriga-tabelle-1",
        "_toc.yml",
        "Markdown/3_1_FairPrinzipien.md",
        ("Markdown/3_3_Resümee_FAIR", "3_3_Resümee_FAIR", "3_3_Resuemee_FAIR"),
        ("Markdown/4_5_Resümee_Qualität.md", "    - file: Markdown/4_5_Resümee_Qualität\n"),
        ("  - file: Markdown/2_Datenbasis\n", "  - file: Markdown/neu\n", "Markdown/neu.md", "# Neu\n\nText.\n"),
    ),
}


@pytest.fixture
def folder(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Folder, BookCase]]:
    case = BOOKS[request.param]
    if request.param == "corpus":
        require_shared(case.source)
    book = tmp_path / "book"
    shutil.copytree(case.source, book)
    yield Folder(book, tmp_path), case


def label_watchers(out: Path) -> tuple[str, str, set[str]]:
    """From the manifest: a label one chapter defines and others look up (the defining chapter,
    the label, the chapters that look it up)."""
    chapters = read_manifest(out)["chapters"]
    defined = {
        item[0]: path
        for path, entry in chapters.items()
        for piece in entry["labels"]
        for item in piece
        if not item[0].startswith(("slug:", "term:", "math:"))
    }
    for name, path in sorted(defined.items()):
        watchers = {p for p, e in chapters.items() if p != path and name in e["watched"]["names"]}
        if watchers:
            return path, name, watchers
    raise AssertionError("no label of one chapter is looked up by another")


def id_watchers(before: dict[str, Any], after: dict[str, Any], defining: str) -> set[str]:
    """The chapters (of the manifest ``before``) that asked for an id the chapter ``defining`` gave
    or gives a label (``after``: the manifest since), or that listed every id."""

    def ids(chapters: dict[str, Any]) -> set[str]:
        return {item[3] for piece in chapters[defining]["labels"] for item in piece}

    changed = ids(before) ^ ids(after)
    return {
        path
        for path, entry in before.items()
        if entry["watched"]["ids"] or entry["watched"]["every"] or changed & set(entry["watched"]["id_queries"])
    }


@pytest.mark.parametrize("folder", list(BOOKS), indirect=True)
def test_re_runs_convert_what_changed_and_write_what_a_full_run_writes(folder: tuple[Folder, BookCase]) -> None:
    """Edit, rename, delete, add chapters, change a label others reference, change a setting:
    after each, the re-run converts what changed (counted) and leaves what a full run writes."""
    runs, case = folder
    book = runs.book
    first = runs.run()
    assert first.reused == 0 and first.converted and (runs.out / MANIFEST).is_file()
    total = len(first.converted)

    again = runs.run()  # nothing changed: nothing converted, nothing parsed
    assert (again.converted, again.parsed, again.reused) == (set(), 0, total)

    (book / case.edit).write_text((book / case.edit).read_text(encoding="utf-8") + "\nEin neuer Absatz.\n", "utf-8")
    edited = runs.run()
    assert (edited.converted, edited.parsed, edited.reused) == ({case.edit}, 1, total - 1)

    defining, label, watchers = label_watchers(runs.out)
    before = read_manifest(runs.out)["chapters"]
    _edit(book / defining, label, label + "x")  # the label renamed where it is defined
    relabelled = runs.run()
    every = id_watchers(before, read_manifest(runs.out)["chapters"], defining)
    assert relabelled.converted == {defining} | watchers | every
    assert len(relabelled.converted) < len(first.converted)
    assert relabelled.parsed == 1

    entry, old, new = case.rename
    source = next(p for p in book.rglob(f"{old}.*") if p.suffix in (".md", ".ipynb"))
    source.rename(source.with_name(f"{new}{source.suffix}"))
    _edit(book / case.toc, f"file: {entry}", f"file: {entry.replace(old, new)}")
    renamed = runs.run()
    assert source.relative_to(book).with_name(f"{new}{source.suffix}").as_posix() in renamed.converted
    assert not any(p.stem == old for p in runs.out.rglob("*") if p.suffix in (".qmd", ".ipynb"))

    gone, line = case.delete
    (book / gone).unlink()
    _edit(book / case.toc, line, "")
    deleted = runs.run()
    assert gone not in deleted.converted and not (runs.out / gone).with_suffix(".qmd").exists()

    after, line, rel, text = case.add
    (book / rel).write_text(text, encoding="utf-8")
    _edit(book / case.toc, after, after + line)
    added = runs.run()
    assert rel in added.converted and added.reused >= 1

    changed = runs.run(escape_fences=True)  # a setting: every chapter converted
    assert changed.reused == 0
    assert runs.run(escape_fences=True).converted == set()


def test_force_converts_every_chapter(tmp_path: Path) -> None:
    book = tmp_path / "kurs"
    shutil.copytree(TESTS / "books" / "kurs", book)
    runs = Folder(book, tmp_path)
    runs.run()
    first_parses = convert(book, tmp_path / "other").parsed
    forced = runs.run(force=True)
    assert forced.reused == 0 and len(forced.converted) == 5 and forced.parsed == first_parses
    assert runs.run().reused == 5


@pytest.mark.parametrize(
    "spoil",
    [
        lambda text: text[: len(text) // 2],  # cut short
        lambda text: "not json\n",
        lambda text: text.replace(
            '"warnings":[]', '"warnings":[["intro.md",1,"erfunden","ref-undefined","warning"]]', 1
        ),
        lambda text: text.split("\n", 1)[1],  # no checksum line
        lambda text: re.sub(r'"format":\d+', '"format":0', text),  # another version's
        lambda text: "\0\xff",
    ],
    ids=["cut", "not-json", "hand-edited", "no-checksum", "other-format", "binary"],
)
def test_a_spoilt_manifest_is_not_read(tmp_path: Path, spoil: Callable[[str], str]) -> None:
    """A manifest cut short, edited by hand, or of another format: every chapter is converted (no
    crash, no warning of its own), and the folder is what a full run writes."""
    book = tmp_path / "kurs"
    shutil.copytree(TESTS / "books" / "kurs", book)
    runs = Folder(book, tmp_path)
    runs.run()
    manifest = runs.out / MANIFEST
    manifest.write_text(spoil(manifest.read_text(encoding="utf-8")), encoding="utf-8", errors="surrogateescape")
    again = runs.run()
    assert again.reused == 0 and len(again.converted) == 5


def test_an_output_edited_since_is_converted_again(tmp_path: Path) -> None:
    """A chapter's output edited by hand: converted again and written as a full run writes it."""
    book = tmp_path / "kurs"
    shutil.copytree(TESTS / "books" / "kurs", book)
    runs = Folder(book, tmp_path)
    runs.run()
    _edit(runs.out / "teil1" / "grundlagen.qmd", "Faltung", "Fultung")
    again = runs.run()
    assert again.converted == {"teil1/grundlagen.md"}


def test_a_stale_manifest_never_keeps_a_stale_output(tmp_path: Path) -> None:
    """The manifest of an earlier run beside newer outputs, or a newer manifest beside older
    outputs (no commit leaves either): what changed since is converted again."""
    book = tmp_path / "kurs"
    shutil.copytree(TESTS / "books" / "kurs", book)
    runs = Folder(book, tmp_path)
    runs.run()
    old_manifest = (runs.out / MANIFEST).read_bytes()
    old_output = (runs.out / "teil1" / "vertiefung.qmd").read_bytes()
    _edit(book / "teil1" / "vertiefung.md", "wieder auf", "noch einmal auf")
    runs.run()
    (runs.out / MANIFEST).write_bytes(old_manifest)  # older manifest, newer output
    assert runs.run().converted == {"teil1/vertiefung.md"}
    (runs.out / "teil1" / "vertiefung.qmd").write_bytes(old_output)  # newer manifest, older output
    assert runs.run().converted == {"teil1/vertiefung.md"}


def test_included_files_and_linked_files_are_looked_at(tmp_path: Path) -> None:
    """A chapter that includes code, reads a CSV table and links a file that is not there yet:
    converted again when the file changes (or appears), the others not. A Markdown file included
    whole (``{include}``: Quarto's include) is converted on every run, as a full run converts it."""
    book = tmp_path / "buch"
    book.mkdir()
    (book / "_toc.yml").write_text("root: intro\nchapters:\n- file: teil\n- file: anders\n", encoding="utf-8")
    intro = "# Intro\n\n```{include} stueck.md\n```\n\n```{literalinclude} code.py\n```\n\n[Daten](daten.pdf)\n"
    (book / "intro.md").write_text(intro, "utf-8")
    (book / "stueck.md").write_text("Ein Stück.\n", encoding="utf-8")
    (book / "code.py").write_text("x = 1\n", encoding="utf-8")
    (book / "teil.md").write_text("# Teil\n\n```{csv-table}\n:file: werte.csv\n```\n", encoding="utf-8")
    (book / "werte.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (book / "anders.md").write_text("# Anders\n\nText.\n", encoding="utf-8")
    runs = Folder(book, tmp_path)
    included = {"stueck.md"}
    assert runs.run().converted == {"intro.md", "teil.md", "anders.md"} | included
    (book / "stueck.md").write_text("Ein anderes Stück.\n", encoding="utf-8")
    assert runs.run().converted - included == {"intro.md"}  # it looks at the file
    (book / "code.py").write_text("x = 2\n", encoding="utf-8")
    assert runs.run().converted - included == {"intro.md"}
    (book / "werte.csv").write_text("a,b\n3,4\n", encoding="utf-8")
    assert runs.run().converted - included == {"teil.md"}
    (book / "daten.pdf").write_bytes(b"%PDF")
    assert runs.run().converted - included == {"intro.md"}  # its link-missing warning goes
    assert runs.run().converted == included


def test_an_embedded_cell_s_notebooks_are_noted_alike_read_or_cached(tmp_path: Path) -> None:
    """Two chapters embed a notebook's cell: the notebooks are read for the first and found cached
    for the second, and both note the same (the manifest is a full run's, byte for byte); a
    notebook edited converts both again."""
    book = tmp_path / "buch"
    book.mkdir()
    (book / "_toc.yml").write_text("root: intro\nchapters:\n- file: teil\n- file: rest\n", encoding="utf-8")
    for name in ("intro", "teil"):
        (book / f"{name}.md").write_text(f"# {name}\n\n:::{{embed}} #fig-x\n:::\n", encoding="utf-8")
    (book / "rest.md").write_text("# Rest\n\nText.\n", encoding="utf-8")
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": "#| label: fig-x\n1"}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (book / "daten.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    runs = Folder(book, tmp_path)
    assert runs.run().converted == {"intro.md", "teil.md", "rest.md"}
    chapters = read_manifest(runs.out)["chapters"]
    assert chapters["intro.md"]["watched"]["files"] == chapters["teil.md"]["watched"]["files"]
    assert runs.run().converted == set()
    cell["source"] = "#| label: fig-x\n2"
    (book / "daten.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    assert runs.run().converted == {"intro.md", "teil.md"}


@pytest.mark.skipif(not Path("/proc/self/mem").is_file(), reason="needs /proc/self/mem (Linux): a file no read gets")
def test_a_notebook_that_cannot_be_read_is_looked_at_as_unreadable(tmp_path: Path) -> None:
    """A chapter that embeds a cell looks at every notebook of the project; one that cannot be read
    (a regular file whose read fails) is read around, as the conversion reads around it: the run
    converts, warns as a full run does, and the next one reuses the chapter."""
    book = tmp_path / "buch"
    book.mkdir()
    (book / "_toc.yml").write_text("root: intro\nchapters:\n- file: teil\n", encoding="utf-8")
    (book / "intro.md").write_text("# Intro\n\n:::{embed} #fig-x\n:::\n", encoding="utf-8")
    (book / "teil.md").write_text("# Teil\n\nText.\n", encoding="utf-8")
    (book / "kaputt.ipynb").symlink_to("/proc/self/mem")  # a regular file; reading it fails (EIO)
    runs = Folder(book, tmp_path)
    first = runs.run()
    assert first.converted == {"intro.md", "teil.md"}
    assert any("fig-x" in w for w in first.warnings)
    assert runs.run().converted == set()


def test_a_renamed_chapter_s_old_output_goes_unless_edited(tmp_path: Path) -> None:
    """The output of a chapter no longer in the book is removed in the commit; one edited since
    it was written is kept, and a note says so."""
    book = tmp_path / "kurs"
    shutil.copytree(TESTS / "books" / "kurs", book)
    out = tmp_path / "out"
    convert(book, out)
    _edit(book / "_toc.yml", "      - file: glossar\n", "")
    (out / "teil2" / "anwendung.ipynb").write_text("{}", encoding="utf-8")  # the user's now
    _edit(book / "_toc.yml", "      - file: teil2/anwendung\n", "")
    run = book_converter(book, out, settings=Settings(src=book))
    report = run.run()
    assert report.files_removed == 1 and not (out / "glossar.qmd").exists()
    assert (out / "teil2" / "anwendung.ipynb").read_text(encoding="utf-8") == "{}"
    assert any("changed since, so kept" in note for note in run.recovered)


def test_an_only_run_s_outputs_go_as_the_runs_own_when_no_longer_written(tmp_path: Path) -> None:
    """``--only`` writes part of the book and records what it wrote in the last manifest: when that
    chapter leaves the book, the next run removes its output as its own, not keeps it as edited."""
    book = tmp_path / "kurs"
    shutil.copytree(TESTS / "books" / "kurs", book)
    out = tmp_path / "out"
    convert(book, out)
    _edit(book / "glossar.md", "# ", "# Neu: ")
    assert "glossar.qmd" in book_converter(book, out, settings=Settings(src=book, only=("glossar.md",))).run().written
    _edit(book / "_toc.yml", "      - file: glossar\n", "")
    run = book_converter(book, out, settings=Settings(src=book))
    report = run.run()
    assert report.files_removed == 1 and not (out / "glossar.qmd").exists(), run.recovered
    assert not run.recovered


def test_the_summary_says_how_many_were_reused_and_exit_codes_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the command line: the summary counts the chapters reused; warnings and exit code are a
    full run's."""
    book = tmp_path / "kurs"
    shutil.copytree(TESTS / "books" / "kurs", book)
    _edit(book / "teil1" / "vertiefung.md", "{ref}`faltung`", "{ref}`fehlt`")  # a warning of its own
    out = str(tmp_path / "out")
    first = cli.main(["convert", str(book), "-o", out])
    full_err = capsys.readouterr().err
    again = cli.main(["convert", str(book), "-o", out])
    err = capsys.readouterr().err
    assert first == again
    assert "5 chapters, 5 reused from the last run (0 files written" in err
    assert (
        [line for line in err.splitlines() if "warning [" in line]
        == [line for line in full_err.splitlines() if "warning [" in line]
        != []
    )
    assert cli.main(["convert", str(book), "-o", out, "--force"]) == first
    assert "reused" not in capsys.readouterr().err


def _paused_run(book: Path, out: Path, step: int) -> str:
    """A run into ``out`` killed (``kill -9``) once its commit has paused after ``step``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYST2QMD_")}
    env.update({PAUSE_ENV: str(step), "MYST2QMD_ENGINE": "none", "PYTHONPATH": os.pathsep.join(sys.path)})
    process = subprocess.Popen(
        [sys.executable, "-m", "myst2qmd", "convert", str(book), "-o", str(out), "-q"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stderr is not None
    said = ""
    for line in process.stderr:
        said += line
        if "commit paused" in line:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=120)
    return said


def test_a_killed_re_run_leaves_a_folder_the_next_run_completes(tmp_path: Path) -> None:
    """Killed at points of its commit (staging, the journal, the moves, the manifest among them),
    the next run leaves what a full run writes, and reuses what the folder holds whole."""
    book = tmp_path / "kurs"
    shutil.copytree(TESTS / "books" / "kurs", book)
    runs = Folder(book, tmp_path)
    runs.run()
    pristine = tmp_path / "pristine"
    shutil.copytree(runs.out, pristine)
    _edit(book / "teil1" / "vertiefung.md", "wieder auf", "noch einmal auf")
    _edit(book / "_toc.yml", "      - file: glossar\n", "")
    for step in (1, 3, 5, 6, 8, 9, 13, 16, 18):
        shutil.rmtree(runs.out)
        shutil.copytree(pristine, runs.out)
        said = _paused_run(book, runs.out, step)
        assert f"paused after step {step} " in said, said
        again = runs.run()
        assert again.converted <= {"teil1/vertiefung.md", "intro.md"}, step
        assert json.loads((runs.out / MANIFEST).read_text(encoding="utf-8").split("\n", 1)[1])["chapters"]


@pytest.mark.parametrize("processes", ["1", "2"])
def test_an_unchanged_notebook_is_read_only_when_converted_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: str
) -> None:
    """A notebook whose source did not change is not read on a re-run (nbformat's check is most of
    a re-run's time); when a label it references changes, it is read and converted again, in a
    worker process too, and the folder is a full run's."""
    monkeypatch.setenv("MYST2QMD_BOOK_PROCESSES", processes)
    book = tmp_path / "kurs"
    shutil.copytree(TESTS / "books" / "kurs", book)
    runs = Folder(book, tmp_path)
    runs.run()
    reads: list[str] = []
    real = converter_module.read_chapter

    def counting(chapter: Any) -> Any:
        reads.append(chapter.rel.as_posix())
        return real(chapter)

    monkeypatch.setattr(converter_module, "read_chapter", counting)
    assert convert(book, runs.out).reused == 5
    assert "teil2/anwendung.ipynb" not in reads and "intro.md" in reads
    _edit(book / "teil1" / "grundlagen.md", "(faltung)=", "(faltungen)=")
    reads.clear()
    again = convert(book, runs.out)
    assert again.reused == 2  # glossar.md, intro.md
    assert reads.count("teil2/anwendung.ipynb") == 1  # here (and in the worker that converts it)
    if processes == "1":
        assert again.converted == {"teil1/grundlagen.md", "teil1/vertiefung.md", "teil2/anwendung.ipynb"}
    assert runs.run().reused == 5  # and the folder is a full run's


def test_a_notebook_edited_while_it_is_read_is_converted_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A notebook edited right after the run read it: the manifest keeps the digest of what was
    read, so the next run converts it again (the output of the older text never stays)."""
    book = tmp_path / "kurs"
    shutil.copytree(TESTS / "books" / "kurs", book)
    runs = Folder(book, tmp_path)
    runs.run()
    notebook = book / "teil2" / "anwendung.ipynb"
    real = converter_module.read_chapter

    def edited_after_reading(chapter: Any) -> Any:
        document = real(chapter)
        if chapter.source == notebook:
            _edit(notebook, "Nutzung", "Verwendung")
        return document

    monkeypatch.setattr(converter_module, "read_chapter", edited_after_reading)
    _edit(notebook, "Anwendung", "Nutzung")
    assert "teil2/anwendung.ipynb" in convert(book, runs.out).converted
    monkeypatch.setattr(converter_module, "read_chapter", real)
    assert "Verwendung" in notebook.read_text(encoding="utf-8")
    assert runs.run().converted == {"teil2/anwendung.ipynb"}  # and the folder is a full run's
