"""Issue 18, items 1-3, 13 and 17: the PO folder is a path the run guards, PO files are written
only where and when nothing of the user's is lost, PO files the tool writes are files it reads,
and links to documents with ``?`` or ``%`` in their names stay links to them.

Every test runs the real command (``myst2qmd.cli.main``) on files in a temporary folder."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import polib
import pytest

from myst2qmd import application
from myst2qmd.translate.pipeline import Translator
from test_trust_book import SIMPLE, make_book, run, snapshot

CHAPTER = "# Faltung\n\nDie Faltung verknüpft zwei Funktionen.\n\nEin Filter gleitet über das Bild.\n"


@pytest.fixture(autouse=True)
def memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The translation memory of every run here: in the test's own folder."""
    monkeypatch.setenv("MYST2QMD_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "translations.sqlite"


def msgfmt_accepts(path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt not found: install gettext (apt-get install gettext)"
    done = subprocess.run([msgfmt, "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# -- item 1: the PO folder never inside the book, unless asked for ----------------------------------
@pytest.mark.parametrize("where", ["locales", ".", "link"])
def test_a_po_folder_inside_the_book_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str) -> None:
    book = make_book(tmp_path / "book", {**SIMPLE, "locales/kapitel/faltung.po": 'msgid "x"\nmsgstr "y"\n'})
    if where == "link":
        (tmp_path / "link").symlink_to(book / "locales")
    po = tmp_path / "link" if where == "link" else book / where
    before = snapshot(tmp_path)
    code, err = run(capsys, str(book), "-o", str(tmp_path / "out"), "--engine", "pseudo", "--po", str(po))
    assert code == 2 and "the input is never written" in err and "--po-inside-book" in err, err
    assert snapshot(tmp_path) == before  # nothing written: not the PO files, not the output


def test_a_po_setting_in_the_books_own_config_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    book = make_book(tmp_path / "book", {**SIMPLE, "myst2qmd.toml": 'po = "po"\nengine = "pseudo"\n'})
    monkeypatch.chdir(book)
    before = snapshot(book)
    code, err = run(capsys, ".", "-o", str(tmp_path / "out"))
    assert code == 2 and "--po" in err and "inside the book" in err, err
    assert snapshot(book) == before


def test_po_inside_book_allows_the_sphinx_intl_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = make_book(tmp_path / "book", SIMPLE)
    po = book / "locales" / "en" / "LC_MESSAGES"
    argv = [str(book), "-o", str(tmp_path / "out"), "--engine", "pseudo", "--po", str(po), "--po-inside-book"]
    code, err = run(capsys, *argv)
    assert code == 0, err
    assert (po / "kapitel" / "faltung.po").is_file()
    assert not list((tmp_path / "out").rglob("*.po"))  # not copied into the Quarto book


# -- item 2: a PO file is among the files the run writes ---------------------------------------------
def test_report_onto_a_reviewed_po_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = make_book(tmp_path / "book", SIMPLE)
    po, out = tmp_path / "po", tmp_path / "out"
    assert run(capsys, str(book), "-o", str(out), "--engine", "pseudo", "--po", str(po))[0] == 0
    before = snapshot(tmp_path)
    report = po / "kapitel" / "faltung.po"
    code, err = run(capsys, str(book), "-o", str(out), "--engine", "pseudo", "--po", str(po), "--report", str(report))
    assert code == 2 and "PO folder" in err, err
    assert snapshot(tmp_path) == before
    # a report beside the PO files that is not one is fine
    code, err = run(capsys, str(book), "-o", str(out), "--po", str(po), "--report", str(po / "report.json"))
    assert code == 0, err


@pytest.mark.parametrize(
    ("source", "argv"),
    [
        ("kap.md", ["-o", "po/kap.po", "--po", "po"]),  # the output is the catalog
        ("notes.po", ["-o", "notes.qmd", "--po", "."]),  # the source is its own catalog
        ("kap.md", ["-o", "kap.qmd", "--po", "po", "--report", "po/kap.po"]),  # the report is the catalog
    ],
)
def test_a_file_run_never_writes_a_po_file_onto_another_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, source: str, argv: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("po").mkdir()
    Path(source).write_text(CHAPTER, encoding="utf-8")
    before = snapshot(tmp_path)
    code, err = run(capsys, source, "--engine", "pseudo", *argv)
    assert code == 2, err
    assert snapshot(tmp_path) == before


def test_a_fifo_in_the_po_folder_is_refused_not_waited_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A FIFO where the chapter's PO file belongs: exit 2 naming it, before anything is written
    (it was read with no bound, so the run waited for a writer for ever)."""
    monkeypatch.chdir(tmp_path)
    Path("po").mkdir()
    os.mkfifo("po/k.po")
    Path("k.md").write_text(CHAPTER, encoding="utf-8")
    code, err = run(capsys, "k.md", "-o", "k.qmd", "--engine", "pseudo", "--po", "po")
    assert code == 2 and "po/k.po: not a readable PO file (not a regular file" in err, err
    assert not Path("k.qmd").exists()


def test_the_memory_and_the_report_are_not_one_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], memory: Path
) -> None:
    book = make_book(tmp_path / "book", SIMPLE)
    code, err = run(capsys, str(book), "-o", str(tmp_path / "out"), "--engine", "pseudo", "--report", str(memory))
    assert code == 2 and "translation memory" in err, err
    assert not memory.exists() and not (tmp_path / "out").exists()


def test_a_single_file_output_onto_the_memory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], memory: Path
) -> None:
    (tmp_path / "kap.md").write_text(CHAPTER, encoding="utf-8")
    memory.parent.mkdir(parents=True)
    memory.write_bytes(b"SQLite format 3\x00")
    code, err = run(capsys, str(tmp_path / "kap.md"), "-o", str(memory), "--engine", "pseudo")
    assert code == 2 and "translation memory" in err, err
    assert memory.read_bytes() == b"SQLite format 3\x00"


# -- item 3: a reviewer's save during the run is merged, never overwritten --------------------------
def review_during(monkeypatch: pytest.MonkeyPatch, po: Path, when: str) -> None:
    """While the run goes on (``translate``: while it translates; ``output``: as the output is written),
    a reviewer corrects the first paragraph's entry and saves the PO file."""

    def save() -> None:
        catalog = polib.pofile(str(po))
        for entry in catalog:
            if entry.msgid.startswith("Die Faltung"):
                entry.msgstr, entry.flags = "Convolution joins two functions.", []
        catalog.save()

    if when == "translate":
        original = Translator.translate_document

        def translating(self: Translator, *args: object, **kwargs: object) -> object:
            save()
            return original(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Translator, "translate_document", translating)
    else:
        write = application.file_run.write_atomically

        def writing(path: Path, text: str) -> None:
            save()
            write(path, text)

        monkeypatch.setattr(application.file_run, "write_atomically", writing)


@pytest.mark.parametrize("when", ["translate", "output"])
def test_a_po_file_saved_during_the_run_keeps_the_correction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("kap.md").write_text(CHAPTER, encoding="utf-8")
    assert run(capsys, "kap.md", "--engine", "pseudo", "--po", "po")[0] == 0
    Path("kap.md").write_text(CHAPTER + "\nEin neuer Absatz.\n", encoding="utf-8")
    review_during(monkeypatch, Path("po/kap.po"), when)
    code, err = run(capsys, "kap.md", "--engine", "pseudo", "--po", "po")
    assert code == 0, err
    assert "po/kap.po changed while this run went on" in err, err
    entries = {e.msgid: e for e in polib.pofile("po/kap.po")}
    corrected = entries["Die Faltung verknüpft zwei Funktionen."]
    assert corrected.msgstr == "Convolution joins two functions." and not corrected.fuzzy
    assert "Ein neuer Absatz." in entries  # and this run's new entry is there too
    msgfmt_accepts(Path("po/kap.po"))


# -- item 13: the PO files the tool writes are files it reads ------------------------------------
@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85", "\x1c"])
def test_a_line_separator_in_the_source_reads_back_and_translates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, char: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("kap.md").write_text(f"# Faltung\n\nDie Faltung{char}verknüpft zwei Funktionen.\n", encoding="utf-8")
    code, err = run(capsys, "kap.md", "--engine", "pseudo", "--po", "po")
    assert code == 0 and "translation-kept" not in err, err
    assert f"⟦DIE FALTUNG{char}VERKNÜPFT ZWEI FUNKTIONEN.⟧" in Path("kap.qmd").read_text(encoding="utf-8")
    msgfmt_accepts(Path("po/kap.po"))
    catalog = polib.pofile("po/kap.po")
    for entry in catalog:
        if char in entry.msgid:
            entry.msgstr, entry.flags = f"Convolution{char}joins two functions.", []
    catalog.save()
    code, err = run(capsys, "kap.md", "--engine", "none", "--po", "po")
    assert code == 0 and "po-rejected" not in err, err
    assert f"Convolution{char}joins two functions." in Path("kap.qmd").read_text(encoding="utf-8")


def test_a_newline_in_a_file_name_reads_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a\nb.md").write_text(CHAPTER, encoding="utf-8")
    for _ in range(2):
        code, err = run(capsys, "a\nb.md", "-o", "ab.qmd", "--engine", "pseudo", "--po", "po")
        assert code == 0, err
    msgfmt_accepts(Path("po/a\nb.po"))
    assert "#: a\\x0ab.md:3" in Path("po/a\nb.po").read_text(encoding="utf-8")


@pytest.mark.parametrize("obstacle", ["read-only", "full", "folder"])
def test_a_po_file_that_cannot_be_written_stops_the_run_before_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, obstacle: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("kap.md").write_text(CHAPTER, encoding="utf-8")
    Path("po").mkdir()
    if obstacle == "folder":
        Path("po/kap.po").mkdir()
    elif obstacle == "full":
        mkstemp = tempfile.mkstemp

        def full(*args: object, **kwargs: object) -> tuple[int, str]:
            fd, name = mkstemp(*args, **kwargs)  # type: ignore[call-overload]
            os.close(fd)
            os.unlink(name)
            raise OSError(errno.ENOSPC, "No space left on device", name)

        monkeypatch.setattr(tempfile, "mkstemp", full)
    else:
        Path("po").chmod(stat.S_IRUSR | stat.S_IXUSR)
        if os.access("po", os.W_OK):
            pytest.skip("running as a user who may write into a read-only folder (root)")
    try:
        code, err = run(capsys, "kap.md", "--engine", "pseudo", "--po", "po")
    finally:
        Path("po").chmod(0o755)
    assert code == 1, err
    assert "cannot write po/kap.po" in err and ".tmp" not in err and "nothing was written" in err, err
    assert not Path("kap.qmd").exists()  # exit 1: nothing written
    assert [p.name for p in Path("po").iterdir()] == (["kap.po"] if obstacle == "folder" else [])


def test_a_po_file_that_cannot_be_written_stops_a_book_before_it_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = make_book(tmp_path / "book", SIMPLE)
    (tmp_path / "po" / "kapitel" / "faltung.po").mkdir(parents=True)
    code, err = run(capsys, str(book), "-o", str(tmp_path / "out"), "--engine", "pseudo", "--po", str(tmp_path / "po"))
    assert code == 1 and "faltung.po" in err and ".tmp" not in err, err
    assert not (tmp_path / "out").exists()
    assert not list((tmp_path / "po").rglob("*.tmp")) and not (tmp_path / "po" / "index.po").exists()


def test_a_msgctxt_is_never_matched_across_contexts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Faltung`` as the title and as a heading: two contexts, the title's reviewed. Then the text
    stands only as a paragraph: neither entry is that paragraph's, and no msgctxt is dropped."""
    monkeypatch.chdir(tmp_path)
    Path("kap.md").write_text("# Faltung\n\n## Faltung\n\nText.\n", encoding="utf-8")
    assert run(capsys, "kap.md", "--engine", "pseudo", "--po", "po")[0] == 0
    catalog = polib.pofile("po/kap.po")
    for entry in catalog:
        if entry.msgctxt == "title":
            entry.msgstr, entry.flags = "Convolution", []
    catalog.save()
    Path("kap.md").write_text("# Neu\n\nFaltung\n", encoding="utf-8")
    for _ in range(2):
        code, err = run(capsys, "kap.md", "--engine", "none", "--po", "po")
        assert code == 0, err
        assert "\nConvolution\n" not in Path("kap.qmd").read_text(encoding="utf-8")
    entries = [(e.msgctxt, e.msgstr, e.obsolete) for e in polib.pofile("po/kap.po") if e.msgid == "Faltung"]
    assert ("title", "Convolution", True) in entries, entries
    assert all(msgstr != "Convolution" for ctx, msgstr, _ in entries if ctx != "title"), entries


# -- item 17 -----------------------------------------------------------------------------------------
def test_doc_links_to_names_with_a_query_or_a_percent_are_encoded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "_toc.yml": "format: jb-book\nroot: intro\nchapters:\n  - file: kap?2\n  - file: kap%20\n",
        "_config.yml": "title: Kurs\n",
        "intro.md": "# Einleitung\n\nSiehe {doc}`kap?2` und {doc}`kap%20`.\n",
        "kap?2.md": "# Zwei\n",
        "kap%20.md": "# Drei\n",
    }
    book = make_book(tmp_path / "book", files)
    code, err = run(capsys, str(book), "-o", str(tmp_path / "out"), "--engine", "none")
    assert code == 0 and "link-missing" not in err, err
    index = (tmp_path / "out" / "index.qmd").read_text(encoding="utf-8")
    assert "[Zwei](kap%3F2.qmd)" in index and "[Drei](kap%2520.qmd)" in index, index
    assert (tmp_path / "out" / "kap?2.qmd").is_file() and (tmp_path / "out" / "kap%20.qmd").is_file()


def test_a_file_that_includes_itself_whole_is_warned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "kap.md").write_text("# Kap\n\n```{include} kap.md\n```\n", encoding="utf-8")
    code, err = run(capsys, str(tmp_path / "kap.md"), "--engine", "none")
    assert code == 0 and "warning [include-failed]" in err and "includes itself" in err, err
    assert "{{< include" not in (tmp_path / "kap.qmd").read_text(encoding="utf-8")


def test_a_file_name_that_is_not_utf8_is_warned_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name whose bytes are not UTF-8 (``bild-\\xff.png``, a chapter a glob finds) cannot be written
    into ``_quarto.yml``, the manifest or a report: that file is left out with a warning naming it
    escaped, the rest of the book is written, twice (a re-run reads the manifest); a single file of
    such a name gets its PO file and report."""
    files = {**SIMPLE, "_toc.yml": "format: jb-book\nroot: intro\nchapters:\n  - glob: kapitel/*\n"}
    book = make_book(tmp_path / "buch", {**files, "bild-\udcff.png": b"png", "kapitel/\udcffbung.md": CHAPTER})
    for _ in range(2):
        code, err = run(
            capsys, str(book), "-o", str(tmp_path / "out"), "--engine", "none", "--report", str(tmp_path / "r.json")
        )
        assert code == 0, err
        assert "bild-\\xff.png: the file name is not UTF-8; not copied" in err, err
        assert "kapitel/\\xffbung.md: the file name is not UTF-8; left out of the book" in err, err
        assert (tmp_path / "out" / "kapitel" / "faltung.qmd").is_file()
    monkeypatch.chdir(tmp_path)
    Path("\udcffbung.md").write_text(CHAPTER, encoding="utf-8")
    # -q: pytest's stderr is strict, a terminal's or a pipe's escapes what is not UTF-8 (Python's backslashreplace)
    args = ("-o", "u.qmd", "--engine", "pseudo", "--po", "po", "--report", "u.json", "-q")
    code, err = run(capsys, "\udcffbung.md", *args)
    assert code == 0, err
    assert "#: \\xffbung.md:3" in Path("po/\udcffbung.po").read_text(encoding="utf-8")
