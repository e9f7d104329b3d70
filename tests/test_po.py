"""Issue 11, items 1-5: gettext PO files out (``--po DIR``) and reviewed translations in.

The round trip runs on the shared corpus book (with one paragraph of inline math added, which
the corpus lacks): the pseudo engine writes the PO files, three entries are edited with polib
(a heading, a paragraph with inline math, a paragraph with a citation), and the next run
writes them byte for byte without sending them. Every PO file written passes ``msgfmt -c``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest

from conftest import SHARED, RecordingPseudo
from fake_openai import FakeOpenAI
from myst2qmd import cli
from myst2qmd.book import BookReport, convert_book
from myst2qmd.check import check
from myst2qmd.context import Warning_
from myst2qmd.files import write_atomically
from myst2qmd.segments import extract_segments
from myst2qmd.translate.engines.base import text_problem
from myst2qmd.translate.engines.pseudo import PseudoEngine
from myst2qmd.translate.pipeline import Translator
from myst2qmd.translate.po import Review
from myst2qmd.translate.po_check import check_reviewed
from myst2qmd.translate.po_merge import Found, merge
from myst2qmd.translate.po_stats import folder_stats
from myst2qmd.translate.po_write import PoWriter
from myst2qmd.translate.validate import check_text
from quarto_ast import book_problems, summarize

CORPUS = SHARED / "corpus" / "quadriga-tabelle-1"
MATH_CHAPTER = "Markdown/6_1_Datenstruktur.md"
MATH_PARAGRAPH = r"Eine Tabelle mit $n$ Zeilen und $m$ Spalten hat $n \cdot m$ Zellen, also nicht $n + m$."
CITE_CHAPTER = "Markdown/5_3_Linked-Data.md"
CITE_PARAGRAPH = "Linked Data basiert auf vier Prinzipien [@berners-lee_linked_2006]:"
HEADING_CHAPTER = "Markdown/6_1_Datenstruktur.md"
HEADING = "Datenorganisation"

EDITS = {
    (HEADING_CHAPTER, HEADING): "How the data is organised",
    (MATH_CHAPTER, MATH_PARAGRAPH): r"A table of $n$ rows and $m$ columns has $n \cdot m$ cells, not $n + m$.",
    (CITE_CHAPTER, CITE_PARAGRAPH): "Linked data rests on four principles [@berners-lee_linked_2006]:",
}


def msgfmt_check(path: Path) -> None:
    """``msgfmt -c`` (Debian's gettext; .ci/run installs it) accepts the file."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt not found: install gettext (apt-get install gettext)"
    run = subprocess.run([msgfmt, "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, f"{path}: {run.stderr}"


def po_of(po: Path, chapter: str) -> Path:
    return po / Path(chapter).with_suffix(".po")


def entry(po: Path, chapter: str, msgid: str) -> polib.POEntry:
    found = [e for e in polib.pofile(str(po_of(po, chapter))) if e.msgid == msgid]
    assert len(found) == 1, (chapter, msgid, found)
    return found[0]


def edit(po: Path, chapter: str, changes: dict[str, str]) -> None:
    """Review entries as a translator does: set the msgstr, drop the fuzzy flag (polib saves the file)."""
    catalog = polib.pofile(str(po_of(po, chapter)))
    for item in catalog:
        if item.msgid in changes:
            item.msgstr = changes[item.msgid]
            item.flags = [f for f in item.flags if f != "fuzzy"]
    catalog.save()


def convert(book: Path, out: Path, po: Path, engine: PseudoEngine) -> tuple[BookReport, list[Warning_], Review]:
    """A book run as ``convert BOOK -o OUT --engine pseudo --po PO`` does it, with the engine at hand."""
    review = Review.for_book(po, source_lang="de", target_lang="en", engine="pseudo", project=book.name)
    translator = Translator(engine, review=review)
    report, warnings = convert_book(book, out, translator=translator)
    review.files.write(write_atomically)
    return report, warnings, review


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Path:
    """The corpus book, with one paragraph of inline math added to a chapter."""
    folder = tmp_path_factory.mktemp("book") / CORPUS.name
    shutil.copytree(CORPUS, folder)
    chapter = folder / MATH_CHAPTER
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n" + MATH_PARAGRAPH + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def first(book: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """``myst2qmd convert BOOK -o OUT --engine pseudo --po PO`` on the command line: (out, po)."""
    base = tmp_path_factory.mktemp("first")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MYST2QMD_CACHE_DIR", str(base / "cache"))
        code = cli.main(["convert", str(book), "-o", str(base / "out"), "--engine", "pseudo", "--po", str(base / "po")])
    assert code == 0
    yield base / "out", base / "po"


@pytest.fixture
def po(first: tuple[Path, Path], tmp_path: Path) -> Path:
    """A copy of the first run's PO files, to edit."""
    shutil.copytree(first[1], tmp_path / "po")
    return tmp_path / "po"


def test_first_run_writes_one_po_file_per_chapter(book: Path, first: tuple[Path, Path]) -> None:
    out, po = first
    chapters = {p.relative_to(out).with_suffix("") for p in out.rglob("*.qmd")}
    written = {p.relative_to(po).with_suffix("") for p in po.rglob("*.po")}
    assert chapters <= written | {Path("index")}, chapters - written  # index.qmd: the root chapter's own page
    catalog = polib.pofile(str(po_of(po, MATH_CHAPTER)))
    assert catalog.metadata["Language"] == "en"
    assert catalog.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert catalog.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    heading = entry(po, HEADING_CHAPTER, HEADING)
    assert heading.msgstr == "⟦DATENORGANISATION⟧" and heading.fuzzy  # pseudo text waits for review
    assert heading.comment == "heading" and heading.occurrences == [(HEADING_CHAPTER, "8")]
    math = entry(po, MATH_CHAPTER, MATH_PARAGRAPH)
    assert math.comment == "paragraph" and "$n \\cdot m$" in math.msgstr and "⟨" not in math.msgid + math.msgstr
    cite = entry(po, CITE_CHAPTER, CITE_PARAGRAPH)
    assert cite.occurrences == [(CITE_CHAPTER, "13")] and "[@berners-lee_linked_2006]" in cite.msgstr
    # the notebook's cells and the book title have their PO files too
    assert (po / "Markdown" / "7_1_Übung_Reproduzierbarkeit.po").is_file() and (po / "_config.po").is_file()


def test_every_po_file_passes_msgfmt_check(first: tuple[Path, Path]) -> None:
    files = sorted(first[1].rglob("*.po"))
    assert len(files) > 40
    for path in files:
        msgfmt_check(path)


def test_reviewed_entries_win_and_are_not_sent(book: Path, first: tuple[Path, Path], po: Path, tmp_path: Path) -> None:
    """Done means 1: three entries edited with polib; the next run writes them byte for byte, the engine
    receives none of them. Every other entry is the pseudo engine's (fuzzy, not reviewed): sent again."""
    first_catalogs = list(po.rglob("*.po"))
    waiting = sum(len([e for e in polib.pofile(str(p)) if e.fuzzy]) for p in first_catalogs)
    assert waiting > 1000 and not [e for p in first_catalogs for e in polib.pofile(str(p)) if not e.fuzzy]
    for chapter in {c for c, _ in EDITS}:
        edit(po, chapter, {m: t for (c, m), t in EDITS.items() if c == chapter})
    engine = RecordingPseudo()  # what it received, without the markers
    out = tmp_path / "out"
    report, warnings, _ = convert(book, out, po, engine)
    for (chapter, msgid), text in EDITS.items():
        qmd = (out / Path(chapter).with_suffix(".qmd")).read_text(encoding="utf-8")
        assert text in qmd.splitlines() or f"## {text}" in qmd.splitlines(), (chapter, text)
        assert msgid not in qmd
        # the engine receives masked text: the edited segment's, as it would have been sent, never went out
        masked = extract_segments(msgid + "\n")[0].masked()[0]
        assert masked not in engine.sent and not [sent for sent in engine.sent if sent.startswith(masked[:30])]
        assert entry(po, chapter, msgid).msgstr == text  # the reviewer's words stay in the PO file
    # the engine received every segment but the three (sentence units: at least one unit each)
    assert len(engine.sent) > 1000, len(engine.sent)
    # the parity check passed: nothing reverted, nothing kept
    assert report.translation_report is not None
    assert report.translation_report.parity_reverted == [] and report.translation_report.kept == []
    assert report.translation["reviewed"] == 3
    assert not [w for w in warnings if w.code in ("translation-kept", "po-rejected")]
    problems, _ = check(out)
    # the corpus links a PDF it lacks (convert warns about it): nothing else
    assert [p.path for p in problems if "bildungsbericht-2022.pdf does not exist" in p.message] == [
        "Markdown/2_Datenbasis.qmd"
    ]
    assert len(problems) == 1, "\n".join(map(str, problems))
    assert book_problems(out) == [
        "Markdown/2_Datenbasis.qmd: Data/bildungsbericht-2022.pdf does not exist"
    ]  # pandoc's reading agrees
    # pandoc reads the edited chapters with the structure of the first run's
    for chapter in {c for c, _ in EDITS}:
        rel = Path(chapter).with_suffix(".qmd")
        before = summarize((first[0] / rel).read_text(encoding="utf-8"))
        after = summarize((out / rel).read_text(encoding="utf-8"))
        assert after.inline_math == before.inline_math and after.citations == before.citations
        assert after.links == before.links and after.divs == before.divs and after.code_blocks == before.code_blocks
        # pandoc's automatic id of the edited heading follows its new words; every other id stays
        assert [i for i in after.ids if i != "how-the-data-is-organised"] == [
            i for i in before.ids if i != "datenorganisation"
        ]
    for path in po.rglob("*.po"):
        msgfmt_check(path)


def test_the_cli_round_trip_with_pseudo_writes_the_edits(book: Path, po: Path, tmp_path: Path) -> None:
    for (chapter, msgid), text in EDITS.items():
        edit(po, chapter, {msgid: text})
    out = tmp_path / "out"
    assert cli.main(["convert", str(book), "-o", str(out), "--engine", "pseudo", "--po", str(po), "-q"]) == 0
    qmd = (out / Path(MATH_CHAPTER).with_suffix(".qmd")).read_text(encoding="utf-8")
    assert EDITS[(MATH_CHAPTER, MATH_PARAGRAPH)] in qmd and "## How the data is organised" in qmd
    assert "[@berners-lee_linked_2006]:" in EDITS[(CITE_CHAPTER, CITE_PARAGRAPH)]
    assert EDITS[(CITE_CHAPTER, CITE_PARAGRAPH)] in (out / "Markdown" / "5_3_Linked-Data.qmd").read_text("utf-8")


def test_a_reviewed_entry_that_lost_math_is_reported_and_not_used(
    book: Path, po: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = "A table of $n$ rows and $m$ columns has n times m cells, not $n + m$."
    edit(po, MATH_CHAPTER, {MATH_PARAGRAPH: broken})
    line = entry(po, MATH_CHAPTER, MATH_PARAGRAPH).linenum
    out = tmp_path / "out"
    assert cli.main(["convert", str(book), "-o", str(out), "--engine", "pseudo", "--po", str(po), "-q"]) == 0
    err = capsys.readouterr().err
    where = (
        f"{po_of(po, MATH_CHAPTER)}:{line}: warning [po-rejected]: reviewed translation not used (lost $n \\cdot m$)"
    )
    assert where in err, err
    qmd = (out / Path(MATH_CHAPTER).with_suffix(".qmd")).read_text(encoding="utf-8")
    assert broken not in qmd
    assert "⟦EINE TABELLE MIT $n$ ZEILEN" in qmd  # the engine's translation instead
    # with --engine none: the original text
    out = tmp_path / "none"
    assert cli.main(["convert", str(book), "-o", str(out), "--engine", "none", "--po", str(po), "-q"]) == 0
    assert where in capsys.readouterr().err
    assert MATH_PARAGRAPH in (out / Path(MATH_CHAPTER).with_suffix(".qmd")).read_text(encoding="utf-8")
    assert entry(po, MATH_CHAPTER, MATH_PARAGRAPH).msgstr == broken  # the reviewer's words are not overwritten


CHAPTER = """# Faltung

Die Faltung verknüpft zwei Funktionen $f$ und $g$ zu einer dritten.

Ein Filter gleitet über das Bild, siehe @fig-filter.

Dieser Absatz wird später gelöscht, weil er nichts Neues sagt.

Faltung

| Begriff | Bedeutung |
|---|---|
| Faltung | Verknüpfung zweier Funktionen |
"""


@pytest.fixture
def chapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "faltung.md").write_text(CHAPTER, encoding="utf-8")
    return tmp_path / "faltung.md"


def run(*args: str) -> int:
    return cli.main(["convert", "faltung.md", "-o", "faltung.qmd", "-q", *args])


def test_a_single_file_gets_dir_stem_po_and_context_separates_kinds(chapter: Path) -> None:
    assert run("--engine", "pseudo", "--po", "po") == 0
    catalog = polib.pofile("po/faltung.po")
    same = sorted((e.msgctxt, e.comment, e.occurrences[0][1]) for e in catalog if e.msgid == "Faltung")
    # the chapter's first heading is its title (front matter) in Quarto
    assert same == [("paragraph", "paragraph", "9"), ("table cell", "table cell", "13"), ("title", "title", "1")]
    assert [e.occurrences for e in catalog if e.msgid.startswith("Die Faltung")] == [[("faltung.md", "3")]]
    assert all(e.msgctxt is None for e in catalog if e.msgid != "Faltung")
    msgfmt_check(Path("po/faltung.po"))
    # the title's reviewed translation is the title's, not the table cell's
    catalog = polib.pofile("po/faltung.po")
    for item in catalog:
        if item.msgid == "Faltung":
            item.msgstr = {"title": "Convolution", "paragraph": "Convolving", "table cell": "convolution"}[item.msgctxt]
            item.flags = []  # reviewed
    catalog.save()
    assert run("--engine", "none", "--po", "po") == 0
    qmd = Path("faltung.qmd").read_text(encoding="utf-8")
    assert '\ntitle: "Convolution"\n' in qmd and "\nConvolving\n" in qmd and "| convolution |" in qmd


def test_a_single_files_po_file_names_it_alike_from_every_path(chapter: Path) -> None:
    """The ``#:`` lines name the file, not the path it was given by: a PO file kept in version control
    reads the same from every checkout (polib wraps long reference lines, so a path's length would
    move entries' lines too)."""
    deep = chapter.parent / ("a-long-folder-name-" * 4) / "tief"
    deep.mkdir(parents=True)
    shutil.copy(chapter, deep / "faltung.md")
    assert run("--engine", "pseudo", "--po", "po") == 0
    args = ["convert", str(deep / "faltung.md"), "-o", "deep.qmd", "-q", "--engine", "pseudo", "--po", "po-deep"]
    assert cli.main(args) == 0
    dated = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): .*$', re.M)
    near, far = (dated.sub("", Path(f"{name}/faltung.po").read_text(encoding="utf-8")) for name in ("po", "po-deep"))
    assert far == near and "#: faltung.md:" in far


def test_engine_none_with_po_writes_only_reviewed_translations(chapter: Path) -> None:
    assert run("--engine", "none", "--po", "po") == 0
    catalog = polib.pofile("po/faltung.po")
    assert catalog.percent_translated() == 0 and not catalog.fuzzy_entries()
    edit(
        Path("po"),
        "faltung.md",
        {"Ein Filter gleitet über das Bild, siehe @fig-filter.": "A filter slides, see @fig-filter."},
    )
    assert run("--engine", "none", "--po", "po") == 0
    qmd = Path("faltung.qmd").read_text(encoding="utf-8")
    assert "\nA filter slides, see @fig-filter.\n" in qmd and "Die Faltung verknüpft" in qmd


def test_source_changes_are_merged_as_msgmerge_does(chapter: Path) -> None:
    """Done means 3: a changed paragraph becomes fuzzy with its previous msgid, a deleted one
    obsolete, reviewed ones stay as they were."""
    assert run("--engine", "pseudo", "--po", "po") == 0
    first = polib.pofile("po/faltung.po")
    convolution = next(e for e in first if e.msgid.startswith("Die Faltung"))
    dropped = next(e for e in first if e.msgid.startswith("Dieser Absatz"))
    # reviewed: the heading's, the paragraph that will change, the one that will go (as pseudo wrote it)
    edit(
        Path("po"),
        "faltung.md",
        {"Faltung": "Convolution", convolution.msgid: "Convolution joins $f$ and $g$.", dropped.msgid: dropped.msgstr},
    )
    before = {(e.msgctxt, e.msgid): (e.msgstr, e.flags) for e in polib.pofile("po/faltung.po")}
    changed = CHAPTER.replace("zu einer dritten.", "zu einer neuen dritten Funktion.").replace(
        "Dieser Absatz wird später gelöscht, weil er nichts Neues sagt.\n\n", ""
    )
    chapter.write_text(changed, encoding="utf-8")
    assert run("--engine", "pseudo", "--po", "po") == 0
    catalog = polib.pofile("po/faltung.po")
    new = next(e for e in catalog if e.msgid.startswith("Die Faltung"))
    assert new.fuzzy and new.previous_msgid == "Die Faltung verknüpft zwei Funktionen $f$ und $g$ zu einer dritten."
    assert new.msgstr == before[(None, new.previous_msgid)][0]  # the reviewed words, to adapt
    gone = [e for e in catalog if e.obsolete]
    assert [e.msgid for e in gone] == ["Dieser Absatz wird später gelöscht, weil er nichts Neues sagt."]
    for item in catalog:
        if not item.obsolete and item is not new:
            assert (item.msgstr, item.flags) == before[(item.msgctxt, item.msgid)], item.msgid
    assert "#~ msgid" in Path("po/faltung.po").read_text(encoding="utf-8")
    assert '#| "Die Faltung verknüpft' in Path("po/faltung.po").read_text(encoding="utf-8")
    msgfmt_check(Path("po/faltung.po"))
    # the entry waiting for review keeps the reviewer's words and its #| on the next run
    assert run("--engine", "pseudo", "--po", "po") == 0
    again = next(e for e in polib.pofile("po/faltung.po") if e.msgid.startswith("Die Faltung"))
    assert (again.msgstr, again.previous_msgid, again.fuzzy) == (new.msgstr, new.previous_msgid, True)
    # a paragraph written again gets its reviewed translation back from the obsolete entry
    chapter.write_text(CHAPTER, encoding="utf-8")
    assert run("--engine", "none", "--po", "po") == 0
    assert "⟦DIESER ABSATZ WIRD SPÄTER GELÖSCHT" in Path("faltung.qmd").read_text(encoding="utf-8")


def test_an_unchanged_run_rewrites_no_po_file(chapter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    english = "This paragraph is already written in English, so nothing of it is sent to the engine."
    chapter.write_text(CHAPTER + "\n" + english + "\n", encoding="utf-8")
    assert cli.main(["convert", "faltung.md", "-o", "faltung.qmd", "--engine", "pseudo", "--po", "po"]) == 0
    assert "1 PO files written" in capsys.readouterr().err
    kept = entry(Path("po"), "faltung.md", english)
    assert kept.fuzzy and kept.msgstr == english  # kept the original: fuzzy
    text = Path("po/faltung.po").read_bytes()
    for engine in ("pseudo", "none"):  # a run that sends nothing keeps what the PO file holds
        assert cli.main(["convert", "faltung.md", "-o", "faltung.qmd", "--engine", engine, "--po", "po"]) == 0
        assert "0 PO files written" in capsys.readouterr().err
        assert Path("po/faltung.po").read_bytes() == text


def test_kept_entries_are_marked_apart_from_drafts(chapter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 19 item 2: a unit the engine keeps breaking (``Platzhalterweg``: a placeholder dropped) keeps its
    original, and its entry is marked apart from the fuzzy drafts: untranslated (empty ``msgstr``) with a
    ``#. kept in the original language: why`` line, which ``po stats`` counts and lists with the source line."""
    chapter.write_text(CHAPTER + "\nPlatzhalterweg bei $x$ und $y$ im Text.\n", encoding="utf-8")
    with FakeOpenAI() as server:
        code = run("--engine", "openai", "--base-url", server.base_url, "--po", "po", "--no-cache")
        sent = [text for body in server.bodies for text in _units(body)]
    assert code == 0
    catalog = polib.pofile("po/faltung.po")
    kept = next(e for e in catalog if e.msgid.startswith("Platzhalterweg"))
    assert not kept.fuzzy and kept.msgstr == "" and "kept in the original language: placeholders" in kept.comment
    assert kept.comment.split("\n")[0] == "paragraph"
    msgfmt_check(Path("po/faltung.po"))
    capsys.readouterr()
    assert cli.main(["po", "stats", "po"]) == 0
    out = capsys.readouterr().out
    assert "1 kept in the original language." in out
    assert re.search(r"^faltung\.md:15: kept in the original language: placeholders", out, re.M), out
    good = next(e for e in catalog if e.msgid.startswith("Die Faltung"))
    assert not good.fuzzy and good.msgstr != good.msgid
    # reviewed entries are not sent again; fuzzy ones are
    edit(Path("po"), "faltung.md", {good.msgid: "Convolution combines $f$ and $g$ into a third."})
    with FakeOpenAI() as server:
        assert run("--engine", "openai", "--base-url", server.base_url, "--po", "po", "--no-cache") == 0
        again = [text for body in server.bodies for text in _units(body)]
    assert any("Die Faltung" in t for t in sent) and not any("Die Faltung" in t for t in again)
    assert any("Platzhalterweg" in t for t in again)


def _units(body: dict) -> list[str]:
    import json

    return list(json.loads(body["messages"][-1]["content"]).values())


def test_local_and_pseudo_engine_translations_are_drafts() -> None:
    segment = extract_segments("Die Faltung ist linear.\n")[0]
    for engine, fuzzy in (("local", True), ("pseudo", True), ("deepl", False)):
        review = Review(lambda _where: Path("x.po"), engine=engine)
        review.record("k.md", segment, 1, "Convolution is linear.", "translated")
        (item,) = merge(None, list(review.catalogs[Path("x.po")].found.values()))
        assert item.fuzzy is fuzzy and item.msgstr == "Convolution is linear."


def test_po_setting_from_the_config_file_and_the_environment(chapter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Path("myst2qmd.toml").write_text('po = "from-config"\n', encoding="utf-8")
    assert run("--engine", "pseudo") == 0
    assert Path("from-config/faltung.po").is_file()
    monkeypatch.setenv("MYST2QMD_PO", "from-env")
    assert run("--engine", "pseudo") == 0
    assert Path("from-env/faltung.po").is_file()


def test_po_stats_counts_as_msgfmt_statistics(chapter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--engine", "none", "--po", "po") == 0
    edit(Path("po"), "faltung.md", {"Bedeutung": "Meaning"})
    catalog = polib.pofile("po/faltung.po")
    catalog[0].msgstr, catalog[0].flags = "Convolution draft", ["fuzzy"]
    catalog.save()
    capsys.readouterr()
    assert cli.main(["po", "stats", "po"]) == 0
    out = capsys.readouterr().out.splitlines()
    msgfmt = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", "po/faltung.po"], capture_output=True, text=True
    )
    untranslated = len(catalog) - 2
    assert out == [
        f"faltung.po: 1 translated message, 1 fuzzy translation, {untranslated} untranslated messages.",
        f"total (1 file): 1 translated message, 1 fuzzy translation, {untranslated} untranslated messages.",
    ]
    assert msgfmt.stderr.strip() == f"1 translated message, 1 fuzzy translation, {untranslated} untranslated messages."
    assert [(name, s.translated) for name, s in folder_stats(Path("po"))] == [("faltung.po", 1)]


def test_po_stats_and_convert_refuse_what_they_cannot_read(chapter: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["po", "stats", "nowhere"]) == 2
    Path("po").mkdir()
    Path("po/faltung.po").write_text('msgid "a"\nmsgstr "b"\nbroken line\n', encoding="utf-8")
    capsys.readouterr()
    assert run("--engine", "pseudo", "--po", "po") == 2
    err = capsys.readouterr().err
    assert err == "myst2qmd: error: po/faltung.po:3: not a valid PO file (not PO syntax: broken line)\n"
    assert not Path("faltung.qmd").exists()
    assert cli.main(["po", "stats", "po"]) == 2
    Path("file.po").write_text("", encoding="utf-8")
    assert run("--engine", "pseudo", "--po", "file.po") == 2


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("This holds for $x$.", ""),
        ("$x$ holds, for this.", ""),
        ("This holds for x.", "lost $x$"),
        ("This holds for $x$ and $y$.", "adds markup the source did not have: $"),
        ("This holds for $x$ [here](https://evil.example).", "adds markup the source did not have"),
        ("This holds\n\nfor $x$.", "a blank line would start a new block"),
        ("This holds for $x$\u2028too.", "line break other than"),
        ("This *holds for $x$.", "emphasis markers that close nothing"),
        ("This ⟨1⟩ holds for $x$.", "placeholder"),
    ],
)
def test_reviewed_translations_are_checked_like_replies(text: str, why: str) -> None:
    segment = extract_segments("Für $x$ gilt das.\n")[0]
    masked, reason = check_reviewed(segment, text)
    assert (masked is None) == bool(why) and why in reason


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x1b", "\x00", "\x85", "\u202e", "\ud800", "\r"])
def test_one_bad_character_check_for_replies_and_reviewed_text(char: str) -> None:
    """``text_problem`` (engine replies) and ``check_text`` (any other translation) reject the same characters."""
    text = f"See{char} ⟨1⟩ here."
    assert text_problem(text)
    verdict = check_text("Siehe ⟨1⟩ hier.", text)
    if char != "\r":  # check reads \r as a line break (an engine reply's \r is refused by text_problem first)
        assert not verdict.ok and verdict.reason == text_problem(text)
    assert not text_problem("See ⟨1⟩\there.\n")


def test_a_context_dropped_keeps_the_entry_of_the_same_kind() -> None:
    """The same text as heading and paragraph (two contexts); the paragraph goes: the heading keeps its entry."""
    old = polib.POFile()
    old.append(polib.POEntry(msgid="Faltung", msgstr="Convolving", msgctxt="paragraph", comment="paragraph"))
    old.append(polib.POEntry(msgid="Faltung", msgstr="Convolution", msgctxt="heading", comment="heading"))
    entries = merge(old, [Found("heading", "Faltung", "⟦FALTUNG⟧", False, [("k.md", "1")])])
    assert [(e.msgctxt, e.msgstr, e.obsolete) for e in entries] == [
        ("heading", "Convolution", False),  # the msgctxt is never dropped (issue 18 item 13)
        ("paragraph", "Convolving", True),
    ]


def test_po_files_of_documents_not_in_the_run_are_left_alone(chapter: Path) -> None:
    Path("po/old").mkdir(parents=True)
    Path("po/old/gone.po").write_text('msgid "Alt"\nmsgstr "Old"\n', encoding="utf-8")
    Path("_toc.yml").write_text("format: jb-book\nroot: faltung\n", encoding="utf-8")
    Path("_config.yml").write_text("title: Buch\n", encoding="utf-8")
    inside = ["--po", "po", "--po-inside-book", "-q"]  # sphinx-intl's layout, asked for
    assert cli.main(["convert", ".", "-o", "../out", "--engine", "pseudo", *inside]) == 0
    assert Path("po/faltung.po").is_file() and Path("po/_config.po").is_file()
    assert Path("po/old/gone.po").read_text(encoding="utf-8") == 'msgid "Alt"\nmsgstr "Old"\n'
    # PO files inside the book are not copied into the Quarto book
    assert cli.main(["convert", ".", "-o", "../out", "--engine", "pseudo", *inside]) == 0
    assert not list(Path("../out").rglob("*.po"))


# -- the reviewer's findings: regression tests --------------------------------------------------
HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset={charset}\\n"\n"Language: en\\n"\n\n'
FIRST = "Die Faltung verknüpft zwei Funktionen $f$ und $g$ zu einer dritten."


def msgfmt_refuses(path: Path) -> None:
    run = subprocess.run(["/usr/bin/msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert run.returncode != 0, f"msgfmt accepts {path}"


@pytest.mark.parametrize(
    ("body", "line", "why"),
    [
        (f'msgid "{FIRST}"\nmsgstr "Definition of a convolution\n', 7, "a string without its closing quote"),
        (f'msgid "{FIRST}"\nmsgstr "ends in a backslash\\"\n', 7, "a string without its closing quote"),
        (f'msgid "{FIRST}"\nmsgstr[0] "Convolution"\n', 7, "msgstr[0] without msgid_plural"),
        (f'msgid "{FIRST}"\nmsgstr "A"\n\n#~ msgid "x"\n#~ msgstr "y\n', 10, "a string without its closing quote"),
        (
            f'msgid "{FIRST}"\nmsgstr "A"\n\nmsgid "{FIRST}"\nmsgstr "B"\n',
            9,
            "a second definition of the message of line 6",
        ),
        ('msgid "Faltung"\nmsgstr "A"\n\n#~ msgid "Faltung"\n#~ msgstr "B"\n', 9, "a second definition"),
    ],
)
def test_malformed_po_files_are_refused_with_file_and_line(
    chapter: Path, capsys: pytest.CaptureFixture[str], body: str, line: int, why: str
) -> None:
    """polib reads an unclosed string (dropping its last character), a msgstr[0] without msgid_plural
    (dropping it) and a second definition of one message: msgfmt refuses each, and so does myst2qmd."""
    Path("po").mkdir()
    Path("po/faltung.po").write_text(HEADER.format(charset="UTF-8") + body, encoding="utf-8")
    msgfmt_refuses(Path("po/faltung.po"))
    capsys.readouterr()
    assert run("--engine", "pseudo", "--po", "po") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"myst2qmd: error: po/faltung.po:{line}: not a valid PO file ({why}"), err
    assert len(err.splitlines()) == 1 and not Path("faltung.qmd").exists()
    assert cli.main(["po", "stats", "po"]) == 2


def test_a_latin1_po_file_is_read_in_its_encoding_and_written_in_utf8(
    chapter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Decision: PO files are written in UTF-8 (the header says so), whatever encoding they were read in."""
    reviewed = "Convolution joins $f$ and $g$ into a third (naïve)."
    Path("po").mkdir()
    text = HEADER.format(charset="ISO-8859-1") + f'msgid "{FIRST}"\nmsgstr "{reviewed}"\n'
    Path("po/faltung.po").write_bytes(text.encode("latin-1"))
    msgfmt_check(Path("po/faltung.po"))
    assert cli.main(["convert", "faltung.md", "-o", "faltung.qmd", "--engine", "pseudo", "--po", "po"]) == 0
    assert "1 PO files written" in capsys.readouterr().err
    assert f"\n{reviewed}\n" in Path("faltung.qmd").read_text(encoding="utf-8")
    written = Path("po/faltung.po").read_bytes().decode("utf-8")
    assert "charset=UTF-8" in written and f'msgstr "{reviewed}"' in written
    msgfmt_check(Path("po/faltung.po"))
    assert cli.main(["convert", "faltung.md", "-o", "faltung.qmd", "--engine", "pseudo", "--po", "po"]) == 0
    assert "0 PO files written" in capsys.readouterr().err


def test_merge_keeps_translator_comments_flags_and_the_first_previous_msgid(chapter: Path) -> None:
    """As ``msgmerge --previous``: a reviewed entry whose source changes keeps its ``# note`` and its
    flags; changed a second time before review, its ``#|`` is still the text the msgstr translates."""
    assert run("--engine", "pseudo", "--po", "po") == 0
    catalog = polib.pofile("po/faltung.po")
    item = next(e for e in catalog if e.msgid == FIRST)
    item.msgstr, item.flags, item.tcomment = "Convolution joins $f$ and $g$.", ["no-wrap"], "checked by A."
    catalog.save()
    for step, new in enumerate(["zu einer neuen dritten.", "zu einer ganz neuen dritten."]):
        chapter.write_text(CHAPTER.replace("zu einer dritten.", new), encoding="utf-8")
        assert run("--engine", "pseudo", "--po", "po") == 0, step
        changed = next(e for e in polib.pofile("po/faltung.po") if e.msgid.endswith(new))
        assert changed.previous_msgid == FIRST, step
        assert changed.msgstr == "Convolution joins $f$ and $g$." and changed.tcomment == "checked by A."
        assert sorted(changed.flags) == ["fuzzy", "no-wrap"]
        msgfmt_check(Path("po/faltung.po"))


def test_merge_never_writes_a_message_twice(tmp_path: Path) -> None:
    """An old catalog holding one message live and obsolete (polib reads such a file): written once."""
    old = polib.POFile()
    old.append(polib.POEntry(msgid="Faltung", msgstr="Convolution"))
    old.append(polib.POEntry(msgid="Faltung", msgstr="Folding", obsolete=True))
    old.append(polib.POEntry(msgid="Alt", msgstr="Old", obsolete=True))
    old.append(polib.POEntry(msgid="Alt", msgstr="Older", obsolete=True))
    entries = merge(old, [Found("paragraph", "Faltung", "⟦FALTUNG⟧", False, [("k.md", "1")])])
    assert [(e.msgid, e.msgstr, e.obsolete) for e in entries] == [
        ("Faltung", "Convolution", False),
        ("Alt", "Old", True),
    ]
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    po.extend(entries)
    po.save(str(tmp_path / "k.po"))
    msgfmt_check(tmp_path / "k.po")


HEADED = CHAPTER.replace("Ein Filter gleitet", "## Beispiel\n\nEin Filter gleitet")


def test_a_reviewed_entry_breaking_the_structure_is_translated_by_the_engine(
    chapter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``Example #`` passes the reply checks, but its ``#`` closes the ATX heading (the parity check
    catches it): the engine's text is used, with a warning naming the PO file's line; with
    ``--engine none`` the original."""
    chapter.write_text(HEADED, encoding="utf-8")
    assert run("--engine", "pseudo", "--po", "po") == 0
    edit(Path("po"), "faltung.md", {"Beispiel": "Example #"})
    line = entry(Path("po"), "faltung.md", "Beispiel").linenum
    capsys.readouterr()
    assert run("--engine", "pseudo", "--po", "po") == 0
    err = capsys.readouterr().err
    assert f"po/faltung.po:{line}: warning [po-rejected]: reviewed translation not used: it changed" in err
    assert "engine's text is used" in err and "translation-kept" not in err, err
    assert "\n## ⟦BEISPIEL⟧\n" in Path("faltung.qmd").read_text(encoding="utf-8")
    assert entry(Path("po"), "faltung.md", "Beispiel").msgstr == "Example #"  # the reviewer's words stay
    assert run("--engine", "none", "--po", "po") == 0
    err = capsys.readouterr().err
    assert f"po/faltung.po:{line}: warning [po-rejected]: reviewed translation not used: it changed" in err
    assert "\n## Beispiel\n" in Path("faltung.qmd").read_text(encoding="utf-8")


def test_po_stats_counts_plural_and_context_entries_as_msgfmt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = HEADER.format(charset="UTF-8") + (
        'msgctxt "heading"\nmsgid ""\nmsgstr "empty heading"\n\n'
        'msgctxt "title"\nmsgid "Faltung"\nmsgstr ""\n\n'
        'msgid "Bild"\nmsgid_plural "Bilder"\nmsgstr[0] "picture"\nmsgstr[1] "pictures"\n\n'
        'msgid "Zelle"\nmsgid_plural "Zellen"\nmsgstr[0] ""\nmsgstr[1] "cells"\n\n'
        '#, fuzzy\nmsgid "Zeile"\nmsgid_plural "Zeilen"\nmsgstr[0] "row"\nmsgstr[1] "rows"\n'
    )
    (tmp_path / "k.po").write_text(text, encoding="utf-8")
    msgfmt = subprocess.run(
        ["/usr/bin/msgfmt", "--statistics", "-o", "/dev/null", str(tmp_path / "k.po")], capture_output=True, text=True
    )
    assert cli.main(["po", "stats", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"k.po: {msgfmt.stderr.strip()}"
    assert msgfmt.stderr.strip() == "2 translated messages, 1 fuzzy translation, 2 untranslated messages."


def test_po_stats_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    for n in range(3000):
        (tmp_path / f"k{n:04}.po").write_text('msgid "a"\nmsgstr "b"\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(cli.__file__).parents[1])}
    shell = f"{sys.executable} -m myst2qmd po stats {tmp_path} | head -1"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, env=env)
    assert done.stdout == "k0000.po: 1 translated message, 0 fuzzy translations, 0 untranslated messages.\n"
    assert done.stderr == "", done.stderr


def test_references_to_file_names_with_spaces_survive_polib_and_msgfmt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gettext 0.20 and later write ``#: ⁨mein kapitel.md⁩:3``; polib reads and writes that back unchanged."""
    monkeypatch.chdir(tmp_path)
    Path("mein kapitel.md").write_text(CHAPTER, encoding="utf-8")
    assert cli.main(["convert", "mein kapitel.md", "-o", "k.qmd", "-q", "--engine", "pseudo", "--po", "po"]) == 0
    text = Path("po/mein kapitel.po").read_text(encoding="utf-8")
    assert "#: \u2068mein kapitel.md\u2069:3\n" in text
    msgfmt_check(Path("po/mein kapitel.po"))
    catalog = polib.pofile("po/mein kapitel.po")
    catalog.save()
    assert Path("po/mein kapitel.po").read_text(encoding="utf-8").rstrip() == text.rstrip()
    assert [e.occurrences for e in polib.pofile("po/mein kapitel.po") if e.msgid == FIRST] == [
        [("\u2068mein", ""), ("kapitel.md\u2069", "3")]
    ]  # polib splits the name (and writes it back as it was)


def test_an_interrupt_before_the_po_files_says_they_were_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("faltung.md").write_text(CHAPTER, encoding="utf-8")
    Path("_toc.yml").write_text("format: jb-book\nroot: faltung\n", encoding="utf-8")

    def interrupted(self: PoWriter, staged: object) -> list[Path]:
        raise KeyboardInterrupt

    monkeypatch.setattr(PoWriter, "commit", interrupted)
    assert cli.main(["convert", ".", "-o", "../out", "--engine", "pseudo", "--po", "../po", "-q"]) == 130
    err = capsys.readouterr().err
    assert err == "myst2qmd: interrupted after ../out was written completely; the PO files were not written\n", err
    assert not Path("../po").exists()  # staged, and removed again
